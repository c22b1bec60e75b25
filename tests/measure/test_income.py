"""Income inequality: laeken's published values on eusilc, and hand-computable cases."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.config import Suppression
from lnob_helpers.errors import InputError
from lnob_helpers.measure.income import NOT_STATED, OVERALL, income_inequality

NO_SUPPRESSION = Suppression(min_n=1, caution_n=1)


@pytest.fixture(scope="module")
def eusilc(reference_dir: Path) -> tuple[pd.DataFrame, dict]:
    folder = reference_dir / "inequality"
    data = pd.read_csv(folder / "eusilc.csv")
    expected = json.loads((folder / "expected.json").read_text())["expected"]
    return data, expected


def test_eusilc_matches_laeken(eusilc):
    data, expected = eusilc
    result = income_inequality(data, "eqIncome", weights="rb050")
    assert round(result.value("gini"), 5) == expected["gini"]
    assert round(result.value("s80_s20"), 6) == expected["s80_s20"]


def test_groups_equal_the_measure_on_each_subset(eusilc):
    data, _ = eusilc
    table = income_inequality(data, "eqIncome", "rb050", by="db040").to_frame()
    for region in ("Burgenland", "Vienna"):
        alone = income_inequality(data[data["db040"] == region], "eqIncome", "rb050").to_frame()
        in_groups = table[table["group"] == region].set_index("measure")["value"]
        np.testing.assert_allclose(in_groups[alone["measure"]].to_numpy(), alone["value"].to_numpy(), rtol=1e-12)
    assert table.loc[table["dimension"] == "db040", "n"].sum() // 4 == len(data)


def test_unit_weights_one_to_ten_by_hand():
    # q_0.2=2.5, q_0.4=4.5, q_0.8=8.5, q_0.9=9.5 (each an exact tie, so averaged with the next value).
    result = income_inequality(pd.DataFrame({"x": np.arange(1.0, 11.0)}), "x", suppression=NO_SUPPRESSION)
    assert result.value("gini") == pytest.approx(30.0)
    assert result.value("s80_s20") == pytest.approx(19 / 3)  # (9+10) / (1+2)
    assert result.value("palma") == pytest.approx(1.0)  # 10 / (1+2+3+4)
    assert result.value("top10_bottom40") == pytest.approx(4.0)  # 10 / 2.5


def test_weighted_case_by_hand():
    # rw = .4 .6 .8 .95 1: q_0.4 ties at 1 -> 1.5; q_0.9 = 4; q_0.2 = 1; q_0.8 ties at 3 -> 3.5.
    data = pd.DataFrame({"x": [20.0, 1, 2, 3, 4], "w": [0.5, 4, 2, 2, 1.5]})
    result = income_inequality(data, "x", "w", suppression=NO_SUPPRESSION)
    assert result.value("palma") == pytest.approx(10 / 4)  # 20*0.5 over 1*4
    assert result.value("top10_bottom40") == pytest.approx(20 / 1)
    assert result.value("s80_s20") == pytest.approx((4 * 1.5 + 20 * 0.5) / 4)


def test_gini_equals_weighted_mean_absolute_difference():
    rng = np.random.default_rng(7)
    x, w = rng.lognormal(10, 0.7, 300), rng.uniform(0.5, 3, 300)
    pairwise = np.sum(w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :]))
    expected = 100 * pairwise / (2 * w.sum() * np.sum(w * x))
    result = income_inequality(pd.DataFrame({"x": x, "w": w}), "x", "w")
    assert result.value("gini") == pytest.approx(expected, rel=1e-10)


def test_small_groups_are_suppressed_and_missing_groups_kept():
    data = pd.DataFrame({"x": np.arange(1.0, 81.0), "g": ["a"] * 30 + ["b"] * 20 + [None] * 30})
    table = income_inequality(data, "x", by="g").to_frame().query("measure == 'gini'").set_index("group")
    assert table.loc["b", "flag"] == "suppressed" and np.isnan(table.loc["b", "value"])
    assert table.loc["a", "flag"] == "caution" and table.loc["a", "value"] > 0
    assert table.loc[NOT_STATED, "n"] == 30
    assert table.loc[OVERALL, "n"] == 80 and table.loc[OVERALL, "flag"] == "ok"


def test_missing_income_is_left_out():
    data = pd.DataFrame({"x": [*np.arange(1.0, 11.0), np.nan]})
    result = income_inequality(data, "x", suppression=NO_SUPPRESSION)
    assert result.value("gini") == pytest.approx(30.0)
    assert result.to_frame()["n"].iloc[0] == 10


@pytest.mark.parametrize(
    ("weights", "message"),
    [([1.0, -1.0, 2.0], "1 row(s) (2) are negative"),
     ([0.0, 0.0, 0.0], "is zero on all 3 rows"),
     ([1.0, np.nan, np.nan], "2 row(s) (2, 3) are missing or not a number")],
)
def test_bad_weights_are_named(weights, message):
    with pytest.raises(InputError, match="weight column 'w' (must be positive.*)?" + re.escape(message)):
        income_inequality(pd.DataFrame({"x": [1.0, 2.0, 3.0], "w": weights}), "x", "w")


def test_empty_and_missing_columns_are_explained():
    with pytest.raises(InputError, match="column `x`: no rows with a value"):
        income_inequality(pd.DataFrame({"x": pd.Series([], dtype=float)}), "x")
    with pytest.raises(InputError, match="column\\(s\\) `income` not found"):
        income_inequality(pd.DataFrame({"x": [1.0]}), "income")
    with pytest.raises(InputError, match="holds text"):
        income_inequality(pd.DataFrame({"x": ["low", "high"]}), "x")
    with pytest.raises(InputError, match="measures: theil not known"):
        income_inequality(pd.DataFrame({"x": [1.0]}), "x", measures=("theil",))


def test_numeric_group_codes_keep_their_order():
    data = pd.DataFrame({"x": np.arange(1.0, 91.0), "region": [2] * 30 + [10] * 30 + [np.nan] * 30})
    table = income_inequality(data, "x", by="region", measures=("gini",)).to_frame()
    assert list(table["group"]) == [OVERALL, "2", "10", NOT_STATED]
