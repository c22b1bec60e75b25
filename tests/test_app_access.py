"""The app server answers only whom it is for, caps its kernels, and `lnob app` stops cleanly.

Each test drives a real Voilà server on loopback with plain HTTP (no browser), on the landing
page, whose kernel is the lightest. Kernels are counted as the server's ipykernel children.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lnob_helpers.app import launch_app
from lnob_helpers.app_security import BUSY

psutil = pytest.importorskip("psutil")
ROOT = Path(__file__).resolve().parents[1]
CAP = 2
CULL_IDLE = 6  # long enough that no kernel is culled during a burst, short enough to wait for
FOREIGN_ORIGIN = "http://attacker.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _is_kernel(process) -> bool:
    try:
        return "ipykernel" in " ".join(process.cmdline())
    except psutil.Error:  # gone, or a zombie not reaped yet: not a live kernel
        return False


def _alive(process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def kernels(pid: int) -> list:
    return [p for p in psutil.Process(pid).children(recursive=True) if _is_kernel(p)]


def wait_for_kernels(pid: int, at_most: int, timeout: float = 40) -> int:
    deadline = time.monotonic() + timeout
    while len(kernels(pid)) > at_most and time.monotonic() < deadline:
        time.sleep(0.5)
    return len(kernels(pid))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Status, body and Location of one GET, redirects not followed."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=180) as r:
            return r.status, r.read().decode("utf-8", "replace"), ""
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace"), e.headers.get("Location", "")


@pytest.fixture(scope="module")
def server(sample_copy):
    app = launch_app(sample_copy, free_port(), max_kernels=CAP, cull_idle=CULL_IDLE)
    try:
        assert app.wait_ready(90), "the app server did not start within 90 s"
        yield app
    finally:
        app.stop()


def test_foreign_host_is_refused(server):
    """A page reached through DNS rebinding sends its own name as Host, with or without the token."""
    before = len(kernels(server.process.pid))
    for url in (server.url(), server.url().split("?")[0], f"http://127.0.0.1:{server.port}/voila/tree"):
        status, body, _ = get(url, {"Host": f"attacker.example:{server.port}"})
        assert status == 403 and "lnob-card" not in body
    assert len(kernels(server.process.pid)) <= before


def test_request_without_token_is_refused(server):
    before = len(kernels(server.process.pid))
    for url in (server.url().split("?")[0], server.url().replace(server.token, "wrong-token")):
        status, body, location = get(url)
        assert status == 302 and location.startswith("/login") and "lnob-card" not in body
    status, body, _ = get(f"http://127.0.0.1:{server.port}/login")
    assert status == 200 and "lnob-card" not in body
    assert len(kernels(server.process.pid)) <= before, "a request without the token started a kernel"


def test_request_with_token_is_served(server):
    status, body, _ = get(server.url())
    assert status == 200 and "lnob-card" in body and "Traceback" not in body
    status, body, _ = get(server.url().split("?")[0], {"Authorization": f"token {server.token}"})
    assert status == 200 and "lnob-card" in body


def test_cap_holds_under_cross_origin_requests(server):
    pid = server.process.pid
    assert wait_for_kernels(pid, 0) == 0, "kernels of earlier requests were not culled"
    seen = []

    def count_kernels(stop_at: float) -> None:
        while time.monotonic() < stop_at:
            seen.append(len(kernels(pid)))
            time.sleep(0.1)

    def burst(url: str) -> list[tuple[int, str, str]]:
        with ThreadPoolExecutor(21) as pool:
            watcher = pool.submit(count_kernels, time.monotonic() + 15)
            replies = list(pool.map(lambda _: get(url, {"Origin": FOREIGN_ORIGIN}), range(20)))
            watcher.result()
        return replies

    without_token = burst(server.url().split("?")[0])
    assert all(status == 302 for status, _, _ in without_token)
    assert max(seen) == 0, "a cross-origin request without the token started a kernel"

    with_token = burst(server.url())
    served = [body for status, body, _ in with_token if status == 200]
    busy = [body for status, body, _ in with_token if status == 503]
    assert 1 <= len(served) <= CAP and len(served) + len(busy) == 20
    assert max(seen) <= CAP, f"{max(seen)} kernels ran at once; the cap is {CAP}"
    assert all(BUSY in body and "Traceback" not in body for body in busy)


def test_kernels_of_pages_that_never_closed_are_culled(server):
    for _ in range(CAP):
        assert get(server.url())[0] in (200, 503)
    assert wait_for_kernels(server.process.pid, 0, timeout=CULL_IDLE * 6) == 0


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_lnob_app_stops_everything_it_started(sample_copy, stop):
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cli = subprocess.Popen([sys.executable, "-m", "lnob_helpers.cli", "app", str(sample_copy), "--port", str(port)],
                           stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    try:
        url = ""
        deadline = time.monotonic() + 120
        while not url and time.monotonic() < deadline:
            line = cli.stdout.readline()
            assert line, "lnob app exited before printing its URL"
            if line.startswith("Open "):
                url = line.split()[1]
                with socket.socket() as s:  # the URL is printed only once the port answers
                    assert s.connect_ex(("127.0.0.1", port)) == 0
        assert url.endswith(f"?token={url.split('token=')[1]}") and len(url.split("token=")[1]) >= 32
        assert get(url)[0] == 200
        started = psutil.Process(cli.pid).children(recursive=True)
        assert any(_is_kernel(p) for p in started)
        run_dir = next(a.split("=", 1)[1] for p in started for a in p.cmdline()
                       if a.startswith("--Voila.connection_dir_root="))

        cli.send_signal(stop)
        assert cli.wait(timeout=30) == 0
        time.sleep(1)
        survivors = [p for p in started if _alive(p)]
        assert not survivors, f"still running after {stop.name}: {[p.cmdline()[:3] for p in survivors]}"
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, "the port still answers"
        assert not Path(run_dir).exists(), "the server's temporary folder was left behind"
    finally:
        if cli.poll() is None:
            cli.kill()
        cli.stdout.close()
