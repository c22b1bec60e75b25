"""Real survey files: universe, computed columns, weight divisor, per-file columns, upper-case suffixes.

The files are small DHS-like Stata files written into each test's folder: a children's recode
(KR.DTA) and a household members' recode (PR.DTA) with weights stored x 1,000,000, the wealth
quintile under two names (v190, hv270), an interview result code and dates as century-month codes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml

from lnob_helpers.config import DataFile, load_analysis
from lnob_helpers.data import Microdata, read_microdata, with_computed
from lnob_helpers.errors import InputError
from lnob_helpers.rounds import load_round
from lnob_helpers.survey import SurveyDesign, estimate
from lnob_helpers.validate import validate_folder, validation_notes

WEALTH = {1: "Poorest", 2: "Poorer", 3: "Middle", 4: "Richer", 5: "Richest"}
CLUSTERS, PER_CLUSTER = 40, 30


def _write_files(folder: Path, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cluster = np.repeat(np.arange(1, CLUSTERS + 1), PER_CLUSTER)
    stratum = (cluster - 1) // 5 + 1
    n = len(cluster)
    wealth = rng.integers(1, 6, n)
    weight = np.repeat(rng.uniform(0.5, 2.0, CLUSTERS), PER_CLUSTER)
    # cluster 40 was never interviewed; elsewhere one child in ten was not at home
    result = np.where((cluster == CLUSTERS) | (rng.random(n) < 0.1), 2, 1)
    kr = pd.DataFrame({
        "v005": np.round(weight * 1e6).astype(int), "v021": cluster, "v022": stratum, "v190": wealth,
        "v025": np.where(stratum % 2 == 0, 1, 2), "v008": 1432, "b3": 1432 - rng.integers(0, 70, n),
        "hw70": np.round(rng.normal(-150 + 30 * wealth, 100)).astype(int), "result": result,
    })
    pyreadstat.write_dta(kr, str(folder / "KR.DTA"), variable_value_labels={
        "v190": WEALTH, "v025": {1: "Urban", 2: "Rural"}, "result": {1: "Completed", 2: "Not at home"}})
    pr = pd.DataFrame({
        "hv005": kr.v005, "hv021": cluster, "hv022": stratum, "hv270": wealth, "hv024": (stratum - 1) // 2 + 1,
        "water": (rng.random(n) < 0.3 + 0.1 * wealth).astype(int),
    })
    pyreadstat.write_dta(pr, str(folder / "PR.DTA"), variable_value_labels={
        "hv270": WEALTH, "hv024": {1: "North", 2: "East", 3: "South", 4: "West"}})
    return kr


def _analysis_doc() -> dict:
    return {
        "country": {"name": "Testland", "iso3": "XTL"},
        "rounds": [{"year": 2019, "files": {
            "children": {"path": "KR.DTA",
                         "universe": [{"column": "result", "in": ["Completed"]}],
                         "computed": {"age_months": {"op": "-", "columns": ["v008", "b3"]}},
                         "design": {"weight": "v005", "weight_divisor": 1000000, "strata": "v022", "psu": "v021"}},
            "members": {"path": "PR.DTA",
                        "design": {"weight": "hv005", "weight_divisor": 1000000, "strata": "hv022", "psu": "hv021"}},
        }}],
        "indicators": [
            {"id": "stunting", "label": "Stunting", "file": "children", "direction": "adverse",
             "derive": {"kind": "threshold", "column": "hw70", "op": "<", "value": -200},
             "population": [{"column": "age_months", "max": 59}]},
            {"id": "water", "label": "Water", "file": "members", "column": "water"},
        ],
        "circumstances": [
            {"id": "wealth", "label": "Wealth", "factor": "socioeconomic", "ordered": True,
             "column": {"children": "v190", "members": "hv270"}, "categories": list(WEALTH.values())},
            {"id": "bottom40", "label": "Bottom 40%", "factor": "socioeconomic",
             "derive": {"kind": "bottom40", "column": {"children": "v190", "members": "hv270"},
                        "quintiles": list(WEALTH.values())}},
            {"id": "region", "label": "Region", "factor": "geography", "column": {"members": "hv024"}},
        ],
    }


def _save(folder: Path, doc: dict) -> Path:
    (folder / "analysis.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture
def dhs(tmp_path) -> tuple[Path, pd.DataFrame]:
    kr = _write_files(tmp_path)
    return _save(tmp_path, _analysis_doc()), kr


def _changed(folder: Path, change) -> Path:
    doc = yaml.safe_load((folder / "analysis.yaml").read_text(encoding="utf-8"))
    change(doc)
    return _save(folder, doc)


# --- upper-case suffixes ------------------------------------------------------------------------

@pytest.mark.parametrize("name, fmt", [("KR.DTA", "dta"), ("hh.SAV", "sav"), ("ch.CSV", "csv"),
                                       ("x.Parquet", "parquet")])
def test_format_is_guessed_from_an_upper_case_suffix(name, fmt):
    assert DataFile.model_validate({"path": name, "design": {"weight": "w"}}).format == fmt


def test_upper_case_files_are_read_with_their_labels(tmp_path):
    frame = pd.DataFrame({"w": [1.0, 2.0], "area": [1, 2]})
    pyreadstat.write_sav(frame, str(tmp_path / "hh.SAV"), variable_value_labels={"area": {1: "Urban", 2: "Rural"}})
    frame.to_csv(tmp_path / "ch.CSV", index=False)
    sav = read_microdata(tmp_path / "hh.SAV")
    assert sav.value_labels["area"] == {1: "Urban", 2: "Rural"} and len(sav.frame) == 2
    assert list(read_microdata(tmp_path / "ch.CSV").frame.columns) == ["w", "area"]


# --- the file universe -------------------------------------------------------------------------

def test_rows_outside_the_universe_are_not_in_the_design(dhs):
    folder, kr = dhs
    data = load_round(load_analysis(folder))
    design = data.files["children"].design
    completed = kr[kr.result == 1].reset_index(drop=True)
    # As in R: subset(data, completed) before svydesign, so cluster 40 is no PSU at all.
    assert design.n_rows == len(completed) and design.n_psu == CLUSTERS - 1
    assert design.df == (CLUSTERS - 1) - 8
    by_hand = SurveyDesign.from_frame(completed.assign(w=completed.v005 / 1e6), "w", "v022", "v021")
    y = data.files["children"].frame["stunting"].to_numpy()
    got = estimate(design, y).to_frame().iloc[0]
    want = estimate(by_hand, y).to_frame().iloc[0]
    assert got.estimate == pytest.approx(want.estimate, rel=1e-12) and got.se == pytest.approx(want.se, rel=1e-12)


def test_the_universe_may_use_a_computed_column(dhs):
    folder, kr = dhs
    _changed(folder, lambda doc: doc["rounds"][0]["files"]["children"].update(
        universe=[{"column": "result", "in": [1]}, {"column": "age_months", "min": 12}]))
    design = load_round(load_analysis(folder)).files["children"].design
    assert design.n_rows == ((kr.result == 1) & (kr.v008 - kr.b3 >= 12)).sum()


def test_an_empty_universe_is_one_sentence(dhs):
    folder, _ = dhs
    _changed(folder, lambda doc: doc["rounds"][0]["files"]["children"].update(
        universe=[{"column": "result", "in": ["Refused"]}]))
    problems = validate_folder(folder)
    assert problems == ["round 2019, file 'children' (KR.DTA): no row meets the file's `universe` conditions, "
                        "so it has no one to analyse."]


def test_weight_errors_count_rows_as_the_file_does(dhs):
    folder, kr = dhs
    row = int(np.flatnonzero(kr.result == 1)[-1])  # a completed interview after dropped rows
    bad = kr.assign(v005=kr.v005.where(kr.index != row, -5))
    pyreadstat.write_dta(bad, str(folder / "KR.DTA"), variable_value_labels={"result": {1: "Completed"}})
    problems = validate_folder(folder)
    assert any("weight column 'v005'" in p and f"1 row(s) ({row + 1}) are negative" in p for p in problems)


def test_zero_weights_instead_of_a_universe_keep_every_psu(dhs):
    """MICS weighs incomplete interviews 0: kept in the design, they count for nobody."""
    from lnob_helpers.who.furthest import grow_indicator_tree

    folder, kr = dhs
    zeroed = kr.assign(v005=kr.v005.where(kr.result == 1, 0))
    pyreadstat.write_dta(zeroed, str(folder / "KR.DTA"), variable_value_labels={"v190": WEALTH})
    _changed(folder, lambda doc: doc["rounds"][0]["files"]["children"].pop("universe"))
    assert validate_folder(folder) == []
    data = load_round(load_analysis(folder))
    children = data.files["children"]
    assert children.design.n_psu == CLUSTERS and children.design.n_rows == len(kr)   # cluster 40 is a PSU of zeros
    table = estimate(children.design, "stunting", ["wealth"]).to_frame()
    observed = children.frame["stunting"].notna().to_numpy()
    assert table.n.sum() == (observed & (kr.result == 1).to_numpy()).sum()
    tree = grow_indicator_tree(data, "stunting")
    assert tree.nodes["n"].iloc[0] == table.n.sum()


# --- weight divisor ----------------------------------------------------------------------------

def test_the_weight_divisor_scales_totals_only(dhs):
    folder, _ = dhs
    divided = load_round(load_analysis(folder))
    _changed(folder, lambda doc: [f["design"].update(weight_divisor=1) for f in doc["rounds"][0]["files"].values()])
    raw = load_round(load_analysis(folder))
    for key, ind in (("children", "stunting"), ("members", "water")):
        a, b = (estimate(d.files[key].design, ind, ["wealth"]).to_frame() for d in (divided, raw))
        for column in ("estimate", "se", "ci_lb", "ci_ub", "n"):
            np.testing.assert_allclose(a[column], b[column], rtol=1e-12)
        np.testing.assert_allclose(a["population"] * 1e6, b["population"], rtol=1e-12)


@pytest.mark.parametrize("value", [0, -1000000, ".inf", "many"])
def test_the_weight_divisor_must_be_a_positive_number(dhs, value):
    folder, _ = dhs
    text = (folder / "analysis.yaml").read_text().replace("weight_divisor: 1000000", f"weight_divisor: {value}", 1)
    (folder / "analysis.yaml").write_text(text)
    problems = validate_folder(folder)
    assert len(problems) == 1 and "rounds[1].files.children.design.weight_divisor" in problems[0]


# --- computed columns --------------------------------------------------------------------------

def _md(**columns) -> Microdata:
    return Microdata(pd.DataFrame(columns), {}, Path("KR.DTA"))


def test_computed_columns_do_the_arithmetic_in_order():
    md = _md(a=pd.array([10, 7, None, 4], dtype="Int64"), b=[2.0, 0.0, 1.0, 8.0])
    config = DataFile.model_validate({"path": "KR.DTA", "design": {"weight": "w"}, "computed": {
        "diff": {"op": "-", "columns": ["a", "b"]},
        "ratio": {"op": "/", "columns": ["a", "b"]},
        "years": {"op": "*", "columns": ["diff", "b"], "divide_by": 12},
        "total": {"op": "+", "columns": ["a", "b"]},
    }}).computed
    out = with_computed(md, config).frame
    np.testing.assert_array_equal(out["diff"], [8.0, 7.0, np.nan, -4.0])
    np.testing.assert_array_equal(out["ratio"], [5.0, np.nan, np.nan, 0.5])      # x / 0 is missing
    np.testing.assert_array_equal(out["years"], [16 / 12, 0.0, np.nan, -32 / 12])
    np.testing.assert_array_equal(out["total"], [12.0, 7.0, np.nan, 12.0])
    assert list(md.frame.columns) == ["a", "b"]                                   # the input is left alone


def test_a_computed_column_of_labels_is_refused():
    computed = DataFile.model_validate({"path": "x.csv", "design": {"weight": "w"},
                                        "computed": {"d": {"op": "-", "columns": ["a", "b"]}}}).computed
    with pytest.raises(InputError, match="computed column 'd' needs numbers, but its input column 'b' holds none"):
        with_computed(_md(a=[1, 2], b=["Urban", "Rural"]), computed)


def test_computed_columns_serve_indicators_and_circumstances(dhs):
    folder, kr = dhs
    _changed(folder, lambda doc: doc["circumstances"].append(
        {"id": "age", "label": "Age", "factor": "discrimination",
         "derive": {"kind": "bins", "column": {"children": "age_months"}, "edges": [0, 24, 60, 120],
                    "labels": ["0-23", "24-59", "60+"]}}))
    frame = load_round(load_analysis(folder)).files["children"].frame
    completed = kr[kr.result == 1]
    months = (completed.v008 - completed.b3).to_numpy()
    expected = np.where(months < 24, "0-23", np.where(months < 60, "24-59", "60+"))
    assert (frame["age"].astype(str).to_numpy() == expected).all()
    assert frame["stunting"].isna().to_numpy().tolist() == (months > 59).tolist()   # population on a computed column


def test_computed_problems_are_one_sentence_each(dhs):
    folder, _ = dhs
    _changed(folder, lambda doc: doc["rounds"][0]["files"]["children"]["computed"].update(
        v190={"op": "+", "columns": ["v190", "v025"]}, later={"op": "-", "columns": ["b3", "b3_prev"]}))
    assert validate_folder(folder) == [
        "round 2019, file 'children' (KR.DTA): computed column 'v190' has the name of a column in the data; "
        "give it a name of its own.",
        "round 2019, file 'children' (KR.DTA): column 'b3_prev', an input of computed column 'later', "
        "is not in the data.",
    ]


def test_a_computed_column_can_only_use_earlier_ones(dhs):
    folder, _ = dhs
    _changed(folder, lambda doc: doc["rounds"][0]["files"]["children"].update(computed={
        "first": {"op": "+", "columns": ["second", "b3"]}, "second": {"op": "-", "columns": ["v008", "b3"]}}))
    assert any("column 'second', an input of computed column 'first', is not in the data (a computed column can "
               "only use those written before it)." in p for p in validate_folder(folder))


# --- per-file columns --------------------------------------------------------------------------

def test_one_circumstance_reads_each_file_under_its_own_name(dhs):
    folder, kr = dhs
    analysis = load_analysis(folder)
    data = load_round(analysis)
    children, members = data.files["children"].frame, data.files["members"].frame
    assert list(children.columns) == ["wealth", "bottom40", "stunting"]          # no region column for KR
    assert list(members.columns) == ["wealth", "bottom40", "region", "water"]
    assert list(children["wealth"].cat.categories) == list(WEALTH.values())
    assert (children["wealth"].cat.codes.to_numpy() + 1 == kr.v190[kr.result == 1].to_numpy()).all()
    wealth = analysis.circumstance("wealth")
    assert (wealth.column_for("children"), wealth.column_for("members"), wealth.column_for("households")) == (
        "v190", "hv270", None)
    assert analysis.circumstance("bottom40").derive.column_for("members") == "hv270"


def test_a_missing_file_column_is_a_note_not_an_error(dhs, capsys):
    from lnob_helpers.cli import main

    folder, _ = dhs
    assert validate_folder(folder) == []
    assert validation_notes(folder) == [
        "circumstance 'region' has no column for file 'children', so the tables of indicators read from there "
        "leave it out."]
    assert main(["validate", str(folder)]) == 0
    assert "note: circumstance 'region' has no column for file 'children'" in capsys.readouterr().out


def test_the_tables_of_a_file_leave_out_what_it_does_not_have(dhs):
    from lnob_helpers.disaggregate import disaggregate

    folder, _ = dhs
    table = disaggregate(load_round(load_analysis(folder)))
    dims = table.groupby("indicator_abbr")["dimension_id"].unique()
    assert not any("region" in d for d in dims["stunting"])
    assert "region" in set(dims["water"]) and "wealth & region" in set(dims["water"])


def test_wgss_columns_per_file(dhs):
    folder, _ = dhs
    items = ["s1", "s2", "s3", "s4", "s5", "s6"]
    _changed(folder, lambda doc: doc["circumstances"].append(
        {"id": "disability", "label": "Disability", "factor": "discrimination",
         "derive": {"kind": "wgss", "columns": {"members": items}}}))
    circ = load_analysis(folder).circumstance("disability")
    assert circ.derive.columns_for("members") == items and circ.for_file("children") is None
    assert circ.source_columns == items


@pytest.mark.parametrize("change, words", [
    (lambda doc: doc["circumstances"][0].update(column={"chidren": "v190", "members": "hv270"}),
     "circumstance 'wealth' names a column for file 'chidren', which no round lists (they list: children, members)"),
    (lambda doc: doc["circumstances"][0].update(column=["v190", "hv270"]),
     "`circumstances[1].column` must be a column name or a mapping from data file key to a column name"),
    (lambda doc: doc["indicators"][0].update(derive={"kind": "category_map", "column": {"children": "hw70"},
                                                     "map": {"1": 1}}),
     "an indicator reads one data file, so its derive names one column, not one per file"),
    (lambda doc: doc["circumstances"].append({"id": "d", "label": "D", "factor": "discrimination",
                                              "derive": {"kind": "wgss", "columns": {"members": ["a", "b"]}}}),
     "wgss needs six columns, one per domain"),
])
def test_per_file_mistakes_are_plain_sentences(dhs, change, words):
    folder, _ = dhs
    _changed(folder, change)
    problems = validate_folder(folder)
    assert len(problems) == 1 and words in problems[0], problems


# --- the files themselves ----------------------------------------------------------------------

def test_input_files_are_never_modified(dhs):
    folder, _ = dhs
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    validate_folder(folder)
    load_round(load_analysis(folder))
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()} == digests


def test_groups_sharing_a_label_are_named_by_what_they_are_groups_of():
    from lnob_helpers.groups import unique_names

    groups = pd.DataFrame({"group_id": ["ethnicity=Other", "religion=Other", "area=Rural"],
                           "label": ["Other", "Other", "Rural"]})
    names = unique_names(groups, {"ethnicity": "Ethnicity of the household head", "religion": "Religion"})
    assert names == ["Other (Ethnicity of the household head)", "Other (Religion)", "Rural"]
