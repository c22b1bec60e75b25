"""Trends and 2030 projections: hand-checked rates, gaps, status and suppression."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.errors import InputError
from lnob_helpers.measure.trends import rounds_from_heat, trends
from lnob_helpers.measure.trends_plot import trajectory_chart


def rows(indicator: str, dimension: str, subgroup: str, values: dict[int, float], flag: str = "") -> list[dict]:
    return [dict(indicator=indicator, dimension=dimension, subgroup=subgroup, year=y, estimate=v, n=500, flag=flag)
            for y, v in values.items()]


@pytest.fixture
def births() -> pd.DataFrame:
    """Skilled birth attendance (%), three rounds, 8 years apart end to end."""
    return pd.DataFrame(
        rows("sba", "national", "national", {2014: 60, 2018: 66, 2022: 70})
        + rows("sba", "wealth", "Q1", {2014: 40, 2018: 48, 2022: 52})
        + rows("sba", "wealth", "Q5", {2014: 80, 2018: 84, 2022: 86})
    )


@pytest.fixture
def deaths() -> pd.DataFrame:
    """Under-five deaths per 1000 (adverse), two rounds."""
    return pd.DataFrame(
        rows("u5mr", "national", "national", {2014: 50, 2022: 40})
        + rows("u5mr", "region", "North", {2014: 80, 2022: 60})
        + rows("u5mr", "region", "South", {2014: 30, 2022: 20})
    )


def test_change_aarc_and_projections_by_hand(births):
    table = trends(births, targets={"sba": 90}).to_frame().set_index("subgroup")
    q1 = table.loc["Q1"]
    assert (q1["baseline_year"], q1["latest_year"]) == (2014, 2022)
    assert q1["change"] == 12 and q1["annual_change"] == pytest.approx(1.5)
    assert q1["aarc"] == pytest.approx(1.3 ** (1 / 8) - 1)
    assert q1["projection_linear"] == pytest.approx(52 + 1.5 * 8)
    assert q1["projection_aarc"] == pytest.approx(52 * 1.3)  # eight more years at the same rate
    assert q1["required_annual_change"] == pytest.approx((90 - 52) / 8)
    assert q1["required_aarc"] == pytest.approx((90 / 52) ** (1 / 8) - 1)
    assert (q1["gap_baseline"], q1["gap_latest"], q1["gap_change"]) == (-20, -18, 2)
    assert q1["ratio_change"] == pytest.approx(52 / 70 - 40 / 60)
    assert q1["faster_than_national"] and q1["convergence"] == "catching up" and q1["worst_off"]
    assert table.loc["Q5", "best_off"] and table.loc["Q5", "convergence"] == "not behind"
    assert table.loc["national", "projection_aarc"] == pytest.approx(70 * 70 / 60)
    assert list(table["status"]) == ["off track", "off track", "on track"]  # 81.7, 67.6, 92.45 vs 90
    assert "2014-2022 continues unchanged to 2030" in q1["projection_assumption"]


def test_linear_rule_and_bounds(births):
    table = trends(births, targets={"sba": 92}, on_track_by="linear", bounds=(0, 100)).to_frame()
    q5 = table.set_index("subgroup").loc["Q5"]
    assert q5["projection_linear"] == pytest.approx(92) and q5["status"] == "on track"
    steep = births.assign(estimate=np.where(births["subgroup"] == "Q5", [0, 0, 0, 0, 0, 0, 80, 90, 98],
                                            births["estimate"]))
    assert trends(steep, bounds=(0, 100)).to_frame()["projection_linear"].max() == 100


def test_adverse_indicator_negative_aarc_is_progress(deaths):
    table = trends(deaths, direction="adverse", targets={"u5mr": 25}).to_frame().set_index("subgroup")
    north = table.loc["North"]
    assert north["aarc"] == pytest.approx(0.75 ** (1 / 8) - 1) and north["aarc"] < 0
    assert north["worst_off"] and table.loc["South", "best_off"]
    assert north["convergence"] == "catching up" and north["faster_than_national"]
    assert north["required_annual_change"] == pytest.approx((25 - 60) / 8)
    assert north["projection_aarc"] == pytest.approx(45) and north["status"] == "off track"
    assert table.loc["South", "status"] == "target met"


def test_convergence_labels(deaths):
    worse = deaths.assign(estimate=deaths["estimate"].where(
        ~((deaths["subgroup"] == "North") & (deaths["year"] == 2022)), 75))
    table = trends(worse, direction="adverse").to_frame().set_index("subgroup")
    assert table.loc["North", "convergence"] == "falling further behind"
    assert not table.loc["North", "faster_than_national"]
    assert table.loc["North", "status"] == ""  # no target given


def test_suppressed_estimates_stay_missing(births):
    flagged = births.copy()
    hit = (flagged["subgroup"] == "Q1") & (flagged["year"] == 2022)
    flagged.loc[hit, "flag"] = "suppressed"  # a number left behind must not be used
    result = trends(flagged, targets={"sba": 90})
    q1 = result.to_frame().set_index("subgroup").loc["Q1"]
    assert np.isnan(q1["latest"]) and np.isnan(q1["change"]) and np.isnan(q1["projection_aarc"])
    assert q1["flag_latest"] == "suppressed" and q1["status"] == "insufficient data"
    assert q1["convergence"] == "insufficient data" and pd.isna(q1["faster_than_national"])
    assert result.rounds.loc[hit, "estimate"].isna().all()


def test_mixed_directions_and_several_indicators(births, deaths):
    both = pd.concat([births, deaths], ignore_index=True)
    table = trends(both, direction={"sba": "favourable", "u5mr": "adverse"}).to_frame()
    assert table.groupby("indicator")["worst_off"].sum().to_dict() == {"sba": 1, "u5mr": 1}
    with pytest.raises(InputError, match="direction: no entry for u5mr"):
        trends(both, direction={"sba": "favourable"})


def test_input_errors_are_plain(births):
    with pytest.raises(InputError, match="single round"):
        trends(births[births["year"] == 2014])
    with pytest.raises(InputError, match="no row with dimension 'national'"):
        trends(births[births["dimension"] != "national"])
    with pytest.raises(InputError, match="3 rows repeat"):
        trends(pd.concat([births, births.iloc[:3]]))
    with pytest.raises(InputError, match="targets: mmr not among"):
        trends(births, targets={"mmr": 70})
    with pytest.raises(InputError, match="column `estimate`: holds text"):
        trends(births.assign(estimate=births["estimate"].astype(str).where(births["year"] != 2014, "n/a")))
    two_nationals = births.assign(subgroup=births["subgroup"].where(births.index != 0, "Total"))
    with pytest.raises(InputError, match="several subgroups under dimension 'national'"):
        trends(two_nationals)
    with pytest.raises(InputError, match="target_year: 2020 is before"):
        trends(births, target_year=2020)


def test_trajectory_chart_has_title_source_and_projection(births):
    result = trends(births, targets={"sba": 90})
    fig = trajectory_chart(result, "sba", "wealth", source="Aruvia DHS 2014-2022")
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert {"Q1 (worst off)", "Q5 (best off)", "National"} <= set(labels)
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 3 and all(line.get_xdata()[-1] == 2030 for line in dashed)
    texts = [t.get_text() for t in fig.texts]
    assert any(t.startswith("Source: Aruvia DHS") for t in texts) and fig._suptitle is not None
    with pytest.raises(InputError, match="no trend for indicator 'sba' by 'region'"):
        trajectory_chart(result, "sba", "region", source="x")


def test_step1_heat_tables_feed_the_trends():
    heat = pd.DataFrame({
        "indicator_abbr": "u5mr", "date": [2014, 2014, 2014, 2022, 2022, 2022],
        "dimension": ["National", "Region", "Region"] * 2, "dimension_id": ["national", "region", "region"] * 2,
        "subgroup": ["National", "North", "South"] * 2, "estimate": [50, 80, 30, 40, 60, 20],
        "n": 400, "flag": "ok", "favourable_indicator": 0,
    })
    rounds, direction = rounds_from_heat(heat)
    assert direction == {"u5mr": "adverse"}
    table = trends(rounds, direction=direction).to_frame().set_index("subgroup")
    assert table.loc["North", "worst_off"] and table.loc["North", "convergence"] == "catching up"
    assert table.loc["National", "dimension"] == "national"
