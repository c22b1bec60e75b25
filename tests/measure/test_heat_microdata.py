"""SII, RII, ACI and RCI from microdata: hand-checked values, agreement with the aggregated
measures where theory says they agree, exact linearisation, and design effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.config import EstimationSettings, Suppression
from lnob_helpers.errors import InputError
from lnob_helpers.measure.heat import summary_measures
from lnob_helpers.measure.heat_microdata import MICRODATA_MEASURES, ordered_inequality
from lnob_helpers.survey import SurveyDesign

NO_SUPPRESSION = EstimationSettings(suppression=Suppression(min_n=1, caution_n=1))
LEVELS = ["Poorest", "Second", "Middle", "Fourth", "Richest"]


def ordered(codes, levels=LEVELS) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(codes), categories=levels[: max(codes) + 1], ordered=True)


def values(result) -> pd.Series:
    return result.to_frame().set_index("measure")["estimate"]


def heat_table(estimate, population) -> pd.DataFrame:
    k = len(estimate)
    return pd.DataFrame({
        "setting": "X", "date": 2024, "source": "S", "indicator_abbr": "y", "dimension": "Wealth",
        "estimate": np.asarray(estimate, dtype=float), "se": 1.0, "population": np.asarray(population, float),
        "favourable_indicator": 1, "indicator_scale": 100, "ordered_dimension": 1,
        "subgroup_order": np.arange(1, k + 1), "reference_subgroup": 0,
    })


def random_survey(seed: int = 1, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 5, n)
    return pd.DataFrame({
        "g": ordered(g), "y": (rng.random(n) < 0.2 + 0.12 * g).astype(float),
        "w": rng.uniform(0.5, 3, n), "psu": np.arange(n) // 4, "stratum": np.arange(n) // 60,
    })


def test_hand_checked_three_groups():
    # Weights 2, 2, 4 -> shares 1/4, 1/4, 1/2 -> ridits 1/8, 3/8, 3/4; means 1/2, 1, 1; mu = 7/8.
    # sum d_k Y_k = -3/8 * 1 - 1/8 * 2 + 1/4 * 4 = 3/8; sum N_k d_k^2 = 9/16.
    frame = pd.DataFrame({"g": ordered([0, 0, 1, 2], ["P", "M", "R"]), "y": [0, 1, 1, 1.0],
                          "w": [1, 1, 2, 4.0]})
    result = ordered_inequality(SurveyDesign.from_frame(frame, "w"), "y", "g", settings=NO_SUPPRESSION)
    v = values(result)
    assert v["ACI"] == pytest.approx(100 * 2 * (3 / 8) / 8)   # 9.375
    assert v["RCI"] == pytest.approx(2 * (3 / 8) / 7)         # 3/28
    assert v["SII"] == pytest.approx(100 * (3 / 8) / (9 / 16))  # slope 2/3
    assert v["RII"] == pytest.approx((7 / 8 + 1 / 3) / (7 / 8 - 1 / 3))  # 29/13
    assert result.groups["rank"].tolist() == pytest.approx([1 / 8, 3 / 8, 3 / 4])
    assert "linear" in result.convention and "ridits" in result.convention


def test_one_row_per_group_with_equal_weights_matches_the_aggregated_measures():
    means = np.array([0.30, 0.45, 0.50, 0.62, 0.80])
    frame = pd.DataFrame({"g": ordered(range(5)), "y": means, "w": 200.0})
    design = SurveyDesign.from_frame(frame, "w")
    heat = summary_measures(heat_table(means * 100, np.full(5, 200.0)), ["ACI", "RCI", "SII", "RII"])
    heat = heat.set_index("measure")["estimate"]
    logistic = values(ordered_inequality(design, "y", "g", kind="mean", model="logistic",
                                         settings=NO_SUPPRESSION))
    linear = values(ordered_inequality(design, "y", "g", kind="mean", settings=NO_SUPPRESSION))
    # Concentration indices are the same statistic; HEAT's logistic SII/RII is the logistic model.
    for name in MICRODATA_MEASURES:
        assert logistic[name] == pytest.approx(heat[name], rel=1e-9)
    assert linear["ACI"] == pytest.approx(heat["ACI"], rel=1e-12)
    assert linear["RCI"] == pytest.approx(heat["RCI"], rel=1e-12)
    # The straight line is another model: its SII is the least-squares slope, not HEAT's logistic one.
    assert linear["SII"] == pytest.approx(100 * np.polyfit([0.1, 0.3, 0.5, 0.7, 0.9], means, 1)[0])


def test_concentration_indices_equal_the_aggregated_ones_for_any_weights():
    frame = random_survey()
    design = SurveyDesign.from_frame(frame, "w", strata="stratum", psu="psu")
    result = ordered_inequality(design, "y", "g", settings=NO_SUPPRESSION)
    groups = result.groups
    heat = summary_measures(heat_table(groups["estimate"], groups["population"]), ["ACI", "RCI"])
    v = values(result)
    assert v["ACI"] == pytest.approx(heat.set_index("measure").loc["ACI", "estimate"], rel=1e-10)
    assert v["RCI"] == pytest.approx(heat.set_index("measure").loc["RCI", "estimate"], rel=1e-10)


def test_linear_sii_is_the_weighted_least_squares_slope_on_person_ranks():
    frame = random_survey(seed=2)
    result = ordered_inequality(SurveyDesign.from_frame(frame, "w"), "y", "g", settings=NO_SUPPRESSION)
    rank = result.groups["rank"].to_numpy()[frame["g"].cat.codes]
    slope, intercept = np.polyfit(rank, frame["y"], 1, w=np.sqrt(frame["w"]))
    v = values(result)
    assert v["SII"] == pytest.approx(100 * slope, rel=1e-9)
    assert v["RII"] == pytest.approx((intercept + slope) / intercept, rel=1e-9)
    mean_w = np.average(frame["y"], weights=frame["w"])
    cov = np.average((frame["y"] - mean_w) * (rank - 0.5), weights=frame["w"])
    assert v["ACI"] == pytest.approx(100 * 2 * cov, rel=1e-9)


@pytest.mark.parametrize("model", ["linear", "logistic"])
def test_linearised_se_equals_the_variance_of_numerical_influence_values(model):
    """Influence value of row i = w_i x d(measure)/d(w_i): checked by nudging each weight,
    which also moves the ranks, so the rank part of the linearisation is checked too."""
    frame = random_survey(seed=1, n=120)
    design = SurveyDesign.from_frame(frame, "w")
    analytic = ordered_inequality(design, "y", "g", model=model, settings=NO_SUPPRESSION).to_frame()

    def measures(weights):
        d = SurveyDesign.from_frame(frame.assign(w=weights), "w")
        v = values(ordered_inequality(d, "y", "g", model=model, settings=NO_SUPPRESSION))
        return v.where(v.index != "RII", np.log(v)).to_numpy()

    w = frame["w"].to_numpy()
    base, h = measures(w), 1e-6
    influence = np.array([(measures(w * np.where(np.arange(len(w)) == i, 1 + h, 1)) - base) / h
                          for i in range(len(w))])
    n = len(w)
    numeric = np.sqrt(n / (n - 1) * ((influence - influence.mean(axis=0)) ** 2).sum(axis=0))
    assert analytic["se"].to_numpy() == pytest.approx(numeric, rel=1e-5)


def test_se_grows_with_clustering():
    rng = np.random.default_rng(4)
    clusters, size = 60, 20
    cluster = np.repeat(np.arange(clusters), size)
    g = np.repeat(rng.integers(0, 5, clusters), size)  # wealth is shared within a cluster
    effect = np.repeat(rng.normal(0, 1, clusters), size)
    ses = []
    for icc_scale in (0.0, 1.0, 2.0):
        p = 1 / (1 + np.exp(-(-1 + 0.4 * g + icc_scale * effect)))
        y = (np.random.default_rng(5).random(len(g)) < p).astype(float)
        frame = pd.DataFrame({"g": ordered(g), "y": y, "w": 1.0, "psu": cluster})
        clustered = ordered_inequality(SurveyDesign.from_frame(frame, "w", psu="psu"), "y", "g")
        simple = ordered_inequality(SurveyDesign.from_frame(frame, "w"), "y", "g")
        se = clustered.to_frame().set_index("measure")["se"]
        assert (se > simple.to_frame().set_index("measure")["se"]).all()
        ses.append(se["SII"])
    assert ses[0] < ses[1] < ses[2]


def test_small_groups_withhold_the_measures_and_say_why():
    frame = random_survey(seed=6, n=200)
    result = ordered_inequality(SurveyDesign.from_frame(frame, "w"), "y", "g",
                                settings=EstimationSettings(suppression=Suppression(min_n=45, caution_n=60)))
    table = result.to_frame()
    assert table["estimate"].isna().all()
    assert table["note"].str.contains("fewer than 45").all()
    assert result.groups.loc[result.groups["flag"] == "suppressed", "estimate"].isna().all()
    small = [f"'{g}'" for g in result.groups.loc[result.groups["n"] < 45, "subgroup"]]
    assert small and table["note"].str.startswith("n/a: the subgroup").all()
    assert all(name in note for note in table["note"] for name in small)


def test_errors_are_plain_sentences():
    frame = random_survey(n=60).assign(code=lambda f: f["y"] * 3, plain=lambda f: f["g"].astype(str))
    design = SurveyDesign.from_frame(frame, "w")
    with pytest.raises(InputError, match="values 0 or 1"):
        ordered_inequality(design, "code", "g")
    with pytest.raises(InputError, match="must be categorical"):
        ordered_inequality(design, "y", "plain")
    with pytest.raises(InputError, match="between 0 and 1"):
        ordered_inequality(design, "code", "g", kind="mean", model="logistic")
    with pytest.raises(InputError, match="model"):
        ordered_inequality(design, "y", "g", model="probit")
