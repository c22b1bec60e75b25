"""D-index, HOI and the Shapley decomposition of D, checked against hand computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.errors import InputError
from lnob_helpers.who.dindex import circumstance_d_index, d_index, shapley_d_index, tree_d_index
from lnob_helpers.who.tree import TreeRules, grow_tree

# Three groups: shares 50/30/20 %, access 80/50/20 %.
# p = 0.4 + 0.15 + 0.04 = 0.59; sum s|p_i - p| = 0.105 + 0.027 + 0.078 = 0.21.
HAND_D = 0.21 / (2 * 0.59)
HAND_HOI = 0.59 * (1 - HAND_D)
HAND_D_ADVERSE = 0.21 / (2 * 0.41)  # on the complement: p = 0.41
HAND_HOI_ADVERSE = 0.41 * (1 - HAND_D_ADVERSE)


def test_hand_computed_d_index_and_hoi():
    result = d_index([0.8, 0.5, 0.2], [50, 30, 20])
    assert result.coverage == pytest.approx(0.59)
    assert result.d_index == pytest.approx(HAND_D, rel=1e-12)
    assert result.hoi == pytest.approx(HAND_HOI, rel=1e-12)
    assert result.groups["contribution"].sum() == pytest.approx(result.d_index, rel=1e-12)
    assert HAND_D == pytest.approx(0.1779661, abs=1e-7)


def test_adverse_indicator_uses_the_complement():
    result = d_index([0.8, 0.5, 0.2], [0.5, 0.3, 0.2], direction="adverse")
    assert result.coverage == pytest.approx(0.41)
    assert result.d_index == pytest.approx(HAND_D_ADVERSE, rel=1e-12)
    assert result.hoi == pytest.approx(HAND_HOI_ADVERSE, rel=1e-12)
    same = d_index([0.2, 0.5, 0.8], [0.5, 0.3, 0.2], direction="favourable")
    assert same.d_index == pytest.approx(result.d_index, rel=1e-12)


def test_equal_rates_give_zero_and_nobody_with_access_gives_zero():
    assert d_index([0.3, 0.3], [1, 4]).d_index == 0
    assert d_index([0.0, 0.0], [1, 4]).d_index == 0


def _rows(groups: dict[tuple, tuple[float, int, int]], columns: list[str]) -> pd.DataFrame:
    """Rows from {(category, ...): (weight per row, rows, rows with y = 1)}."""
    parts = []
    for key, (w, n, yes) in groups.items():
        part = pd.DataFrame({col: [val] * n for col, val in zip(columns, key)})
        part["y"] = (np.arange(n) < yes).astype(float)
        part["w"] = w
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def test_d_index_from_survey_rows_matches_hand_value():
    frame = _rows({("A",): (5.0, 10, 8), ("B",): (3.0, 10, 5), ("C",): (2.0, 10, 2)}, ["group"])
    result = circumstance_d_index(frame, "y", ["group"], weight="w")
    assert result.d_index == pytest.approx(HAND_D, rel=1e-12)
    assert result.hoi == pytest.approx(HAND_HOI, rel=1e-12)
    assert result.groups["group"].tolist() == ["A", "B", "C"]
    table = result.to_frame()
    assert (table["flag"] == "suppressed").all() and table["rate"].isna().all()  # 10 cases each


def test_tree_d_index_uses_the_leaves():
    frame = _rows(
        {("Poor", "Rural"): (1.0, 300, 60), ("Poor", "Urban"): (1.0, 100, 50),
         ("Rich", "Rural"): (1.0, 200, 150), ("Rich", "Urban"): (1.0, 400, 380)},
        ["wealth", "area"],
    )
    tree = grow_tree(frame, "y", ["wealth", "area"], weight="w", rules=TreeRules(min_leaf=5))
    result = tree_d_index(tree)
    rates = np.array([60 / 300, 50 / 100, 150 / 200, 380 / 400])
    shares = np.array([300, 100, 200, 400]) / 1000
    p = shares @ rates
    assert len(tree.leaves) == 4
    assert result.d_index == pytest.approx(shares @ np.abs(rates - p) / (2 * p), rel=1e-12)
    assert set(result.groups["group"]) == {leaf.path for leaf in tree.leaves}


def _two_circumstances() -> pd.DataFrame:
    weights = {("Poor", "Rural"): 3.0, ("Poor", "Urban"): 1.0, ("Rich", "Rural"): 2.0, ("Rich", "Urban"): 4.0}
    access = {("Poor", "Rural"): 2, ("Poor", "Urban"): 5, ("Rich", "Rural"): 6, ("Rich", "Urban"): 9}
    return _rows({key: (weights[key], 10, access[key]) for key in weights}, ["wealth", "area"])


def test_shapley_contributions_match_hand_formula_and_sum_to_d():
    frame = _two_circumstances()
    d_wealth = circumstance_d_index(frame, "y", ["wealth"], weight="w").d_index
    d_area = circumstance_d_index(frame, "y", ["area"], weight="w").d_index
    d_both = circumstance_d_index(frame, "y", ["wealth", "area"], weight="w").d_index
    result = shapley_d_index(frame, "y", ["wealth", "area"], weight="w")
    assert result.d_index == pytest.approx(d_both, rel=1e-12)
    assert result.contributions["wealth"] == pytest.approx(0.5 * d_wealth + 0.5 * (d_both - d_area), rel=1e-12)
    assert result.contributions["area"] == pytest.approx(0.5 * d_area + 0.5 * (d_both - d_wealth), rel=1e-12)
    assert sum(result.contributions.values()) == pytest.approx(d_both, rel=1e-12)
    table = result.to_frame()
    assert table["share_of_d"].sum() == pytest.approx(1.0)
    assert table["contribution"].is_monotonic_decreasing


def test_shapley_one_level_circumstance_contributes_nothing_and_twins_share_equally():
    frame = _two_circumstances()
    frame["country"] = "Lao PDR"
    frame["area_again"] = frame["area"]
    for direction in ("favourable", "adverse"):
        result = shapley_d_index(frame, "y", ["wealth", "country", "area", "area_again"], weight="w", direction=direction)
        full = circumstance_d_index(frame, "y", ["wealth", "area"], weight="w", direction=direction).d_index
        assert result.contributions["country"] == pytest.approx(0.0, abs=1e-15)
        assert result.contributions["area"] == pytest.approx(result.contributions["area_again"], rel=1e-12)
        assert sum(result.contributions.values()) == pytest.approx(full, rel=1e-12)


def test_shapley_on_many_circumstances_sums_to_d():
    rng = np.random.default_rng(7)
    n = 20_000
    frame = pd.DataFrame({f"c{j}": rng.integers(0, 2 + j % 2, n).astype(str) for j in range(8)})
    frame["y"] = (rng.random(n) < 0.2 + 0.1 * (frame["c0"] == "1") + 0.3 * (frame["c3"] == "2")).astype(float)
    frame["w"] = rng.uniform(0.5, 2.0, n)
    circumstances = [f"c{j}" for j in range(8)]
    result = shapley_d_index(frame, "y", circumstances, weight="w")
    full = circumstance_d_index(frame, "y", circumstances, weight="w")
    assert sum(result.contributions.values()) == pytest.approx(full.d_index, rel=1e-10)
    top_two = set(result.to_frame()["circumstance"][:2])
    assert top_two == {"c0", "c3"}


def test_bad_inputs_are_clear_errors():
    with pytest.raises(InputError, match="outside 0-1"):
        d_index([1.2, 0.5], [1, 1])
    with pytest.raises(InputError, match="zero or negative"):
        d_index([0.2, 0.5], [0, 1])
    with pytest.raises(InputError, match="direction"):
        d_index([0.2, 0.5], [1, 1], direction="up")


def test_a_single_circumstance_carries_all_of_d():
    frame = _two_circumstances()
    result = shapley_d_index(frame, "y", ["wealth"], weight="w")
    assert result.contributions["wealth"] == pytest.approx(
        circumstance_d_index(frame, "y", ["wealth"], weight="w").d_index, rel=1e-12
    )
