"""HEAT Plus template import/export: round trips and clear messages for bad files."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.errors import InputError
from lnob_helpers.heat_format import (
    TEMPLATE_COLUMNS,
    check_heat_table,
    read_heat_template,
    write_heat_template,
)


@pytest.fixture
def table() -> pd.DataFrame:
    wealth = pd.DataFrame({
        "setting": "Aruvia", "date": 2021, "source": "MICS 2021", "indicator_abbr": "sba",
        "indicator_name": "Births attended by skilled health personnel (%)", "dimension": "Wealth",
        "subgroup": ["Poorest", "Second", "Middle", "Fourth", "Richest"],
        "estimate": [20.5, 30.25, 40.0, 50.0, 60.0], "se": [5.0, 7.0, 10.0, 12.0, 14.0],
        "ci_lb": np.nan, "ci_ub": np.nan, "population": [78.0, 91.0, 162.0, 103.0, 105.0],
        "note": None, "setting_average": 41.2, "iso3": "ARU", "favourable_indicator": 1,
        "indicator_scale": 100, "ordered_dimension": 1, "subgroup_order": [1, 2, 3, 4, 5],
        "reference_subgroup": 0, "n": [120, 130, 210, 150, 140], "flag": ["", "", "", "caution", ""],
    })
    region = wealth.iloc[:3].assign(dimension="Region", subgroup=["North", "Capital", "South"],
                                    ordered_dimension=0, subgroup_order=0, reference_subgroup=[0, 1, 0],
                                    note=["", "capital city", ""])
    return pd.concat([wealth, region], ignore_index=True)


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip_keeps_values_types_and_extra_columns(table, tmp_path, suffix):
    path = write_heat_template(table, tmp_path / f"heat{suffix}")
    back = read_heat_template(path)
    assert list(back.columns) == [*TEMPLATE_COLUMNS, "n", "flag"]
    pd.testing.assert_frame_equal(back, check_heat_table(table))
    assert back.loc[6, "note"] == "capital city"
    assert back["estimate"].dtype == "float64" and back["subgroup_order"].dtype == "int64"
    assert back["n"].tolist() == [120, 130, 210, 150, 140, 120, 130, 210]


def test_reading_never_modifies_the_file(table, tmp_path):
    path = tmp_path / "heat.csv"
    table.to_csv(path, index=False)
    before = _digest(path)
    read_heat_template(path)
    assert _digest(path) == before


def test_missing_mandatory_column_names_file_and_column(table, tmp_path):
    path = tmp_path / "partner.csv"
    table.drop(columns=["population"]).to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        read_heat_template(path)
    message = str(err.value)
    assert str(path) in message and "population" in message and "missing" in message


def test_non_numeric_estimate_names_the_spreadsheet_row(table, tmp_path):
    path = tmp_path / "partner.xlsx"
    bad = table.astype({"estimate": object})
    bad.loc[2, "estimate"] = "forty"
    bad.to_excel(path, index=False)
    with pytest.raises(InputError) as err:
        read_heat_template(path)
    assert str(err.value) == f"{path}: row 4, column estimate: not a number; expected a number."


def test_subgroup_order_missing_on_an_ordered_dimension(table, tmp_path):
    path = tmp_path / "partner.csv"
    bad = table.astype({"subgroup_order": object})
    bad.loc[1, "subgroup_order"] = None
    bad.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"row 3, column subgroup_order: empty on an ordered dimension"):
        read_heat_template(path)


def test_blank_subgroup_order_on_a_nonordered_dimension_means_zero(table):
    relaxed = table.astype({"subgroup_order": object})
    relaxed.loc[5:, "subgroup_order"] = None
    assert (check_heat_table(relaxed).loc[5:, "subgroup_order"] == 0).all()


def test_subgroup_order_must_run_from_1_to_k(table):
    bad = table.copy()
    bad.loc[4, "subgroup_order"] = 7
    with pytest.raises(InputError, match=r"rows 2, 3, 4, 5, 6, column subgroup_order: .* 1, 2, \.\.\., k"):
        check_heat_table(bad, "t.csv")


def test_several_problems_are_reported_together(table):
    bad = table.copy()
    bad.loc[0, "favourable_indicator"] = 2
    bad.loc[6, "setting"] = ""
    with pytest.raises(InputError) as err:
        check_heat_table(bad, "t.csv")
    assert err.value.problems == [
        "t.csv: row 8, column setting: empty; expected a value in every row.",
        "t.csv: row 2, column favourable_indicator: must be 0 or 1.",
    ]


def test_duplicates_inconsistent_flags_and_two_references_are_caught(table):
    dup = pd.concat([table, table.iloc[[0]]], ignore_index=True)
    with pytest.raises(InputError, match="rows 2, 10: the same subgroup appears more than once"):
        check_heat_table(dup, "t.csv")
    mixed = table.copy()
    mixed.loc[5, "favourable_indicator"] = 0
    with pytest.raises(InputError, match="favourable_indicator: differs between rows of one indicator"):
        check_heat_table(mixed, "t.csv")
    refs = table.copy()
    refs.loc[5, "reference_subgroup"] = 1
    with pytest.raises(InputError, match="rows 7, 8, column reference_subgroup: more than one"):
        check_heat_table(refs, "t.csv")


def test_invalid_table_is_not_written(table, tmp_path):
    bad = table.copy()
    bad.loc[0, "population"] = -5
    target = tmp_path / "out.csv"
    with pytest.raises(InputError, match="column population: out of range"):
        write_heat_template(bad, target)
    assert not target.exists()


def test_unknown_file_type_and_missing_file(table, tmp_path):
    with pytest.raises(InputError, match="expected .csv or .xlsx"):
        write_heat_template(table, tmp_path / "heat.ods")
    with pytest.raises(InputError, match="file not found"):
        read_heat_template(tmp_path / "absent.csv")
