"""The cross-country comparison of a batch, on small made-up Step 4 outputs (no notebook runs)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lnob_helpers.heat_format import write_heat_template
from lnob_helpers.report.comparison import COLUMNS, batch_comparison, compare_countries, comparison_folder

ANALYSIS = """\
country: {{name: {name}, iso3: {iso3}}}
rounds:
  - year: 2019
    files:
      people:
        path: people.csv
        design: {{weight: w}}
indicators:
{indicators}
circumstances:
  - {{id: sex, label: Sex, factor: discrimination, column: sex}}
"""


def _heat_rows(country: str, iso3: str, year: int, indicator: str, subgroups: dict[str, tuple[float, int, str]]):
    """HEAT Plus rows for one indicator by sex: subgroup -> (estimate, n, flag)."""
    return [{
        "setting": country, "date": year, "source": f"{country} survey {year}", "indicator_abbr": indicator,
        "indicator_name": indicator.title(), "dimension": "Sex", "subgroup": subgroup, "estimate": estimate,
        "se": 1.0, "ci_lb": estimate - 2, "ci_ub": estimate + 2, "population": n * 10.0, "note": "",
        "setting_average": 50.0, "iso3": iso3, "favourable_indicator": 1, "indicator_scale": 100,
        "ordered_dimension": 0, "subgroup_order": 0, "reference_subgroup": 0, "n": n, "flag": flag,
    } for subgroup, (estimate, n, flag) in subgroups.items()]


def _country(base: Path, name: str, iso3: str, tables: dict[int, dict[str, dict]]) -> Path:
    """An analysis folder whose Step 4 wrote `tables`: year -> indicator -> subgroups."""
    folder = base / name.lower()
    ids = sorted({i for by_indicator in tables.values() for i in by_indicator})
    indicators = "\n".join(f"  - {{id: {i}, label: {i.title()}, file: people, column: {i}}}" for i in ids)
    folder.mkdir(parents=True)
    (folder / "analysis.yaml").write_text(ANALYSIS.format(name=name, iso3=iso3, indicators=indicators))
    for year, by_indicator in tables.items():
        rows = [r for i, groups in by_indicator.items() for r in _heat_rows(name, iso3, year, i, groups)]
        path = folder / "outputs" / "step4" / f"heat_plus_{year}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_heat_template(pd.DataFrame(rows), path)
    return folder


@pytest.fixture
def two_countries(tmp_path):
    north = _country(tmp_path, "Northland", "XNO", {
        2015: {"water": {"Female": (10.0, 900, "ok"), "Male": (12.0, 900, "ok")}},   # an older round
        2020: {"water": {"Female": (40.0, 800, "ok"), "Male": (45.0, 30, "caution")},
               "power": {"Female": (70.0, 800, "ok"), "Male": (71.0, 800, "ok")}},  # not in Southland
    })
    south = _country(tmp_path, "Southland", "XSO", {
        2021: {"water": {"Female": (60.0, 500, "ok"), "Male": (58.0, 90, "suppressed"),  # withheld beside another
                         "=HYPERLINK(\"http://x\")": (55.0, 400, "ok")},
               "roads": {"Female": (20.0, 500, "ok"), "Male": (25.0, 500, "ok")}},
    })
    return north, south


def test_comparison_keeps_shared_indicators_latest_rounds_and_shown_rows(two_countries):
    comparison = compare_countries(two_countries)
    table = comparison.to_frame()
    assert comparison.countries == ("Northland", "Southland")
    assert comparison.indicators == ("water",)
    assert list(table.columns) == list(COLUMNS)
    assert set(table["indicator_abbr"]) == {"water"}
    assert dict(table.groupby("country")["date"].unique().map(list)) == {"Northland": [2020], "Southland": [2021]}
    # the cell withheld in Southland's own tables stays withheld: no row, no estimate, no count
    south = table[table["country"] == "Southland"]
    assert "Male" not in set(south["subgroup"]) and "suppressed" not in set(table["flag"])
    assert table.loc[(table["country"] == "Northland") & (table["subgroup"] == "Male"), "flag"].item() == "caution"


def test_comparison_files_are_formula_safe_and_hold_only_aggregates(two_countries, tmp_path):
    note = batch_comparison(list(two_countries))
    assert note is not None and "2 countries on 1 shared indicator" in note
    csv = tmp_path / "comparison.csv"
    assert comparison_folder(two_countries) == tmp_path and csv.exists() and (tmp_path / "comparison.xlsx").exists()
    text = csv.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    written = pd.read_csv(csv)
    assert len(written) == 4 and set(written["country"]) == {"Northland", "Southland"}
    from openpyxl import load_workbook

    cells = [c for row in load_workbook(tmp_path / "comparison.xlsx").active.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)  # no formula, even from "=HYPERLINK(...)"
    # --out wins over the folder holding the analyses
    out = tmp_path / "elsewhere"
    assert str(out / "comparison.csv") in batch_comparison(list(two_countries), out)


def test_a_shown_estimate_on_too_few_cases_is_refused(tmp_path):
    north = _country(tmp_path, "Northland", "XNO", {2020: {"water": {"Female": (40.0, 800, "ok"),
                                                                     "Male": (45.0, 12, "ok")}}})
    south = _country(tmp_path, "Southland", "XSO", {2020: {"water": {"Female": (40.0, 800, "ok"),
                                                                     "Male": (45.0, 800, "ok")}}})
    with pytest.raises(ValueError, match="fewer than 25 cases"):
        compare_countries([north, south])
    assert not (tmp_path / "comparison.csv").exists()


def test_nothing_to_compare(tmp_path):
    north = _country(tmp_path, "Northland", "XNO", {2020: {"water": {"Female": (40.0, 800, "ok")}}})
    south = _country(tmp_path, "Southland", "XSO", {2020: {"roads": {"Female": (40.0, 800, "ok")}}})
    assert batch_comparison([north]) is None  # one country: nothing to compare
    assert batch_comparison([north, south]) == "no comparison table: the countries share no indicator id."
    empty = tmp_path / "empty"
    (empty / "outputs").mkdir(parents=True)
    (empty / "analysis.yaml").write_text((north / "analysis.yaml").read_text())
    assert "no heat_plus_<year>.csv" in batch_comparison([north, empty])
    assert not (tmp_path / "comparison.csv").exists()
