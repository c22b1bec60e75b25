"""The report's body is short and speaks in words (issue 14).

The body (cover, contents, executive summary and the five step sections: everything before the
methodology annex) must fit in 30 A4 pages: short tables of the rows that matter, with the full
tables in the attached workbook. A reader of it must meet no code: no group id
(`wealth=Poorest`), no True/False, no internal column name (`ci_lb`, `in_progress`) and no list
of the files a step wrote. The sample report is built once per session (tests/report_build.py).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lnob_helpers.report.pdf import find_browser
from report_build import built_sample_report

MAX_BODY_PAGES = 30
ANNEX = "Methodology annex"
GROUP_ID = re.compile(r"\b[a-z_0-9]+=[A-Z]")
TRUE_FALSE = re.compile(r"\b(?:True|False)\b")
COLUMN_NAMES = re.compile(r"\b(?:ci_lb|ci_ub|group_id|dimension_id|n_indicators|in_progress|not_started|max_gap|"
                          r"population_share)\b")
PAGE_NUMBER = re.compile(r"\s*\d+ / \d+\s*")
SHEET = re.compile(r'sheet "([^"]+)" of the attached workbook')


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory, sample_dir) -> Path:
    return built_sample_report(tmp_path_factory.getbasetemp(), sample_dir)


@pytest.fixture(scope="module")
def body_html(report_dir) -> str:
    """The report page before its first annex: cover, contents, summary and the step sections."""
    page = (report_dir / "report.html").read_text(encoding="utf-8")
    return page[:page.index('<section class="annex">')]


def text_of(fragment: str) -> str:
    """What a reader sees: no style sheet, no tags (the `<wbr>` break hints join their word again)."""
    fragment = re.sub(r"<style\b.*?</style>", " ", fragment, flags=re.S)
    fragment = re.sub(r"<wbr>", "", fragment)
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def test_the_body_fits_in_30_a4_pages(report_dir):
    if find_browser() is None:
        pytest.skip("no chromium, so no PDF: install it with scripts/install_browser.sh")
    pypdf = pytest.importorskip("pypdf")
    pages = pypdf.PdfReader(report_dir / "report.pdf").pages
    firsts = []
    for page in pages:
        lines = [line.strip() for line in (page.extract_text() or "").splitlines()
                 if line.strip() and not PAGE_NUMBER.fullmatch(line)]
        firsts.append(lines[0] if lines else "")
    assert ANNEX in firsts, "the methodology annex starts no page"
    body = firsts.index(ANNEX)
    print(f"report body: {body} A4 pages, annexes: {len(pages) - body}")
    assert body <= MAX_BODY_PAGES


def test_the_body_shows_no_ids_python_values_or_column_names(body_html):
    text = text_of(body_html)
    for pattern in (GROUP_ID, TRUE_FALSE, COLUMN_NAMES):
        found = [text[max(0, m.start() - 50):m.end() + 50] for m in pattern.finditer(text)]
        assert found == [], pattern.pattern
    assert re.search(r"\b\d+\.\d \(\d+\.\d-\d+\.\d\)", text), "intervals read 67.1 (64.2-69.8)"
    assert re.search(r"\b\d+\.\d%", text), "shares read 10.7%"


def test_the_sections_list_no_files_and_name_sheets_that_exist(report_dir, body_html):
    sections = text_of(body_html[body_html.index("</nav>"):])
    assert ".csv" not in sections and "Files written" not in sections
    named = set(SHEET.findall(sections))
    assert len(named) >= 10                          # the shortened tables say where the full ones are
    sheets = set(load_workbook(report_dir / "tables.xlsx", read_only=True).sheetnames)
    assert named <= sheets, named - sheets


@pytest.mark.parametrize("rated", [1, "all"])
def test_a_scorecard_shows_area_scores_only_with_its_score(rated, monkeypatch):
    """One rating gives its coverage and no table or chart that would read like a complete assessment."""
    from lnob_helpers.accountability.scorecard import Rating, load_scorecard, score_scorecard
    from lnob_helpers.ui import forms
    from lnob_helpers.ui.step5 import report_scorecards

    card = load_scorecard("lnob")
    ids = [i.id for i in card.indicators()]
    count = len(ids) if rated == "all" else rated
    scores = score_scorecard(card, [Rating(year=2026, indicator=i, rating=3) for i in ids[:count]])
    shown: list = []
    monkeypatch.setattr(forms, "display", lambda obj, *a, **k: shown.append(obj))
    report_scorecards([scores])
    kinds = [type(obj).__name__ for obj in shown]
    said = " ".join(obj.data for obj in shown if type(obj).__name__ == "Markdown").replace("\\", "")
    if rated == 1:
        assert kinds == ["Markdown"] and f"1 of {len(ids)} indicators rated in 2026" in said
        assert "out of 100" not in said
    else:
        assert kinds == ["Markdown", "Markdown", "HTML", "Image"] and "out of 100" in said
        assert "<th>Area</th>" in shown[2].data and "True" not in shown[2].data


def test_true_false_columns_read_yes_and_no():
    import pandas as pd

    from lnob_helpers.render import table_html

    page = table_html(pd.DataFrame({"Group": ["Rural", "Urban", "Delta"], "Left behind": [True, False, None],
                                    "Chosen": pd.Series([True, False, True], dtype=bool)}))
    cells = re.findall(r"<td>(.*?)</td>", page)
    assert cells == ["Rural", "Yes", "Yes", "Urban", "No", "No", "Delta", "", "Yes"]


def test_every_number_of_the_executive_summary_is_shown_in_the_body(body_html):
    """The summary says nothing the body does not show: each of its decimals appears in a step section."""
    start, end = body_html.index('<h2 id="summary">'), body_html.index('<h2 id="step1">')
    summary, steps = text_of(body_html[start:end]), text_of(body_html[end:])
    decimals = set(re.findall(r"(?<![\d.])\d+\.\d(?!\d)", summary))
    assert len(decimals) >= 10, "the summary quotes the numbers it rests on"
    missing = sorted(d for d in decimals if d not in steps)
    assert missing == [], f"numbers of the executive summary that no step section shows: {missing}"
