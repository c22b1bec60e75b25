"""Cells of the disaggregation table that need saying (issue 12).

- An estimate at 0% or 100%, or with a standard error of 0, has no interval: it is flagged
  `no variation` (or keeps `caution`) with a plain note, and shown with a mark, never as ok.
- A ratio that divides by a level near zero, and a summary measure that a suppressed
  subgroup removes, say so and name the subgroup.
- Group names stay unambiguous whatever the category labels hold, and a derived
  circumstance (bottom40) is never crossed with its own source (the wealth quintile).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.config import Analysis, load_analysis
from lnob_helpers.disaggregate import NO_VARIATION_NOTE, disaggregate
from lnob_helpers.groups import GROUP_SEPARATOR, group_name, split_group_id
from lnob_helpers.measure.heat import compute_measure, summary_measures
from lnob_helpers.privacy import FLAG_CAUTION, FLAG_NO_VARIATION, FLAG_OK, FLAG_SUPPRESSED
from lnob_helpers.render import MARK_KEY, NO_VARIATION_MARK, table_html
from lnob_helpers.rounds import FileData, RoundData, load_round
from lnob_helpers.survey import SurveyDesign
from lnob_helpers.who.plots import dot_plot


@pytest.fixture(scope="module")
def sample_table(sample_dir) -> pd.DataFrame:
    analysis = load_analysis(sample_dir)
    return disaggregate(load_round(analysis, 2024))


def _without_variation(table: pd.DataFrame) -> np.ndarray:
    shown = table["flag"] != FLAG_SUPPRESSED
    at_bound = (table["estimate"] <= 0) | (table["estimate"] >= table["indicator_scale"])
    return (shown & (at_bound | (table["se"] == 0))).to_numpy()


# --- degenerate cells --------------------------------------------------------------------

def test_sample_cells_without_variation_are_flagged_and_noted(sample_table):
    constant = _without_variation(sample_table)
    cells = sample_table[constant]
    assert len(cells) > 10  # the sample has 100% cells (water among the Other, ...)
    assert not (cells["flag"] == FLAG_OK).any()
    assert set(cells["flag"]) == {FLAG_NO_VARIATION, FLAG_CAUTION}
    assert cells["note"].str.startswith(NO_VARIATION_NOTE).all()
    few = cells[cells["flag"] == FLAG_CAUTION]
    assert len(few) and few["note"].str.contains("fewer than 50 unweighted cases").all()
    rest = sample_table[~constant]
    assert not (rest["flag"] == FLAG_NO_VARIATION).any()
    assert not rest["note"].str.contains(NO_VARIATION_NOTE, regex=False).any()


def test_cells_without_variation_are_shown_with_their_mark():
    frame = pd.DataFrame({"subgroup": ["Many", "All of them"], "estimate": [71.2, 100.0],
                          "ci_lb": [69.0, 100.0], "ci_ub": [73.0, 100.0], "n": [500, 80],
                          "flag": [FLAG_OK, FLAG_NO_VARIATION]})
    page = table_html(frame, digits=1)
    assert f"<td>100.0 {NO_VARIATION_MARK}</td>" in page and "<td>80</td>" in page  # shown, n too
    assert "<td>71.2</td>" in page
    assert NO_VARIATION_MARK in MARK_KEY and 'class="lnob-key"' in page


def test_the_dot_plot_marks_cells_without_variation(sample_table):
    cell = sample_table[sample_table["flag"] == FLAG_NO_VARIATION].iloc[0]
    fig = dot_plot(sample_table, cell["indicator_abbr"], cell["dimension_id"], "test")
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert f"{cell['subgroup']} {NO_VARIATION_MARK}" in ticks
    assert "no variation" in fig.axes[0].get_xlabel()


def test_a_suppressed_subgroup_is_named_where_it_removes_a_measure():
    table = pd.DataFrame({
        "setting": "X", "date": 2024, "source": "S", "indicator_abbr": "y", "dimension": "Wealth",
        "subgroup": ["Poorest", "Second", "Middle", "Fourth", "Richest"],
        "estimate": [np.nan, 30.0, 40.0, 50.0, 60.0], "se": 2.0, "population": 100.0,
        "favourable_indicator": 1, "indicator_scale": 100, "ordered_dimension": 1,
        "subgroup_order": [1, 2, 3, 4, 5], "reference_subgroup": 0,
        "n": [12, 200, 200, 200, 200], "flag": [FLAG_SUPPRESSED, "ok", "ok", "ok", "ok"],
    })
    notes = summary_measures(table, ["SII", "D"]).set_index("measure")["note"]
    assert notes.str.startswith("n/a: the subgroup 'Poorest' is suppressed").all()
    regions = table.assign(dimension="Region", ordered_dimension=0, subgroup_order=0,
                           subgroup=["North", "South", "East", "West", "Other"],
                           estimate=[30.0, 40.0, 50.0, 60.0, np.nan], flag=["ok"] * 4 + [FLAG_SUPPRESSED],
                           n=[200] * 4 + [9])
    notes = summary_measures(regions, ["D", "BGV"]).set_index("measure")["note"]
    assert notes.str.startswith("n/a: the subgroup 'Other' is suppressed").all()  # 1 of 5 is over 15%


def test_an_empty_subgroup_is_left_out_rather_than_missing():
    table = pd.DataFrame({
        "setting": "X", "date": 2024, "source": "S", "indicator_abbr": "y", "dimension": "Age",
        "subgroup": ["0-4", "15-24", "25-44", "45-64"], "estimate": [np.nan, 30.0, 40.0, 50.0], "se": 2.0,
        "population": [0.0, 100.0, 100.0, 100.0], "favourable_indicator": 1, "indicator_scale": 100,
        "ordered_dimension": 1, "subgroup_order": [1, 2, 3, 4], "reference_subgroup": 0,
        "n": [0, 200, 200, 200], "flag": [FLAG_SUPPRESSED, "ok", "ok", "ok"],
    })
    result = summary_measures(table, ["SII", "D"]).set_index("measure")
    assert result["estimate"].notna().all() and (result["n_subgroups"] == 3).all()


@pytest.mark.parametrize(("name", "instead"), [("RII", "SII"), ("R", "D")])
def test_a_ratio_over_a_level_near_zero_is_marked(name, instead):
    exploding = compute_measure(name, [0.001, 0.01, 1, 20, 90], [1000] * 5, se=[0.01, 0.1, 1, 2, 2],
                                subgroup_order=[1, 2, 3, 4, 5])
    assert exploding.estimate > 100 and "unstable" in exploding.note and f"read {instead} instead" in exploding.note
    usual = compute_measure(name, [30, 40, 50, 60, 70], [100] * 5, se=[2] * 5, subgroup_order=[1, 2, 3, 4, 5])
    assert "unstable" not in usual.note


# --- group names -------------------------------------------------------------------------

def test_group_names_quote_labels_that_hold_the_separator():
    assert group_name(["Rural", "Tamar"]) == "Rural, Tamar"
    assert group_name(["no education, preschool"]) == "no education, preschool"
    assert group_name(["no education, preschool", "Rural"]) == '"no education, preschool", Rural'
    assert group_name(['say "hi"', "x"]) == '"say ""hi""", x'
    assert group_name(["a, b", "c"]) != group_name(["a", "b, c"])


