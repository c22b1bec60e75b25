"""One answer to "who is furthest behind": the overall group, "left behind" by factor, the trees that differ."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from lnob_helpers.config import FACTOR_LABELS, FACTORS, load_analysis
from lnob_helpers.who.furthest_summary import summarise_furthest
from lnob_helpers.who.left_behind import GROUP_COLUMNS, find_left_behind, furthest_behind_group, rank_groups
from lnob_helpers.who.step1 import compute_step1

PLANTED = "bottom40=Bottom 40% & area=Rural & ethnicity=Tamar"   # the README's "Bottom 40% & Rural & Tamar"
PLANTED_TREES = {"sba", "secondary_completion", "water", "sanitation", "birth_registration"}


@pytest.fixture(scope="module")
def result(sample_copy):
    return compute_step1(load_analysis(sample_copy))


@pytest.fixture(scope="module")
def summary(result):
    return summarise_furthest(result)


def test_the_overall_group_is_the_planted_one(result, summary):
    assert summary.group_id == PLANTED
    assert summary.label == "Bottom 40%, Rural, Tamar"
    # Step 1's list names the same group first, so the list and the answer agree
    assert result.left_behind.groups.iloc[0]["group_id"] == PLANTED
    assert summary.n_indicators == summary.n_assessed == 12
    assert summary.n_trees == len(PLANTED_TREES) and summary.n_trees_grown == 12
    assert set(summary.factors) == {"Discrimination", "Geography", "Socio-economic status"}
    assert summary.sentence().startswith("Bottom 40%, Rural, Tamar is the furthest-behind group: left behind on "
                                         "12 of 12 indicators, by ")
    assert "in 5 of the 12 indicator trees" in summary.sentence()
    assert summary.rule.startswith("The furthest-behind group is the group left behind on the most indicators")


def test_a_narrower_group_further_behind_on_average_does_not_win_the_tie(result, summary):
    """"Poorest, Rural, Tamar" has a larger mean gap but no tree singles it out: the trees break the tie."""
    groups = result.left_behind.groups.set_index("group_id")
    narrower = groups.loc["wealth=Poorest & area=Rural & ethnicity=Tamar"]
    planted = groups.loc[PLANTED]
    assert (narrower["n_indicators"], narrower["n_factors"]) == (planted["n_indicators"], planted["n_factors"])
    assert narrower["mean_gap"] > planted["mean_gap"] and narrower["n_trees"] == 0


def test_by_factor_counts_match_the_left_behind_table(result, summary):
    groups = result.left_behind.groups
    frame = summary.to_frame()
    assert list(frame["factor"]) == list(FACTORS)
    assert list(frame["label"]) == [FACTOR_LABELS[f] for f in FACTORS]
    tags = groups["factors"].map(lambda text: set(text.split(";")))
    for row in frame.itertuples(index=False):
        has = tags.map(lambda t: row.factor in t)
        assert row.groups == int(has.sum()), row.factor
        assert row.top_groups == "; ".join(groups.loc[has, "label"].head(3)), row.factor
        assert "=" not in row.top_groups                        # labels, never ids
    assert summary.n_groups == len(groups)
    assert frame.set_index("factor").loc["discrimination", "top_groups"].startswith("Bottom 40%, Rural, Tamar; ")


def test_explanations_only_where_the_tree_leaf_differs(result, summary):
    trees = summary.trees.set_index("indicator")
    assert set(trees.index) == set(result.trees)
    assert set(trees.index[trees["same_group"]]) == PLANTED_TREES
    for indicator, row in trees.iterrows():
        if row["same_group"]:
            assert row["note"] == "", indicator
        else:
            name, leaf = result.trees[indicator].indicator_name, result.trees[indicator].behind.path
            assert row["note"] == (
                f"The tree for {name} splits on the circumstances that matter most for that one indicator, so "
                f"its furthest-behind group, {leaf}, differs from the overall one, Bottom 40%, Rural, Tamar, "
                "which is left behind on the most indicators.")
    assert len(summary.notes) == 12 - len(PLANTED_TREES)


def test_ties_are_broken_by_the_trees_before_the_mean_gap():
    groups = pd.DataFrame({
        "group_id": ["a=1", "b=1", "c=1"], "n_indicators": [3, 3, 4], "n_factors": [2, 2, 1],
        "n_trees": [0, 2, 0], "mean_gap": [30.0, 10.0, 5.0],
    })
    assert list(rank_groups(groups)["group_id"]) == ["c=1", "b=1", "a=1"]
    # a left_behind.csv written before `n_trees` existed still has a furthest-behind group
    assert furthest_behind_group(groups.drop(columns="n_trees").iloc[:2])["group_id"] == "a=1"
    assert furthest_behind_group(groups.iloc[:0]) is None


def test_nobody_left_behind_is_said_plainly(result):
    nobody = replace(result, left_behind=find_left_behind(result.table, result.analysis, min_gap=1.0))
    empty = summarise_furthest(nobody)
    assert empty.group_id is None and empty.label == "" and list(nobody.left_behind.groups.columns) == GROUP_COLUMNS
    assert empty.sentence() == "No group is left behind on any indicator, so none is furthest behind."
    assert empty.to_frame()["groups"].tolist() == [0] * len(FACTORS)
    assert empty.notes == [] and not empty.trees["same_group"].any()
