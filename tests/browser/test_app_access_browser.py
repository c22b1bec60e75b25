"""In a real browser: closed pages give their kernels back at once (xsrf check on), and a page
beyond the kernel cap shows one plain sentence.

The server runs with the normal two-minute culling, so a kernel that goes away within seconds
was shut down by the page itself, not culled.
"""

from __future__ import annotations

import pytest

from lnob_helpers.app_security import BUSY

pytestmark = pytest.mark.browser
pytest.importorskip("psutil")
PAGES = 3


@pytest.fixture(scope="module")
def server(sample_copy, start_app):
    return start_app(sample_copy, max_kernels=1)


@pytest.fixture(scope="module")
def context(browser, server):
    ctx = browser.new_context()
    ctx.set_default_timeout(120_000)
    yield ctx
    ctx.close()


def test_closed_pages_leave_no_kernels(server, context, kernels):
    for _ in range(PAGES):
        page = context.new_page()
        page.goto(server.url())
        page.wait_for_selector(".lnob-card")
        assert kernels.count(server.process.pid) == 1
        page.close(run_before_unload=True)
        assert kernels.wait(server.process.pid, 0) == 0, "a closed page kept its kernel"


def test_moving_to_another_page_at_the_cap_works(server, context, kernels):
    page = context.new_page()
    for _ in range(2):
        page.goto(server.url())
        page.wait_for_selector(".lnob-card")
        assert BUSY not in page.inner_text("body")
    page.close(run_before_unload=True)
    assert kernels.wait(server.process.pid, 0) == 0


def test_page_beyond_the_cap_says_the_workbook_is_busy(server, context, kernels):
    first, second = context.new_page(), context.new_page()
    first.goto(server.url())
    first.wait_for_selector(".lnob-card")
    second.goto(server.url())
    text = second.inner_text("body")
    assert BUSY in text and "Traceback" not in text and second.locator(".lnob-card").count() == 0
    first.close(run_before_unload=True)
    assert kernels.wait(server.process.pid, 0) == 0
    second.reload()
    second.wait_for_selector(".lnob-card")
    second.close(run_before_unload=True)
