"""Disclosure control that holds, and exports that no spreadsheet runs as formulas.

The attack these tests replay: with the other groups' estimates, their populations and
the national value, a withheld estimate was recomputed exactly, and for n = 1 the
population was the respondent's own weight.
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from lnob_helpers.config import Suppression
from lnob_helpers.errors import LnobError
from lnob_helpers.exports import formula_safe_text, unescape_text, write_table, write_table_apart
from lnob_helpers.heat_format import read_heat_template, write_heat_template
from lnob_helpers.privacy import FLAG_SUPPRESSED, complementary_suppression, withhold_counts

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


def test_one_withheld_cell_takes_the_next_smallest_with_it():
    withheld = np.array([False, True, False, False, False])  # row 0 is the total
    n = np.array([300.0, 10, 40, 120, 130])
    hidden = complementary_suppression(withheld, n, [(np.array([1, 2, 3, 4]), 0)])
    assert hidden.tolist() == [False, True, True, False, False]


def test_two_withheld_cells_need_nothing_more_and_empty_cells_do_not_count():
    n = np.array([300.0, 10, 12, 0, 278])
    assert complementary_suppression(np.array([0, 1, 1, 1, 0], bool), n, [(np.arange(1, 5), 0)]).sum() == 3
    # one informative withheld cell beside an empty one: the next-smallest shown cell goes too
    hidden = complementary_suppression(np.array([0, 1, 0, 1, 0], bool), np.array([300.0, 10, 40, 0, 250]),
                                       [(np.arange(1, 5), 0)])
    assert hidden.tolist() == [False, True, True, True, False]


def test_when_no_cell_is_left_the_total_is_withheld_and_that_cascades():
    # a 2 x 2 table: row line {1, 2} adds to total 0, whose own line {0, 3} adds to national 4
    withheld = np.array([False, True, False, False, False])
    n = np.array([30.0, 10, 0, 70, 100])
    lines = [(np.array([1, 2]), 0), (np.array([0, 3]), 4)]
    hidden = complementary_suppression(withheld, n, lines)
    assert hidden.tolist() == [True, True, False, True, False]


def test_withheld_rows_show_no_count_population_or_share():
    table = pd.DataFrame({"estimate": [np.nan, 0.5], "n": [1, 80], "population": [812.5, 9000.0],
                          "share": [0.08, 0.92], "flag": [FLAG_SUPPRESSED, "ok"]})
    out = withhold_counts(table)
    assert out.loc[0, ["n", "population", "share"]].isna().all()
    assert out.loc[1, "population"] == 9000.0 and table.loc[0, "population"] == 812.5  # input untouched


@pytest.fixture(scope="module")
def exported(sample_dir, tmp_path_factory):
    """The Step 1 disaggregation of the sample: as computed, and as the CSV a user downloads."""
    from lnob_helpers.config import load_analysis
    from lnob_helpers.disaggregate import disaggregate, save_disaggregation
    from lnob_helpers.rounds import load_round

    a = load_analysis(sample_dir)
    a.folder = tmp_path_factory.mktemp("export")  # write outputs away from the sample
    data = load_round(load_analysis(sample_dir))
    table = disaggregate(data)
    csv_path, _ = save_disaggregation(table, a, data.year)
    return table, pd.read_csv(csv_path)


def _lines(table: pd.DataFrame):
    """(indicator, set name, cells, total group id) for every set that adds up to a published total."""
    for (indicator, dimension), cells in table[table["dimension_id"] != "national"].groupby(
            ["indicator_abbr", "dimension_id"]):
        circumstances = dimension.split(" & ")
        if len(circumstances) == 1:
            yield indicator, dimension, cells, "national"
            continue
        first, second = circumstances
        parts = cells["group_id"].str.split(f" & {second}=", n=1, regex=False)
        for value, line in cells.groupby(parts.str[0]):
            yield indicator, f"{dimension} at {value}", line, value
        for value, line in cells.groupby(parts.str[1]):
            yield indicator, f"{dimension} at {second}={value}", line, f"{second}={value}"


def test_withheld_cells_show_nothing_in_the_export(exported):
    _, csv_table = exported
    withheld = csv_table["flag"] == FLAG_SUPPRESSED
    assert withheld.any()
    columns = ["estimate", "se", "ci_lb", "ci_ub", "n", "population", "share"]
    assert csv_table.loc[withheld, columns].isna().all().all()


def test_no_withheld_value_can_be_recomputed(exported):
    """Replay the attack on every set that adds up to a published total, one- and two-way.

    To recompute a withheld estimate from a set, one needs the total and every other cell
    with people in it; so no set with a shown total may hold exactly one withheld cell
    with people in it.
    """
    table, _ = exported
    shown = set(zip(table.loc[table["flag"] != FLAG_SUPPRESSED, "indicator_abbr"],
                    table.loc[table["flag"] != FLAG_SUPPRESSED, "group_id"]))
    at_risk, checked = [], 0
    for indicator, name, cells, total in _lines(table):
        if (indicator, total) not in shown:
            continue
        hidden = (cells["flag"] == FLAG_SUPPRESSED) & (cells["n"] > 0)
        checked += int(hidden.any())
        if hidden.sum() == 1:
            at_risk.append(f"{indicator}: {name}")
    assert checked > 50
    assert not at_risk, at_risk[:5]


def test_text_cells_are_written_so_spreadsheets_show_them_as_text(tmp_path):
    frame = pd.DataFrame({"subgroup": HOSTILE, "estimate": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0]})
    csv_path = write_table(frame, tmp_path / "t.csv")
    with csv_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [r[0] for r in rows[1:]] == ["'" + h for h in HOSTILE]
    assert rows[1][1] == "-1.5"  # numbers stay numbers
    xlsx_path = write_table(frame, tmp_path / "t.xlsx")
    sheet = load_workbook(xlsx_path).active
    cells = [sheet.cell(row=i + 2, column=1) for i in range(len(HOSTILE))]
    assert [c.value for c in cells] == HOSTILE  # read back exactly as written, carriage return too
    assert all(c.data_type == "s" for c in cells)
    assert sheet.cell(row=2, column=2).value == -1.5


def test_escaping_round_trips():
    for text in [*HOSTILE, "'quoted", "plain", "Poorest, Rural"]:
        assert unescape_text(formula_safe_text(text)) == text


def test_heat_plus_template_with_hostile_labels_round_trips(tmp_path):
    table = pd.DataFrame({
        "setting": "=Aruvia", "date": 2024, "source": "Survey", "indicator_abbr": "sba",
        "indicator_name": "@births", "dimension": "Wealth", "subgroup": ["=cmd|' /C calc'!A0", "Richest"],
        "estimate": [40.0, 90.0], "se": [2.0, 1.0], "ci_lb": [36.0, 88.0], "ci_ub": [44.0, 92.0],
        "population": [1000.0, 2000.0], "note": "", "setting_average": 60.0, "iso3": "ARU",
        "favourable_indicator": 1, "indicator_scale": 100, "ordered_dimension": 1, "subgroup_order": [1, 2],
        "reference_subgroup": 0,
    })
    for suffix in (".csv", ".xlsx"):
        back = read_heat_template(write_heat_template(table, tmp_path / f"heat{suffix}"))
        assert back["subgroup"].tolist() == table["subgroup"].tolist()
        assert back["setting"].iloc[0] == "=Aruvia" and back["indicator_name"].iloc[0] == "@births"


def test_export_refuses_a_small_cell_with_a_value(tmp_path):
    frame = pd.DataFrame({"estimate": [0.5], "n": [3], "flag": ["ok"]})
    with pytest.raises(ValueError, match="fewer than 25"):
        write_table(frame, tmp_path / "t.csv", Suppression())
    assert not (tmp_path / "t.csv").exists()


def test_a_spreadsheet_written_apart_equals_one_written_in_process(tmp_path):
    """The app writes Step 1's XLSX in a process of its own; the file must be the same table, and a
    refused table must still come back as one sentence."""
    frame = pd.DataFrame({"setting": ["=Aruvia", "Aruvia"], "estimate": [0.5, 0.25], "n": [40, 60],
                          "flag": ["ok", "ok"]})
    here = write_table(frame, tmp_path / "here.xlsx", Suppression(), sheet="HEAT Plus data")
    apart = write_table_apart(frame, tmp_path / "apart.xlsx", Suppression(), sheet="HEAT Plus data")
    read = [pd.read_excel(p, sheet_name="HEAT Plus data") for p in (here, apart)]
    pd.testing.assert_frame_equal(read[0], read[1])
    assert read[1]["setting"].tolist() == ["=Aruvia", "Aruvia"]
    with pytest.raises(ValueError, match="fewer than 25"):  # checked before any process starts
        write_table_apart(frame.assign(n=[3, 60]), tmp_path / "small.xlsx", Suppression())
    with pytest.raises(LnobError, match=r"^bad\.txt: could not be written .* the CSV beside it"):
        write_table_apart(frame, tmp_path / "bad.txt", Suppression())  # the child refuses the suffix
    assert sorted(p.name for p in tmp_path.iterdir()) == ["apart.xlsx", "here.xlsx"]  # no handover left
