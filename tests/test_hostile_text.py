"""Hostile text (issue 11): script, formulas and symbols in every label and free text.

The sample country with payloads in all that people write (see `hostile.py`) must pass
`lnob validate`, build its report, and export tables no spreadsheet runs as a formula. The
browser half (report and app pages in chromium) is tests/browser/test_hostile_text.py.
"""

from __future__ import annotations

import csv
import html

import mistune
import pandas as pd
import pytest
from openpyxl import load_workbook

from hostile import CATEGORY_LABELS, PAYLOADS, built_report, hostile_copy
from lnob_helpers.accountability.recommendations import import_recommendations
from lnob_helpers.disaggregate import group_id
from lnob_helpers.exports import CSV_ESCAPE, FORMULA_STARTS
from lnob_helpers.groups import containment, group_id_label, is_group_id, read_left_behind, split_group_id
from lnob_helpers.render import figure_png
from lnob_helpers.ui.forms import plain
from lnob_helpers.validate import validate_folder
from lnob_helpers.who.plots import dot_plot

RURAL, TAMAR = CATEGORY_LABELS["area", "Rural"], CATEGORY_LABELS["ethnicity", "Tamar"]


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory, sample_dir):
    return built_report(tmp_path_factory.getbasetemp(), sample_dir)


def test_group_ids_keep_labels_with_symbols():
    """Labels holding "=", " & ", commas and quotes stay whole in group ids (Step 2 read them as malformed)."""
    one = group_id(["area"], [RURAL])
    two = group_id(["area", "ethnicity"], [RURAL, TAMAR])
    assert is_group_id(one) and is_group_id(two)
    assert split_group_id(two) == {"area": RURAL, "ethnicity": TAMAR}
    assert group_id_label(one) == RURAL
    pairs = containment([one], [two, one])
    assert set(pairs["narrow"]) == {one, two}
    table = pd.DataFrame({"group_id": [one, two], "label": ["a", "b"], "n_indicators": [1, 1], "indicators": ["x", "x"],
                          "factors": ["geography", "geography"], "n_factors": [1, 1], "max_gap": [5.0, 6.0],
                          "mean_gap": [5.0, 6.0], "population_share": [0.2, 0.1], "furthest_behind": [False, True]})
    assert list(read_left_behind(table)["group_id"]) == [one, two]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plain_markdown_shows_text_as_typed(payload):
    """Even a renderer that passes raw HTML through (as Voilà's does) shows `plain` text as typed."""
    rendered = mistune.create_markdown(escape=False)(f"### {plain(payload)} end")
    assert html.unescape(rendered.removeprefix("<h3>").removesuffix("</h3>\n")) == f"{payload} end"


def test_figures_draw_labels_with_dollar_signs():
    """A category label such as `Income $\\frac{$` stopped Step 1 of `lnob report` with a mathtext error."""
    label = r"Income $\frac{$ & more"
    rows = pd.DataFrame([{"indicator_abbr": "water", "indicator_name": "Water", "dimension": "Income",
                          "dimension_id": "income", "setting_average": 50.0, "favourable_indicator": 1,
                          "indicator_scale": 100, "subgroup": s, "group_id": f"income={s}", "estimate": e,
                          "ci_lb": e - 5, "ci_ub": e + 5, "n": 400, "flag": "ok"} for s, e in ((label, 40.0), ("Other", 60.0))])
    assert figure_png(dot_plot(rows, "water", "income", "Test survey")).startswith(b"\x89PNG")


def test_recommendations_csv_with_hostile_groups_imports(tmp_path, sample_dir):
    folder = hostile_copy(sample_dir, tmp_path / "aruvia")
    recs = import_recommendations(folder / "recommendations.csv", tmp_path / "recs.yaml")
    assert f"ethnicity={TAMAR}" in {g for r in recs.recommendations for g in r.affected_groups}
    assert all(r.text.startswith(PAYLOADS) for r in recs.recommendations)


@pytest.mark.notebook
def test_hostile_analysis_validates_and_reports(hostile_folder):
    assert validate_folder(hostile_folder) == []
    page = (hostile_folder / "outputs" / "report" / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "&lt;img src=x onerror=" in page and html.escape(RURAL, quote=False) in page


def _formula_cells(path) -> tuple[list[str], int]:
    """Text cells a spreadsheet would run, and how many cells were escaped (so the check is not empty)."""
    unsafe, escaped = [], 0
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.reader(f):
            for cell in row:
                escaped += cell.startswith(CSV_ESCAPE) and cell[1:].startswith(FORMULA_STARTS)
                if cell.startswith(FORMULA_STARTS) and not _is_number(cell):
                    unsafe.append(cell[:60])
    return unsafe, escaped


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.notebook
def test_exports_are_formula_safe(hostile_folder):
    outputs = hostile_folder / "outputs"
    escaped = 0
    for path in sorted(outputs.rglob("*.csv")):
        unsafe, n = _formula_cells(path)
        assert not unsafe, f"{path.relative_to(outputs)} has cells a spreadsheet would run: {unsafe[:3]}"
        escaped += n
    assert escaped > 50, "the payloads reached the exports, escaped"
    books = sorted(outputs.rglob("*.xlsx"))
    assert books
    for path in books:
        formulas = [c.coordinate for sheet in load_workbook(path) for row in sheet.iter_rows() for c in row
                    if c.data_type == "f"]
        assert not formulas, f"{path.relative_to(outputs)} holds formulas in {formulas[:3]}"
