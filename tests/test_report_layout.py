"""The report's page layout (issue 14): A4 by default, and no table clipped on paper or on screen.

Wide tables were cut off at the right margin of the PDF, and four were wider than a 1366-px
screen. Here chromium lays the sample report out as it prints it: at the printable width of an A4
page, portrait for most tables and landscape for those the assembler marked `wide`, and every
table must end within its page. On a 1366 x 768 screen no table may be wider than the window. The
PDF's pages must be A4.
"""

from __future__ import annotations

import math
import re
import shutil

import pytest

from lnob_helpers.cli import build_parser
from lnob_helpers.errors import LnobError
from lnob_helpers.report import build as build_mod
from lnob_helpers.report.assemble import DENSE, WIDE, fit_tables, render_report
from lnob_helpers.report.paper import DEFAULT_PAPER, PAPERS, paper_named
from lnob_helpers.report.pdf import CHROMIUM_FLAGS, find_browser, html_to_pdf
from report_build import built_sample_report

A4_PT, LETTER_PT = (595.3, 841.9), (612.0, 792.0)  # PDF points
needs_chromium = pytest.mark.skipif(find_browser() is None,
                                    reason="no chromium: install it with scripts/install_browser.sh")
# Every table, figure and preformatted block: its right edge, and whether it sits on a landscape page.
BOXES = """() => Array.from(document.querySelectorAll('table, pre, figure img')).map(e => {
    const r = e.getBoundingClientRect();
    return {what: e.tagName + ' ' + (e.querySelector('tr') || e).innerText.slice(0, 60).replace(/\\s+/g, ' '),
            left: r.left, right: r.right, wide: e.closest('div.wide') !== null};
})"""


def media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height, in points, of every page box in `pdf`."""
    return [(float(m[2]) - float(m[0]), float(m[3]) - float(m[1]))
            for m in re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)]


def is_size(box: tuple[float, float], size: tuple[float, float]) -> bool:
    return all(abs(a - b) < 1.5 for a, b in zip(sorted(box), sorted(size)))


# --- without a browser -----------------------------------------------------------------------------

def test_a4_is_the_default_and_letter_can_be_chosen():
    args = build_parser().parse_args(["report", "somewhere"])
    assert args.paper == DEFAULT_PAPER == "a4"
    assert build_parser().parse_args(["report", "x", "--paper", "letter"]).paper == "letter"
    assert "size:A4" in render_report(country="A", iso3="AAA", date="d", sources=[], sections=[], annex_html="",
                                      provenance_html="")
    assert "size:letter" in render_report(country="A", iso3="AAA", date="d", sources=[], sections=[],
                                          annex_html="", provenance_html="", paper=PAPERS["letter"])
    assert round(PAPERS["a4"].printable_width_px()) == 680 and round(PAPERS["a4"].printable_width_px(True)) == 1009
    with pytest.raises(LnobError, match="--paper: a5 is not a known paper size"):
        paper_named("a5")
    with pytest.raises(LnobError, match="--paper"):
        build_mod.build_reports(["nowhere"], paper="a5")


def test_tables_are_wrapped_and_wide_ones_marked_for_landscape():
    paper = PAPERS["a4"]
    narrow = "<table><tr><th>group</th><th>rate</th></tr><tr><td>Rural</td><td>41.0</td></tr></table>"
    wide = ("<h4>Targets</h4><p>Intro.</p><table><tr>" + "".join(f"<th>measure number {i}</th>" for i in range(14))
            + "</tr><tr>" + "".join("<td>13.3 (10.7-16.0)</td>" for _ in range(14)) + "</tr></table>")
    huge = "<table><tr>" + "".join(f"<th>column_{i}_with_a_long_name</th>" for i in range(60)) + "</tr></table>"
    token = "household_survey;citizen_generated;official_statistics;partner_aggregates"
    out = fit_tables(narrow + wide + huge + f"<table><tr><td>{token}</td></tr></table>", paper)
    assert out.count('<div class="table-wrap">') == 2
    assert f'<div class="table-wrap {WIDE}"><h4>Targets</h4><p>Intro.</p><table>' in out  # heading goes along
    assert f'<div class="table-wrap {WIDE} {DENSE}"><table>' in out
    assert "household_<wbr>survey;<wbr>citizen_<wbr>generated;<wbr>" in out  # long ids break between their parts


# --- in chromium -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def report_dir(tmp_path_factory, sample_dir):
    if find_browser() is None or shutil.which("chromium") is None:
        pytest.skip("Debian chromium is not installed (scripts/install_browser.sh installs it)")
    pytest.importorskip("playwright")
    return built_sample_report(tmp_path_factory.getbasetemp(), sample_dir)


@pytest.fixture(scope="module")
def browser(report_dir):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=shutil.which("chromium"),
                                     args=[f for f in CHROMIUM_FLAGS if f != "--headless"])
        yield launched
        launched.close()


def _boxes(browser, url: str, width: int, height: int, media: str) -> list[dict]:
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.emulate_media(media=media)
        page.goto(url)
        page.wait_for_load_state("load")
        return page.evaluate(BOXES)
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.notebook
@pytest.mark.parametrize("landscape", [False, True], ids=["portrait", "landscape"])
def test_every_table_fits_its_printed_page(report_dir, browser, landscape):
    """chromium's print layout at the printable width of the page each table is printed on."""
    width = math.floor(PAPERS[DEFAULT_PAPER].printable_width_px(landscape))
    boxes = [b for b in _boxes(browser, (report_dir / "report.html").as_uri(), width, 1000, "print")
             if b["wide"] == landscape]
    clipped = [f"{b['what']} ends at {b['right']:.0f} px" for b in boxes if b["right"] > width + 0.5 or b["left"] < 0]
    assert not clipped, f"wider than the {'landscape' if landscape else 'portrait'} page ({width} px):\n" + \
        "\n".join(clipped)
    if not landscape:
        assert sum(b["what"].startswith("TABLE") for b in boxes) >= 10


