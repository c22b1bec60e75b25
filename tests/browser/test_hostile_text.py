"""Hostile text in a real browser (issue 11): the report and every app page show payloads as text.

A problem-tree title like `Births <img src=x onerror=...>` ran as script in report.html. Here the
sample country carries such payloads in every label and free text (see tests/hostile.py); chromium
opens the report and each step page, and nothing may run, load or open.
"""

from __future__ import annotations

import pytest

from hostile import CATEGORY_LABELS, IMG, SCRIPT, SVG, built_report

pytestmark = pytest.mark.browser
SHOWN = (SCRIPT, IMG, SVG)
# What a page's own markup may not hold once people's text is in it.
ON_ATTRIBUTES = """() => Array.from(document.querySelectorAll('*')).flatMap(e => Array.from(e.attributes)
    .filter(a => a.name.toLowerCase().startsWith('on')).map(a => `${e.tagName} ${a.name}`))"""
SCRIPT_URLS = """() => Array.from(document.querySelectorAll('[href],[src],[action],[formaction]'))
    .flatMap(e => ['href', 'src', 'action', 'formaction'].map(n => e.getAttribute(n) || ''))
    .filter(v => v.trim().toLowerCase().startsWith('javascript:'))"""
# Page-ready selectors: the widgets a page draws once its kernel has run.
APP_PAGES = {
    "index.ipynb": ".lnob-card",
    "1_who.ipynb": ".widget-output img",
    "2_why.ipynb": ".lnob-step2 .lnob-causes",
    "3_what.ipynb": ".lnob-step3 .lnob-plan table",
    "4_measure.ipynb": ".widget-output table",
    "5_accountability.ipynb": ".lnob-step5 .lnob-table",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory, sample_dir):
    return built_report(tmp_path_factory.getbasetemp(), sample_dir)


@pytest.fixture
def page(browser):
    """A fresh page that records every dialog and every request."""
    pg = browser.new_page(viewport={"width": 1280, "height": 1000})
    pg.set_default_timeout(120_000)
    pg.dialogs, pg.requests = [], []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("request", lambda r: pg.requests.append(r.url))
    yield pg
    pg.close()


def _assert_nothing_ran(pg) -> None:
    assert pg.evaluate("typeof window.__pwned") == "undefined", f"a payload ran on {pg.url}"
    assert pg.dialogs == [], f"a dialog opened on {pg.url}: {pg.dialogs}"
    assert pg.evaluate(ON_ATTRIBUTES) == []
    assert pg.evaluate(SCRIPT_URLS) == []


def test_report_shows_payloads_as_text(folder, page):
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
               else route.abort())
    page.goto((folder / "outputs" / "report" / "report.html").as_uri())
    page.wait_for_load_state("load")
    _assert_nothing_ran(page)
    assert page.evaluate("document.querySelectorAll('script, iframe, object, embed, svg, link').length") == 0
    assert [u for u in page.requests if not u.startswith(("file:", "data:"))] == [], "the report loaded something"
    text = page.inner_text("body")
    assert all(p in text for p in SHOWN)
    assert CATEGORY_LABELS["area", "Rural"] in text and CATEGORY_LABELS["displacement", "Displaced"] in text


@pytest.fixture(scope="module")
def app(folder, start_app):
    return start_app(folder)


def _choose(page, text: str) -> None:
    """Pick the first option, in any list on the page, whose label holds `text` (the payload leads)."""
    for select in page.locator(".widget-dropdown select").all():
        labels = select.locator("option").all_inner_texts()
        hits = [i for i, label in enumerate(labels) if text in label]
        if hits:
            select.select_option(index=hits[0])
            return
    raise AssertionError(f"no list offers an option holding {text!r}")


@pytest.mark.parametrize("notebook", list(APP_PAGES))
def test_app_page_shows_payloads_as_text(app, page, notebook):
    page.goto(app.url(notebook))
    page.wait_for_selector(APP_PAGES[notebook])
    page.wait_for_timeout(1000)  # outputs drawn after the first one
    if notebook == "1_who.ipynb":  # a table of groups with hostile labels, drawn by a callback
        _choose(page, "Ethnicity")  # the "Groups by" list shows the circumstance labels, payload first
        page.wait_for_function("(t) => document.body.innerText.includes(t)", arg=CATEGORY_LABELS["ethnicity", "Tamar"])
    _assert_nothing_ran(page)
    outputs = ".jp-OutputArea-output"
    assert page.locator(f"{outputs} script, {outputs} iframe, {outputs} object, {outputs} embed").count() == 0
    assert any(p in page.inner_text("body") for p in SHOWN), f"no payload shown as text on {notebook}"
    assert [u for u in page.requests if not u.startswith(("http://127.0.0.1:", "data:", "blob:"))] == [], \
        f"{notebook} asked for something outside this machine"
