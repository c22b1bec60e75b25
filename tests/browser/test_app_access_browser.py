"""In a real browser: closed pages give their kernels back at once (xsrf check on), and a page
beyond the kernel cap shows one plain sentence.

The server runs with the normal two-minute culling, so a kernel that goes away within seconds
was shut down by the page itself, not culled.
"""

from __future__ import annotations

import shutil
import socket
import time

import pytest

from lnob_helpers.app import launch_app
from lnob_helpers.app_security import BUSY

pytestmark = pytest.mark.browser
psutil = pytest.importorskip("psutil")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
PAGES = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kernels(pid: int) -> int:
    count = 0
    for p in psutil.Process(pid).children(recursive=True):
        try:
            count += "ipykernel" in " ".join(p.cmdline())
        except psutil.Error:  # gone, or a zombie not reaped yet
            pass
    return count


def _wait_for_kernels(pid: int, at_most: int, timeout: float = 15) -> int:
    deadline = time.monotonic() + timeout
    while _kernels(pid) > at_most and time.monotonic() < deadline:
        time.sleep(0.25)
    return _kernels(pid)


@pytest.fixture(scope="module")
def server(tmp_path_factory, sample_dir):
    if shutil.which("chromium") is None:
        pytest.skip("Debian chromium is not installed (scripts/install_browser.sh installs it)")
    pytest.importorskip("playwright")
    copy = tmp_path_factory.mktemp("app-access") / "aruvia"
    shutil.copytree(sample_dir, copy, ignore=shutil.ignore_patterns("outputs", "*.bak"))
    app = launch_app(copy, _free_port(), max_kernels=1)
    try:
        assert app.wait_ready(90), "the app server did not start within 90 s"
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="module")
def context(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        ctx = browser.new_context()
        ctx.set_default_timeout(120_000)
        yield ctx
        browser.close()


def test_closed_pages_leave_no_kernels(server, context):
    for _ in range(PAGES):
        page = context.new_page()
        page.goto(server.url())
        page.wait_for_selector(".lnob-card")
        assert _kernels(server.process.pid) == 1
        page.close(run_before_unload=True)
        assert _wait_for_kernels(server.process.pid, 0) == 0, "a closed page kept its kernel"


def test_moving_to_another_page_at_the_cap_works(server, context):
    page = context.new_page()
    for _ in range(2):
        page.goto(server.url())
        page.wait_for_selector(".lnob-card")
        assert BUSY not in page.inner_text("body")
    page.close(run_before_unload=True)
    assert _wait_for_kernels(server.process.pid, 0) == 0


def test_page_beyond_the_cap_says_the_workbook_is_busy(server, context):
    first, second = context.new_page(), context.new_page()
    first.goto(server.url())
    first.wait_for_selector(".lnob-card")
    second.goto(server.url())
    text = second.inner_text("body")
    assert BUSY in text and "Traceback" not in text and second.locator(".lnob-card").count() == 0
    first.close(run_before_unload=True)
    assert _wait_for_kernels(server.process.pid, 0) == 0
    second.reload()
    second.wait_for_selector(".lnob-card")
    second.close(run_before_unload=True)
