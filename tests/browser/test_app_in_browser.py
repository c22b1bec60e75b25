"""The app in a real browser: Playwright driving Debian chromium against `lnob app` on loopback.

Screenshots are kept in test-artifacts/ for people to look at after a CI run.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ERROR_MARKERS = ("Traceback", "Something went wrong", "Error:")


WORKBOOKS = Path(__file__).resolve().parents[2] / "workbooks"


def _needs(notebook: str):
    return pytest.mark.skipif(not (WORKBOOKS / notebook).exists(), reason=f"workbooks/{notebook} not written yet")


@pytest.fixture(scope="module")
def server(sample_copy, start_app):
    return start_app(sample_copy), sample_copy


@pytest.fixture(scope="module")
def page(browser, server):
    ARTIFACTS.mkdir(exist_ok=True)
    pg = browser.new_page(viewport={"width": 1280, "height": 1000})
    pg.set_default_timeout(120_000)
    yield pg
    pg.close()


def _assert_no_error(pg) -> None:
    text = pg.inner_text("body")
    for marker in ERROR_MARKERS:
        assert marker not in text, f"error text on {pg.url}: {marker}"
    assert pg.locator(".lnob-error").count() == 0


def _output_snapshot(pg) -> str:
    return pg.evaluate("""() => Array.from(document.querySelectorAll('.widget-output, .jp-OutputArea-output'))
        .map(e => e.innerHTML).join('|')""")


def test_landing_page_shows_five_steps(server, page):
    app, _ = server
    page.goto(app.url())
    page.wait_for_selector(".lnob-card")
    assert page.locator(".lnob-card").count() == 5
    page.screenshot(path=str(ARTIFACTS / "landing.png"), full_page=True)
    _assert_no_error(page)


@_needs("1_who.ipynb")
def test_step1_indicator_change_redraws(server, page):
    app, folder = server
    page.goto(app.url())
    assert page.locator("a.open").first.get_attribute("href") == "1_who.ipynb"
    page.goto(app.url("1_who.ipynb"))
    select = page.locator(".widget-dropdown select").first
    select.wait_for()
    page.wait_for_timeout(500)
    before = _output_snapshot(page)
    options = select.locator("option").all_inner_texts()
    assert len(options) > 1
    current = select.input_value()
    values = [o.get_attribute("value") for o in select.locator("option").all()]
    select.select_option(next(v for v in values if v != current))
    page.wait_for_function("""(before) => Array.from(document.querySelectorAll('.widget-output, .jp-OutputArea-output'))
        .map(e => e.innerHTML).join('|') !== before""", arg=before)
    page.wait_for_timeout(1000)
    after = _output_snapshot(page)
    assert after != before
    assert "<img" in after and "<table" in after, "the figure and the table must both be on the page"
    page.screenshot(path=str(ARTIFACTS / "step1.png"), full_page=True)
    _assert_no_error(page)
    assert (folder / "outputs" / "step1" / "left_behind.csv").exists(), "Steps 2-5 read what the Step 1 page wrote"
    page.goto(app.url())
    page.wait_for_selector("#step-1 .lnob-done")


@_needs("2_why.ipynb")
def test_step2_entry_survives_reload(server, page):
    app, folder = server
    text = f"Birth registration offices are far from Tamar villages ({int(time.time())})"
    page.goto(app.url("2_why.ipynb"))
    box = page.locator('input[placeholder="Describe the cause"], textarea[placeholder="Describe the cause"]').first
    box.wait_for()
    box.fill(text)
    page.locator("button", has_text="Add cause").first.click()
    page.wait_for_function("(t) => document.querySelector('.lnob-causes') && "
                           "document.querySelector('.lnob-causes').innerText.includes(t)", arg=text)
    page.reload()
    page.wait_for_selector(".lnob-causes")
    assert text in page.inner_text(".lnob-causes")
    assert text in (folder / "step2_why.yaml").read_text(encoding="utf-8")
    page.screenshot(path=str(ARTIFACTS / "step2.png"), full_page=True)
    _assert_no_error(page)
