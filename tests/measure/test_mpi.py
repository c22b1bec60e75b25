"""Alkire-Foster MPI: the hand-checkable global-MPI toy, missing values, groups, bad configs."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.config import Suppression
from lnob_helpers.errors import InputError
from lnob_helpers.measure.mpi import (
    MPIConfig,
    load_mpi_config,
    mpi_config_from_dict,
    multidimensional_poverty,
)
from lnob_helpers.yamlstore import save_model

NO_SUPPRESSION = Suppression(min_n=1, caution_n=1)


@pytest.fixture(scope="module")
def toy(reference_dir: Path) -> tuple[pd.DataFrame, dict]:
    spec = json.loads((reference_dir / "mpi" / "toy_global_mpi.json").read_text())
    rows = [dict(zip(spec["indicators"], h["dep"]), size=h["size"], weight=h["weight"],
                 region="north" if h["id"] <= 2 else "south") for h in spec["households"]]
    return pd.DataFrame(rows), spec


def exact(value: str) -> float:
    return float(Fraction(value))


def test_shipped_config_has_the_global_structure(toy):
    _, spec = toy
    config = load_mpi_config()
    assert [i.name for i in config.indicators] == spec["indicators"]
    assert [i.weight for i in config.indicators] == [exact(w) for w in spec["weights"]]
    assert config.cutoff == exact(spec["k"]) and config.dimensions == ["health", "education", "living_standards"]


def test_toy_matches_exact_values(toy):
    data, spec = toy
    expected = spec["expected"]
    result = multidimensional_poverty(data, load_mpi_config(), weights="weight", size="size",
                                      suppression=NO_SUPPRESSION)
    overall = result.summary.iloc[0]
    for measure in ("H", "A", "M0"):
        assert overall[measure] == pytest.approx(exact(expected[measure]), abs=1e-15)
    assert overall["vulnerable"] == pytest.approx(exact(expected["vulnerable_share_20_to_33"]), abs=1e-15)
    assert overall["severe"] == pytest.approx(exact(expected["severe_share_ge_50"]), abs=1e-15)
    by_indicator = result.indicators.set_index("indicator")
    for name in spec["indicators"]:
        assert by_indicator.loc[name, "censored_headcount"] == pytest.approx(exact(expected["censored_hr"][name]), abs=1e-15)
        assert by_indicator.loc[name, "uncensored_headcount"] == pytest.approx(exact(expected["uncensored_hr"][name]), abs=1e-15)
        assert by_indicator.loc[name, "contribution_pct"] == pytest.approx(100 * exact(expected["contribution"][name]), abs=1e-12)
    assert by_indicator["contribution_pct"].sum() == pytest.approx(100)
    weighted = (by_indicator["weight"] * by_indicator["censored_headcount"]).sum()
    assert weighted == pytest.approx(exact(expected["check_M0_equals_sum_w_CH"]), abs=1e-15)


def test_unit_exactly_at_cutoff_is_poor_in_any_indicator_order(toy):
    data, _ = toy
    config = load_mpi_config()
    for order in (range(10), reversed(range(10)), [9, 4, 0, 5, 3, 8, 1, 7, 2, 6]):
        shuffled = config.model_copy(update={"indicators": [config.indicators[j] for j in order]})
        result = multidimensional_poverty(data, shuffled, "weight", "size", suppression=NO_SUPPRESSION)
        assert result.summary["H"].iloc[0] == pytest.approx(11 / 18)


def test_groups_decompose_m0(toy):
    data, _ = toy
    result = multidimensional_poverty(data, load_mpi_config(), "weight", "size", by="region",
                                      suppression=NO_SUPPRESSION)
    assert result.check_decomposition()
    parts = result.decomposition()
    assert parts["share_x_M0"].sum() == pytest.approx(7 / 27, abs=1e-15)
    north = result.summary.set_index("group").loc["north"]
    assert north["M0"] == pytest.approx((4 * 5 / 18 * 0 + 6 * 1 / 2) / 10)  # household 1 is not poor
    tidy = result.to_frame()
    assert set(tidy["measure"]) >= {"H", "A", "M0", "censored_headcount", "contribution_pct"}
    assert "deprivation_score" not in tidy.columns and len(tidy) == 3 * (5 + 3 * 10)


def test_small_groups_are_suppressed_by_default(toy):
    data, _ = toy
    result = multidimensional_poverty(data, load_mpi_config(), "weight", "size", by="region")
    assert (result.summary["flag"] == "suppressed").all()
    assert result.summary["M0"].isna().all() and result.indicators["censored_headcount"].isna().all()


def test_unweighted_counts_each_row_once(toy):
    data, _ = toy
    result = multidimensional_poverty(data, load_mpi_config(), suppression=NO_SUPPRESSION)
    assert result.summary["H"].iloc[0] == pytest.approx(2 / 4)  # households 2 and 3


def small_config(missing: str) -> MPIConfig:
    return MPIConfig(cutoff="1/2", vulnerable_from="1/5", severe_from="1/2", missing=missing, indicators=[
        {"name": "a", "dimension": "d1", "weight": "1/4"},
        {"name": "b", "dimension": "d1", "weight": "1/4"},
        {"name": "c", "dimension": "d2", "weight": "1/2", "column": "income", "rule": "below", "threshold": 10},
    ])


def test_missing_values_rules():
    data = pd.DataFrame({"a": [1, np.nan, np.nan, 0], "b": [0, 1, np.nan, 1], "income": [20, 5, 5, 20]})
    # reweight: unit 2 gets b at weight 1/2 -> score 1; unit 3 lacks dimension d1 -> left out.
    reweighted = multidimensional_poverty(data, small_config("reweight"), suppression=NO_SUPPRESSION)
    assert reweighted.n_dropped == 1
    assert reweighted.scores.to_dict() == {0: 0.25, 1: 1.0, 3: 0.25}
    assert reweighted.indicators["contribution_pct"].sum() == pytest.approx(100)
    as_zero = multidimensional_poverty(data, small_config("non_deprived"), suppression=NO_SUPPRESSION)
    assert as_zero.scores.to_dict() == {0: 0.25, 1: 0.75, 2: 0.5, 3: 0.25}
    assert as_zero.summary["H"].iloc[0] == pytest.approx(2 / 4)
    dropped = multidimensional_poverty(data, small_config("drop_unit"), suppression=NO_SUPPRESSION)
    assert dropped.n_dropped == 2 and dropped.summary["n"].iloc[0] == 2


def test_config_errors_are_plain_sentences():
    good = load_mpi_config().model_dump()
    bad_weights = {**good, "indicators": [{**i, "weight": 0.167 if i["weight"] > 0.1 else 0.056}
                                          for i in good["indicators"]]}
    with pytest.raises(InputError, match="weights must add up to 1; they add up to 1.004"):
        mpi_config_from_dict(bad_weights)
    with pytest.raises(InputError, match=r"`indicators\[2\].weight` 'a sixth' is not a number"):
        mpi_config_from_dict({**good, "indicators": [good["indicators"][0],
                                                     {**good["indicators"][1], "weight": "a sixth"}]})
    with pytest.raises(InputError, match="rule 'below' needs a threshold"):
        mpi_config_from_dict({**good, "indicators": [{**good["indicators"][0], "rule": "below"}]})


def test_config_round_trips_through_yaml(tmp_path):
    config = load_mpi_config().with_columns({"electricity": "hh_no_power"})
    save_model(tmp_path / "mpi.yaml", config)
    again = load_mpi_config(tmp_path / "mpi.yaml")
    assert again == config and again.indicators[7].source_column == "hh_no_power"
    with pytest.raises(InputError, match="column mapping: power not indicators"):
        config.with_columns({"power": "x"})


def test_data_errors_name_the_column(toy):
    data, _ = toy
    config = load_mpi_config()
    with pytest.raises(InputError, match="column `assets`: values 2 are not 0 or 1"):
        multidimensional_poverty(data.assign(assets=2), config)
    with pytest.raises(InputError, match=r"column\(s\) `electricity` not found"):
        multidimensional_poverty(data.drop(columns="electricity"), config)
    with pytest.raises(InputError, match=r"weight column 'weight' must be positive.*1 row\(s\) \(2\) are negative"):
        multidimensional_poverty(data.assign(weight=[1, -1, 1, 1]), config, weights="weight")
