"""No app page asks anything of the internet (issue 11).

Voilà's own pages link icon stylesheets on a CDN; the app draws its pages with the package's
`lnob` template instead. Chromium opens the landing page, each step page, the file list, a
missing notebook and the "busy" page of a server capped at one kernel; every request, websocket
and page resource is recorded, and none may go to a host other than this machine. Requests that
would leave the machine are also stopped, so a failure never depends on the network.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from lnob_helpers.app import TEMPLATE
from lnob_helpers.app_security import BUSY

pytestmark = pytest.mark.browser
pytest.importorskip("psutil")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
NOT_FETCHED = {"data", "blob", "about"}  # schemes that stay inside the page
# Each page and what shows once its kernel has drawn the widgets.
PAGES = {
    "index.ipynb": ".lnob-card",
    "1_who.ipynb": ".widget-dropdown select",
    "2_why.ipynb": ".lnob-step2",
    "3_what.ipynb": ".lnob-step3",
    "4_measure.ipynb": ".widget-output",
    "5_accountability.ipynb": ".lnob-step5",
}
# Addresses in the page that the browser loads by itself (anchors are only followed if clicked).
LOADED_ADDRESSES = """() => Array.from(document.querySelectorAll(
    'link[href], script[src], img[src], iframe[src], source[src], video[src], audio[src], embed[src], object[data]'))
    .map(e => e.href || e.src || e.data)"""
# Buttons whose only content is an icon would say nothing if the icon font were missing.
SILENT_BUTTONS = """() => Array.from(document.querySelectorAll('button'))
    .filter(b => b.offsetParent !== null)
    .filter(b => !b.innerText.trim() && !(b.getAttribute('title') || '').trim()
                 && !(b.getAttribute('aria-label') || '').trim())
    .map(b => b.outerHTML.slice(0, 120))"""


def _outside(urls: list[str]) -> list[str]:
    return [u for u in urls if urlsplit(u).scheme not in NOT_FETCHED and urlsplit(u).hostname not in LOCAL_HOSTS]


@pytest.fixture(scope="module")
def server(sample_copy, start_app):
    return start_app(sample_copy, max_kernels=1)


@pytest.fixture(scope="module")
def context(browser, server):
    """A browser context that records every request and websocket of its pages, and stops any
    request for another host (it is recorded first)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    ctx.set_default_timeout(120_000)
    ctx.seen = []

    def route(r):
        ctx.seen.append(r.request.url)
        if _outside([r.request.url]):
            r.abort()
        else:
            r.continue_()

    ctx.route("**/*", route)
    ctx.on("request", lambda r: ctx.seen.append(r.url))
    ctx.on("page", lambda pg: pg.on("websocket", lambda ws: ctx.seen.append(ws.url)))
    yield ctx
    ctx.close()


def _open(context, url: str, ready: str | None = None):
    context.seen.clear()
    page = context.new_page()
    page.goto(url)
    if ready:
        page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)  # anything asked for after the outputs were drawn
    return page


def _assert_stayed_local(page, seen: list[str]) -> None:
    where = urlsplit(page.url).path  # the query holds the token
    assert _outside(seen) == [], f"{where} asked for something outside this machine"
    assert _outside(page.evaluate(LOADED_ADDRESSES)) == [], f"{where} holds an outside address"


def _close(server, page, kernels) -> None:
    page.close(run_before_unload=True)
    assert kernels.wait(server.process.pid, 0) == 0, "a closed page kept its kernel"


@pytest.mark.parametrize("notebook", list(PAGES))
def test_app_page_loads_nothing_from_outside(server, context, kernels, notebook):
    page = _open(context, server.url(notebook), PAGES[notebook])
    try:
        _assert_stayed_local(page, context.seen)
        assert any(f"/voila/templates/{TEMPLATE}/" in u for u in context.seen), "the page is not drawn by our template"
        config = json.loads(page.inner_text("#jupyter-config-data"))
        assert config.get("fullMathjaxUrl") is None and config.get("mathjaxConfig") is None, \
            "with a MathJax address in its settings the page would load MathJax from a CDN"
        assert page.evaluate(SILENT_BUTTONS) == [], "a button says nothing without its icon"
        if notebook == "1_who.ipynb":
            assert page.locator(".widget-dropdown").count() > 0
            page.wait_for_selector(".widget-output img")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "offline-step1.png"), full_page=True)
    finally:
        _close(server, page, kernels)


def test_file_list_and_missing_page_load_nothing_from_outside(server, context):
    tree = _open(context, f"http://127.0.0.1:{server.port}/voila/tree?token={server.token}")
    try:
        tree.wait_for_selector("text=1_who.ipynb")
        _assert_stayed_local(tree, context.seen)
    finally:
        tree.close()
    missing = _open(context, server.url("no_such_step.ipynb"))
    try:
        assert "404" in missing.inner_text("body")
        _assert_stayed_local(missing, context.seen)
    finally:
        missing.close()


def test_busy_page_loads_nothing_from_outside(server, context, kernels):
    held = _open(context, server.url(), PAGES["index.ipynb"])
    try:
        busy = _open(context, server.url())
        try:
            assert BUSY in busy.inner_text("body") and busy.locator(".lnob-card").count() == 0
            _assert_stayed_local(busy, context.seen)
            assert any(f"/voila/templates/{TEMPLATE}/" in u for u in context.seen), \
                "the busy page is not drawn in our frame"
        finally:
            busy.close()
    finally:
        _close(server, held, kernels)
