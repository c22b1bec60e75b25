"""Left-behind rule and ranking, on hand-made tables whose answers can be checked by eye."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.config import Analysis
from lnob_helpers.groups import group_id_label
from lnob_helpers.who.left_behind import GROUP_COLUMNS, find_left_behind, parse_group_id

ANALYSIS = Analysis.model_validate({
    "country": {"name": "Testland", "iso3": "XTL"},
    "rounds": [{"year": 2024, "files": {"p": {"path": "p.csv", "design": {"weight": "w"}}}}],
    "indicators": [
        {"id": "water", "label": "Water", "file": "p", "column": "water"},
        {"id": "stunting", "label": "Stunting", "file": "p", "column": "haz", "direction": "adverse"},
    ],
    "circumstances": [
        {"id": "area", "label": "Area", "factor": "geography", "column": "area"},
        {"id": "ethnicity", "label": "Ethnicity", "factor": "discrimination", "column": "eth"},
    ],
})


def _row(ind, gid, est, lo, hi, nat, n=200, flag="ok"):
    favourable = 1 if ind == "water" else 0
    parts = parse_group_id(gid)
    return {
        "indicator_abbr": ind, "group_id": gid, "subgroup": " & ".join(parts.values()) or "National",
        "dimension_id": " & ".join(parts) or "national",
        "factors": ";".join({"area": "geography", "ethnicity": "discrimination"}[c] for c in parts),
        "estimate": est, "ci_lb": lo, "ci_ub": hi, "setting_average": nat, "n": n, "flag": flag,
        "share": 0.2, "favourable_indicator": favourable, "indicator_scale": 100,
    }


@pytest.fixture
def table() -> pd.DataFrame:
    rows = [
        _row("water", "national", 70, 68, 72, 70, n=5000),
        # favourable: CI wholly below 70 and gap 10 >= 5 -> left behind
        _row("water", "area=Rural", 60, 57, 63, 70),
        # CI reaches the national value -> not left behind despite a 6-point gap
        _row("water", "ethnicity=Tamar", 64, 57, 70.5, 70),
        # CI below but gap only 4 points -> not left behind
        _row("water", "ethnicity=Kesh", 66, 65, 67, 70),
        # exactly 5 points -> left behind (the rule says "at least")
        _row("water", "area=Rural & ethnicity=Tamar", 65, 62, 68, 70),
        # suppressed cells carry no estimate and are never flagged
        _row("water", "area=Urban & ethnicity=Kesh", np.nan, np.nan, np.nan, 70, n=12, flag="suppressed"),
        _row("stunting", "national", 30, 29, 31, 30, n=3000),
        # adverse: higher is worse; CI wholly above 30, gap 12 -> left behind
        _row("stunting", "area=Rural", 42, 38, 46, 30),
        # adverse, better than national -> not left behind
        _row("stunting", "ethnicity=Tamar", 20, 17, 23, 30),
        # adverse, caution cell still judged: gap 15, CI above -> left behind
        _row("stunting", "area=Rural & ethnicity=Tamar", 45, 36, 54, 30, n=40, flag="caution"),
    ]
    return pd.DataFrame(rows)


def test_hand_computed_cells(table):
    lb = find_left_behind(table, ANALYSIS)
    flagged = set(zip(lb.cells.loc[lb.cells["left_behind"], "indicator_abbr"],
                      lb.cells.loc[lb.cells["left_behind"], "group_id"]))
    assert flagged == {
        ("water", "area=Rural"), ("water", "area=Rural & ethnicity=Tamar"),
        ("stunting", "area=Rural"), ("stunting", "area=Rural & ethnicity=Tamar"),
    }
    gaps = lb.cells.set_index(["indicator_abbr", "group_id"])["gap"]
    assert gaps[("water", "area=Rural")] == pytest.approx(10.0)
    assert gaps[("stunting", "area=Rural")] == pytest.approx(12.0)      # adverse: positive = worse
    assert gaps[("stunting", "ethnicity=Tamar")] == pytest.approx(-10.0)
    assert not lb.cells.loc[lb.cells["flag"] == "suppressed", "left_behind"].any()


def test_ranking_counts_indicators_and_factors(table):
    lb = find_left_behind(table, ANALYSIS, furthest_groups={"area=Rural & ethnicity=Tamar"})
    g = lb.groups
    assert list(g.columns) == GROUP_COLUMNS
    assert list(g["group_id"]) == ["area=Rural & ethnicity=Tamar", "area=Rural"]  # 2 factors ranks first
    first = g.iloc[0]
    assert first["n_indicators"] == 2 and first["n_factors"] == 2
    assert first["factors"] == "discrimination;geography"          # the guide's order
    assert first["label"] == "Rural, Tamar"
    assert first["max_gap"] == pytest.approx(15.0) and first["mean_gap"] == pytest.approx(10.0)
    assert bool(first["furthest_behind"]) and not bool(g.iloc[1]["furthest_behind"])
    assert g.iloc[1]["indicators"] == "water;stunting"


def test_min_gap_is_a_proportion(table):
    strict = find_left_behind(table, ANALYSIS, min_gap=0.11)
    assert set(strict.groups["group_id"]) == {"area=Rural", "area=Rural & ethnicity=Tamar"}
    assert strict.cells["left_behind"].sum() == 2  # only the 12- and 15-point stunting gaps


def test_group_id_helpers():
    assert parse_group_id("area=Rural & ethnicity=Tamar") == {"area": "Rural", "ethnicity": "Tamar"}
    assert parse_group_id("national") == {}
    assert group_id_label("area=Rural & bottom40=Bottom 40%") == "Rural, Bottom 40%"
