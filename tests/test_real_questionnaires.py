"""Real MICS and DHS files: questionnaire skips, indicators from several columns, special codes, map typos.

The frames are small and synthetic but shaped like the real files: a DHS-like Stata file whose
hw70 carries 9996-9998 with value labels, m3a-m3c attendance columns, a MICS-like skip.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml

from lnob_helpers.cli import main
from lnob_helpers.config import Circumstance, Indicator, load_analysis
from lnob_helpers.data import Microdata, read_data_file
from lnob_helpers.derive import indicator_values
from lnob_helpers.rounds import load_round
from lnob_helpers.special_codes import reads_as_special

YES_NO = {0: "No", 1: "Yes", 9: "Missing"}
HW70 = {9996: "Height out of plausible limits", 9997: "Age in days out of plausible limits", 9998: "Flagged cases"}


def _indicator(**fields) -> Indicator:
    return Indicator.model_validate({"id": "x", "label": "x", "file": "f", **fields})


# --- any_of / all_of ------------------------------------------------------------------------

def _attendance() -> Microdata:
    frame = pd.DataFrame({
        "m3a": [1, 0, 0, 0, None, 9, 9, 0],
        "m3b": [0, 1, 0, 0, None, 9, 1, None],
        "m3c": [0, 0, 0, 1, None, 9, 9, None],
    }, dtype="Int64")
    return Microdata(frame, {c: YES_NO for c in frame.columns})


def test_any_of_is_one_if_any_condition_holds_and_missing_only_if_every_column_is():
    ind = _indicator(derive={"kind": "any_of", "conditions": [{"column": c, "in": [1]} for c in ("m3a", "m3b", "m3c")]},
                     missing_codes=[9])
    np.testing.assert_array_equal(indicator_values(_attendance(), ind), [1, 1, 0, 1, np.nan, np.nan, 1, 0])


def test_any_of_matches_value_labels_as_well_as_codes():
    ind = _indicator(derive={"kind": "any_of", "conditions": [{"column": c, "in": ["Yes"]} for c in ("m3a", "m3b")]},
                     missing_codes=["Missing"])
    np.testing.assert_array_equal(indicator_values(_attendance(), ind), [1, 1, 0, 0, np.nan, np.nan, 1, 0])


def test_all_of_is_zero_once_one_fails_and_missing_when_none_fails_but_one_is_unknown():
    md = Microdata(pd.DataFrame({"a": [1, 1, 0, 1, None], "b": [1, 0, None, None, None]}, dtype="Int64"))
    ind = _indicator(derive={"kind": "all_of", "conditions": [{"column": "a", "in": [1]}, {"column": "b", "min": 1}]})
    np.testing.assert_array_equal(indicator_values(md, ind), [1, 0, 0, np.nan, np.nan])


def test_any_of_makes_an_indicator_not_groups():
    with pytest.raises(ValueError, match="makes a 0/1 indicator, not groups"):
        Circumstance.model_validate({"id": "c", "label": "c", "factor": "geography",
                                     "derive": {"kind": "any_of", "conditions": [{"column": "a", "in": [1]}]}})


# --- skipped by design ------------------------------------------------------------------------

def _early_education() -> Microdata:
    """50 children asked ue7 (ever attended): 43 yes, of whom 42 attend now (ue8); 7 never attended.

    Two more have no answer to ue7 at all, so their blank ue8 is not a skip.
    """
    ue7 = [1] * 43 + [2] * 7 + [9] * 2
    ue8 = [1] * 42 + [2] + [None] * 9
    frame = pd.DataFrame({"ue7": ue7, "ue8": ue8}, dtype="Int64")
    return Microdata(frame, {"ue7": {1: "Yes", 2: "No", 9: "No response"}, "ue8": {1: "Yes", 2: "No"}})


def test_skipped_rows_stay_in_the_denominator():
    md = _early_education()
    attending = {"derive": {"kind": "category_map", "column": "ue8", "map": {"1": 1, "2": 0}}}
    blank_dropped = indicator_values(md, _indicator(**attending))
    assert round(100 * np.nanmean(blank_dropped)) == 98
    skipped = indicator_values(md, _indicator(**attending, skipped={"when": [{"column": "ue7", "in": ["No"]}], "value": 0}))
    assert round(100 * np.nanmean(skipped)) == 84
    assert np.isnan(skipped[-2:]).all(), "rows blank for another reason stay missing"


def test_skipped_applies_before_the_population_filter():
    md = _early_education()
    ind = _indicator(column="ue8", missing_codes=[2], skipped={"when": [{"column": "ue7", "in": [2]}], "value": 0},
                     population=[{"column": "ue7", "in": [2]}])
    assert (indicator_values(md, ind)[43:50] == 0).all() and np.isnan(indicator_values(md, ind)[:43]).all()


# --- special labels ---------------------------------------------------------------------------

@pytest.mark.parametrize("label", [
    "Missing", "NA", "DK", "DK/NR", "Don't know", "Don\u2019t know", "don't know", "Not applicable", "N/A",
    "Height out of plausible limits", "Flagged cases", "Implausible", "Out of range", "Inconsistent",
    "Manquant", "Ne sait pas", "NSP", "Non applicable", "Incohérent", "incoherent", "Hors limites",
    "No sabe", "NS/NR", "No aplica", "Faltante", "Perdido", "Inconsistente", "No response",
])
def test_labels_that_mark_a_special_code(label):
    assert reads_as_special(label)


@pytest.mark.parametrize("label", [
    "Nairobi", "Namibia", "Dakar", "Nsanje", "Yes", "No", "No difficulty", "Not dejure resident", "Richest",
    "No food cooked", "Nurse or midwife", "Pit with slab", "Flag", "Kinshasa", "No education",
])
def test_ordinary_labels_are_not_special(label):
    assert not reads_as_special(label)


# --- a DHS-like Stata file through `lnob validate` ------------------------------------------

def _dhs_folder(tmp_path: Path, indicators: list[dict], circumstances: list[dict] | None = None) -> Path:
    """1142 children: 361 stunted, 639 not, 142 with hw70 flagged 9996-9998 (36.1% vs 31.6%)."""
    n = 1142
    hw70 = [-250] * 361 + [50] * 639 + [9996] * 80 + [9997] * 40 + [9998] * 22
    rng = np.random.default_rng(12)
    frame = pd.DataFrame({
        "v005": np.ones(n), "v022": np.repeat([1, 2], n // 2), "v021": np.arange(n) // 20 + 1,
        "v025": np.tile([1, 2], n // 2), "hw70": hw70,
        "m3a": rng.choice([0, 1, 9], n, p=[0.6, 0.38, 0.02]),
        "m3b": rng.choice([0, 1], n), "m3c": rng.choice([0, 1], n),
        "m15": rng.choice([11, 12, 21, 22, 31, 96], n),
    })
    pyreadstat.write_dta(frame, str(tmp_path / "KR.DTA"), variable_value_labels={
        "hw70": HW70, "v025": {1: "Urban", 2: "Rural"}, "m3a": YES_NO, "m3b": YES_NO, "m3c": YES_NO,
        "m15": {11: "Respondent's home", 12: "Other home", 21: "Government hospital", 22: "Government health center",
                31: "Private hospital", 96: "Other"},
    })
    doc = {
        "country": {"name": "Testland", "iso3": "XTL"},
        "rounds": [{"year": 2024, "files": {"children": {
            "path": "KR.DTA", "design": {"weight": "v005", "strata": "v022", "psu": "v021"}}}}],
        "indicators": [{"id": "i", "label": "i", "file": "children", **ind} for ind in indicators],
        "circumstances": circumstances or [{"id": "area", "label": "Area", "factor": "geography", "column": "v025"}],
    }
    (tmp_path / "analysis.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return tmp_path


def _validate(folder: Path, capsys) -> tuple[int, str]:
    before = {p: p.stat().st_mtime_ns for p in folder.iterdir()}
    code = main(["validate", str(folder)])
    assert {p: p.stat().st_mtime_ns for p in folder.iterdir()} == before, "validation must not modify any file"
    return code, capsys.readouterr().err


STUNTING = {"derive": {"kind": "threshold", "column": "hw70", "op": "<", "value": -200}, "direction": "adverse"}


def test_flagged_anthropometry_codes_must_be_declared(tmp_path, capsys):
    folder = _dhs_folder(tmp_path, [STUNTING])
    code, err = _validate(folder, capsys)
    assert code == 2
    assert ("round 2024, file 'children' (KR.DTA): column 'hw70' has code 9996 labelled "
            "'Height out of plausible limits' in 80 rows; declare it in missing_codes of indicator 'i' or map it.") in err
    assert "code 9998 labelled 'Flagged cases' in 22 rows" in err
    analysis = load_analysis(folder)
    md = read_data_file(analysis, analysis.rounds[0].files["children"])
    assert round(100 * np.nanmean(indicator_values(md, analysis.indicators[0])), 1) == 31.6

    _dhs_folder(tmp_path, [{**STUNTING, "missing_codes": [9996, 9997, 9998]}])
    assert _validate(folder, capsys)[0] == 0
    analysis = load_analysis(folder)
    assert round(100 * np.nanmean(indicator_values(md, analysis.indicators[0])), 1) == 36.1


def test_a_missing_code_in_an_any_of_column_must_be_declared(tmp_path, capsys):
    sba = {"derive": {"kind": "any_of", "conditions": [{"column": c, "in": [1]} for c in ("m3a", "m3b", "m3c")]}}
    code, err = _validate(_dhs_folder(tmp_path, [sba]), capsys)
    assert code == 2 and "column 'm3a' has code 9 labelled 'Missing' in" in err
    _dhs_folder(tmp_path, [{**sba, "missing_codes": [9]}])
    assert _validate(tmp_path, capsys)[0] == 0


FACILITY = {"derive": {"kind": "category_map", "column": "m15",
                       "map": {"11": 0, "12": 0, "21": 1, "22": 1, "31": 1, "96": 0}}}


def test_a_category_map_key_that_never_occurs_is_an_error_with_a_hint(tmp_path, capsys):
    facility = {"derive": {**FACILITY["derive"], "map": {**FACILITY["derive"]["map"], "Goverment hospital": 1}}}
    code, err = _validate(_dhs_folder(tmp_path, [facility]), capsys)
    assert code == 2
    assert ("category_map key 'Goverment hospital' of indicator 'i' never occurs in column 'm15'; "
            "did you mean 'Government hospital'?") in err


def test_a_code_in_no_map_and_no_missing_list_is_an_error_with_its_count(tmp_path, capsys):
    facility = {"derive": {**FACILITY["derive"], "map": {k: v for k, v in FACILITY["derive"]["map"].items() if k != "96"}}}
    folder = _dhs_folder(tmp_path, [facility])
    analysis = load_analysis(folder)
    md = read_data_file(analysis, analysis.rounds[0].files["children"])
    n = int((md.frame["m15"] == 96).sum())
    code, err = _validate(folder, capsys)
    assert code == 2
    assert (f"column 'm15' has code 96 labelled 'Other' in {n} rows that is in neither the category_map nor the "
            "missing_codes of indicator 'i', so those rows would silently become missing") in err
    _dhs_folder(tmp_path, [{**facility, "missing_codes": [96]}])
    assert _validate(folder, capsys)[0] == 0


def test_circumstance_map_and_recode_keys_that_never_occur_are_errors(tmp_path, capsys):
    circumstances = [
        {"id": "area", "label": "Area", "factor": "geography", "column": "v025", "recode": {"Rurall": "Rural"}},
        {"id": "place", "label": "Place", "factor": "geography",
         "derive": {"kind": "category_map", "column": "v025", "map": {"1": "Town", "3": "Village"}}},
    ]
    code, err = _validate(_dhs_folder(tmp_path, [STUNTING | {"missing_codes": [9996, 9997, 9998]}], circumstances),
                          capsys)
    assert code == 2
    assert "recode key 'Rurall' of circumstance 'area' never occurs in column 'v025'; did you mean 'Rural'?" in err
    assert "category_map key '3' of circumstance 'place' never occurs in column 'v025'; its codes and labels are '1', '2', " in err
    assert "column 'v025' has code 2 labelled 'Rural' in 571 rows that is in neither the category_map" in err


def test_skipped_test_columns_are_checked_for_presence(tmp_path, capsys):
    ind = {**STUNTING, "missing_codes": [9996, 9997, 9998], "skipped": {"when": [{"column": "hw1", "min": 60}], "value": 0}}
    code, err = _validate(_dhs_folder(tmp_path, [ind]), capsys)
    assert code == 2 and "column 'hw1' (in the skipped test of indicator 'i') is not in the data." in err


def test_skipped_needs_a_condition():
    with pytest.raises(ValueError, match="at least 1 item"):
        _indicator(column="a", skipped={"when": [], "value": 0})


def test_loaded_round_reads_the_skipped_columns(tmp_path):
    ind = {**STUNTING, "missing_codes": [9996, 9997, 9998], "skipped": {"when": [{"column": "m3b", "in": [1]}], "value": 0}}
    analysis = load_analysis(_dhs_folder(tmp_path, [ind]))
    frame = load_round(analysis).files["children"].frame
    assert frame["i"].notna().sum() > 1000
