"""What the browser tests share: Debian chromium driven by Playwright, app servers on free loopback
ports, and the count of an app server's kernels.

Every test here is skipped when chromium or Playwright is missing (scripts/install_browser.sh
installs chromium), before any app server starts or report is built.
"""

from __future__ import annotations

import shutil
import socket
import time

import pytest

from lnob_helpers.app import launch_app

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session", autouse=True)
def chromium() -> str:
    """The chromium executable; autouse and session-wide, so it is set up before every other fixture."""
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("Debian chromium is not installed (scripts/install_browser.sh installs it)")
    pytest.importorskip("playwright")
    return path


@pytest.fixture(scope="module")
def browser(chromium):
    """One headless chromium per test module.

    Not session-wide: while Playwright's sync API is open, its event loop counts as running, so
    `asyncio.run` in a later, non-browser test module (tests/test_workshop_and_app.py) would fail.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def start_app():
    """`start_app(folder, **options)`: `lnob app` on `folder` at a free port, ready; the options
    (such as max_kernels) go to launch_app. Every server it started stops after the module."""
    started = []

    def start(folder, **options):
        app = launch_app(folder, free_port(), **options)
        started.append(app)
        if not app.wait_ready(90):
            pytest.fail("the app server did not start within 90 s")
        return app

    yield start
    for app in started:
        app.stop()


class Kernels:
    """The ipykernel processes under an app server's process."""

    def __init__(self) -> None:
        self.psutil = pytest.importorskip("psutil")

    def count(self, pid: int) -> int:
        count = 0
        for p in self.psutil.Process(pid).children(recursive=True):
            try:
                count += "ipykernel" in " ".join(p.cmdline())
            except self.psutil.Error:  # gone, or a zombie not reaped yet
                pass
        return count

    def wait(self, pid: int, at_most: int, timeout: float = 15) -> int:
        """The count once it is `at_most` or the time ran out."""
        deadline = time.monotonic() + timeout
        while self.count(pid) > at_most and time.monotonic() < deadline:
            time.sleep(0.25)
        return self.count(pid)


@pytest.fixture(scope="session")
def kernels() -> Kernels:
    return Kernels()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test leaves a screenshot of its page in test-artifacts/failures/."""
    report = yield
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and page is not None and hasattr(page, "screenshot"):
        from pathlib import Path

        folder = Path(__file__).resolve().parents[2] / "test-artifacts" / "failures"
        folder.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(folder / f"{item.name}.png"))
        except Exception:  # noqa: BLE001 - a closed page cannot be shown; the failure itself is reported
            pass
    return report


@pytest.fixture(scope="module")
def page(browser):
    """One tab at 1366x768, the workshop laptops' screen, that accepts downloads; a module may define
    its own."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    pg.set_default_navigation_timeout(180_000)
    yield pg
    context.close()