HOSTILE = {"edu": ["no education, preschool", "Primary & more", "a=b"], "area": ["Urban, core", "Rural & remote"]}


def _hostile_round() -> RoundData:
    analysis = Analysis.model_validate({
        "country": {"name": "Testland", "iso3": "XTL"},
        "rounds": [{"year": 2024, "files": {"p": {"path": "p.csv", "design": {"weight": "w"}}}}],
        "indicators": [{"id": "y", "label": "Y", "file": "p", "column": "y"}],
        "circumstances": [
            {"id": "edu", "label": "Education", "factor": "socioeconomic", "column": "edu",
             "categories": HOSTILE["edu"]},
            {"id": "area", "label": "Area", "factor": "geography", "column": "area", "categories": HOSTILE["area"]},
        ],
        "settings": {"suppression": {"min_n": 25, "caution_n": 50}},
    })
    rng = np.random.default_rng(3)
    sizes = {("no education, preschool", "Urban, core"): 10}  # one small cell: suppression lines are parsed
    rows = [(e, a) for e, a in itertools.product(HOSTILE["edu"], HOSTILE["area"]) for _ in range(sizes.get((e, a), 80))]
    frame = pd.DataFrame(rows, columns=["edu", "area"])
    for c in ("edu", "area"):
        frame[c] = pd.Categorical(frame[c], categories=HOSTILE[c])
    frame["y"] = (rng.random(len(frame)) < 0.5).astype(float)
    design = SurveyDesign.from_frame(frame.assign(w=rng.uniform(0.5, 2, len(frame))), "w")
    return RoundData(analysis, analysis.round(2024), {"p": FileData("p", frame, design)})


def test_labels_with_separators_give_distinct_names_and_parse_back():
    table = disaggregate(_hostile_round())
    groups = table[table["group_id"] != "national"]
    assert not groups.duplicated(["dimension_id", "subgroup"]).any()
    two_way = groups[groups["dimension_id"] == f"edu{GROUP_SEPARATOR}area"]
    assert len(two_way) == 6
    for gid, subgroup in zip(two_way["group_id"], two_way["subgroup"]):
        parts = split_group_id(gid)
        assert list(parts) == ["edu", "area"] and parts["edu"] in HOSTILE["edu"] and parts["area"] in HOSTILE["area"]
        assert subgroup == group_name(parts.values())
    small = two_way["subgroup"] == '"no education, preschool", "Urban, core"'
    assert (two_way.loc[small, "flag"] == FLAG_SUPPRESSED).all() and small.sum() == 1
    # complementary suppression read the lines from these ids: a second cell of the row is withheld
    assert (two_way["flag"] == FLAG_SUPPRESSED).sum() >= 2


def test_a_derived_circumstance_is_never_crossed_with_its_source(sample_table):
    dims = set(sample_table["dimension_id"])
    assert f"wealth{GROUP_SEPARATOR}bottom40" not in dims
    assert not sample_table["group_id"].str.contains(f"wealth=.*{GROUP_SEPARATOR}bottom40=", regex=True).any()
    assert f"wealth{GROUP_SEPARATOR}area" in dims and f"bottom40{GROUP_SEPARATOR}area" in dims