@pytest.mark.browser
@pytest.mark.notebook
def test_no_table_is_wider_than_a_1366_px_screen(report_dir, browser):
    boxes = _boxes(browser, (report_dir / "report.html").as_uri(), 1366, 768, "screen")
    too_wide = [f"{b['what']}: {b['left']:.0f}-{b['right']:.0f} px" for b in boxes
                if b["right"] > 1366 or b["left"] < 0]
    assert not too_wide, "wider than a 1366-px window:\n" + "\n".join(too_wide)


@pytest.mark.browser
@pytest.mark.notebook
def test_the_pdf_is_a4_with_wide_tables_on_landscape_pages(report_dir):
    pdf = (report_dir / "report.pdf").read_bytes()
    boxes = media_boxes(pdf)
    assert boxes and all(is_size(b, A4_PT) for b in boxes), f"not A4: {sorted(set(boxes))}"
    assert boxes[0][0] < boxes[0][1], "the first page is portrait"
    landscape = sum(b[0] > b[1] for b in boxes)
    wide_tables = (report_dir / "report.html").read_text(encoding="utf-8").count(f'table-wrap {WIDE}')
    assert (landscape > 0) == (wide_tables > 0)


@needs_chromium
def test_letter_paper_prints_on_letter(tmp_path):
    page = render_report(country="Aruvia", iso3="ARU", date="2026-01-01", sources=[], sections=[],
                         annex_html="<p>Methods.</p>", provenance_html="<p>Files.</p>", paper=PAPERS["letter"])
    (tmp_path / "report.html").write_text(page, encoding="utf-8")
    boxes = media_boxes(html_to_pdf(tmp_path / "report.html", tmp_path / "report.pdf").read_bytes())
    assert boxes and all(is_size(b, LETTER_PT) for b in boxes)
