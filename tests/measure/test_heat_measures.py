"""Behaviour of the summary measures: which subgroups, where they apply, missing data, simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.errors import InputError
from lnob_helpers.measure.heat import MEASURES, RESULT_COLUMNS, compute_measure, summary_measures
from lnob_helpers.measure.heat_groups import SubgroupSets
from lnob_helpers.measure.heat_simulation import simulate_estimates

QUINTILES = [20.0, 30.0, 40.0, 50.0, 60.0]
POP = [78.0, 91.0, 162.0, 103.0, 105.0]
SE = [5.0, 7.0, 10.0, 12.0, 14.0]


def make_set(estimate, *, dimension="Wealth", indicator="sba", ordered=True, favourable=1, se=None,
             population=None, reference=None, scale=100) -> pd.DataFrame:
    k = len(estimate)
    return pd.DataFrame({
        "setting": "Aruvia", "date": 2021, "source": "MICS", "indicator_abbr": indicator,
        "indicator_name": indicator.upper(), "dimension": dimension,
        "subgroup": [f"{dimension} {i + 1}" for i in range(k)],
        "estimate": np.asarray(estimate, dtype=float),
        "se": np.full(k, 2.0) if se is None else np.asarray(se, dtype=float),
        "population": np.full(k, 100.0) if population is None else np.asarray(population, dtype=float),
        "favourable_indicator": favourable, "indicator_scale": scale, "ordered_dimension": int(ordered),
        "subgroup_order": np.arange(1, k + 1) if ordered else 0,
        "reference_subgroup": np.zeros(k, dtype=int) if reference is None else np.asarray(reference),
    })


def by_measure(result: pd.DataFrame) -> pd.DataFrame:
    return result.set_index("measure")


def test_registry_lists_the_21_who_measures_with_a_meaning():
    assert list(MEASURES) == ["D", "R", "ACI", "RCI", "SII", "RII", "BGV", "BGSD", "COV", "IDISU",
                              "IDISW", "MDBU", "MDBW", "MDMU", "MDMW", "MDRU", "MDRW", "TI", "MLD",
                              "PAF", "PAR"]
    assert all(len(info.meaning) > 20 for info in MEASURES.values())
    assert {n for n, i in MEASURES.items() if i.needs_ordered} == {"ACI", "RCI", "SII", "RII"}


def test_result_is_tidy_with_one_row_per_set_and_measure():
    table = pd.concat([make_set(QUINTILES), make_set([50, 60, 70], dimension="Region", ordered=False)])
    result = summary_measures(table)
    assert list(result.columns) == list(RESULT_COLUMNS)
    assert len(result) == 2 * 21
    assert set(result["meaning"]) == {info.meaning for info in MEASURES.values()}


def test_ordered_d_and_r_compare_the_two_ends_in_the_disadvantaged_direction():
    favourable = by_measure(summary_measures(make_set(QUINTILES), ["D", "R"]))
    assert favourable.loc["D", "estimate"] == 40  # richest 60 - poorest 20
    assert favourable.loc["R", "estimate"] == 3
    adverse = by_measure(summary_measures(make_set(QUINTILES, favourable=0), ["D", "R"]))
    assert adverse.loc["D", "estimate"] == -40  # poorest 20 - richest 60: poorest better off
    assert adverse.loc["D", "se"] == pytest.approx(np.hypot(2, 2))


def test_nonordered_d_uses_the_reference_subgroup_when_one_is_marked():
    estimates = [61.0, 74.0, 58.0, 84.0]
    plain = by_measure(summary_measures(make_set(estimates, ordered=False), ["D", "R"]))
    assert plain.loc["D", "estimate"] == pytest.approx(84 - 58)
    marked = make_set(estimates, ordered=False, reference=[0, 1, 0, 0])
    assert by_measure(summary_measures(marked, ["D"])).loc["D", "estimate"] == pytest.approx(74 - 58)
    adverse = make_set(estimates, ordered=False, favourable=0, reference=[0, 1, 0, 0])
    assert by_measure(summary_measures(adverse, ["D"])).loc["D", "estimate"] == pytest.approx(84 - 74)


def test_measures_that_do_not_apply_give_nan_and_say_why():
    region = make_set([50, 60, 70, 80], dimension="Region", ordered=False)
    sex = make_set([50, 60], dimension="Sex", ordered=False)
    result = summary_measures(pd.concat([make_set(QUINTILES), region, sex]))
    wealth = by_measure(result[result["dimension"] == "Wealth"])
    region_rows = by_measure(result[result["dimension"] == "Region"])
    sex_rows = by_measure(result[result["dimension"] == "Sex"])
    assert np.isnan(region_rows.loc["SII", "estimate"])
    assert "ordered dimensions only" in region_rows.loc["SII", "note"]
    assert np.isnan(wealth.loc["BGV", "estimate"]) and "non-ordered" in wealth.loc["BGV", "note"]
    assert np.isnan(region_rows.loc["MDRU", "estimate"]) and "reference" in region_rows.loc["MDRU", "note"]
    assert np.isnan(sex_rows.loc["PAF", "estimate"]) and "at least 3" in sex_rows.loc["PAF", "note"]
    assert sex_rows.loc["D", "estimate"] == 10
    applicable = result["note"].str.contains("only|at least|reference subgroup is marked")
    assert result.loc[~applicable, "estimate"].notna().all()


def test_many_sets_at_once_equal_one_set_at_a_time():
    sets = [make_set(QUINTILES, population=POP, se=SE),
            make_set([12, 9, 7, 5], indicator="u5mr", favourable=0, scale=1000, se=[1, 1, 1, 1]),
            make_set([61, 74, 58, 59, 72, 75], dimension="Region", ordered=False, reference=[0, 0, 1, 0, 0, 0])]
    analytic = [m for m, info in MEASURES.items() if info.has_analytic_se]
    together = summary_measures(pd.concat(sets), analytic)
    alone = pd.concat([summary_measures(s, analytic) for s in sets], ignore_index=True)
    key = ["indicator_abbr", "dimension", "measure"]
    together, alone = together.sort_values(key, ignore_index=True), alone.sort_values(key, ignore_index=True)
    pd.testing.assert_frame_equal(together, alone)


def test_row_order_within_a_set_does_not_matter():
    table = make_set(QUINTILES, population=POP, se=SE)
    shuffled = table.iloc[[3, 0, 4, 2, 1]]
    pd.testing.assert_frame_equal(summary_measures(table), summary_measures(shuffled))


def test_missing_estimates_block_ordered_sets_and_are_dropped_from_nonordered_ones():
    ordered = make_set([20, np.nan, 40, 50, 60])
    blocked = by_measure(summary_measures(ordered, ["D", "SII"]))
    assert blocked["estimate"].isna().all()
    assert blocked["note"].str.startswith("n/a: the subgroup 'Wealth 2' has no estimate").all()

    rng = np.random.default_rng(1)
    estimates = rng.uniform(40, 90, 20)
    full = make_set(estimates, dimension="Region", ordered=False)
    one_missing = full.copy()
    one_missing.loc[7, "estimate"] = np.nan
    with_gap = by_measure(summary_measures(one_missing, ["BGV", "TI"]))
    without_row = by_measure(summary_measures(full.drop(index=7), ["BGV", "TI"]))
    np.testing.assert_allclose(with_gap["estimate"], without_row["estimate"])
    assert with_gap["note"].str.contains("the subgroup 'Region 8' has no estimate, so it is left out").all()
    assert (with_gap["n_subgroups"] == 19).all()

    four_missing = full.copy()
    four_missing.loc[[1, 2, 3, 4], "estimate"] = np.nan  # 20% > 15%
    assert summary_measures(four_missing, ["BGV"])["estimate"].isna().all()


def test_missing_standard_errors_give_estimates_without_intervals():
    table = make_set([50, 60, 70, 80], dimension="Region", ordered=False)
    table["se"] = np.nan
    result = by_measure(summary_measures(table, ["D", "BGV", "BGSD", "TI"]))
    assert result["estimate"].notna().all()
    assert result["ci_lb"].isna().all()
    assert result["note"].str.contains("standard errors missing").all()


def test_simulation_intervals_are_reproducible_and_seedable():
    table = make_set([61, 74, 58, 59, 72, 75, 74, 68], dimension="Region", ordered=False,
                     se=[5, 3, 3, 3, 4, 9, 2, 2], reference=[0, 0, 0, 0, 1, 0, 0, 0])
    simulated = [m for m, info in MEASURES.items() if not info.has_analytic_se]
    first = summary_measures(table, simulated, seed=7)
    again = summary_measures(table, simulated, seed=7)
    other = summary_measures(table, simulated, seed=8)
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["ci_lb"], other["ci_lb"])
    np.testing.assert_allclose(first["estimate"], other["estimate"])
    assert (first["ci_lb"] < first["ci_ub"]).all()
    assert first["se"].isna().all()


def test_zero_standard_errors_collapse_simulation_intervals_to_the_estimate():
    table = make_set([50, 60, 70, 80], dimension="Region", ordered=False, se=[0, 0, 0, 0])
    result = summary_measures(table, ["BGSD", "MDMW"])
    np.testing.assert_allclose(result["ci_lb"], result["estimate"])
    np.testing.assert_allclose(result["ci_ub"], result["estimate"])


def test_simulated_percentages_stay_between_0_and_100():
    sets = SubgroupSets.from_rows(estimate=[1.0, 99.0, 5.0], se=[5.0, 5.0, 5.0], population=[1, 1, 1],
                                  subgroup_order=[0, 0, 0], reference=[0, 0, 0], group=[0, 0, 1],
                                  ordered=[False, False], favourable=[True, True], scale=[100.0, 1000.0])
    draws = simulate_estimates(sets, 20000, np.random.default_rng(0))
    assert draws.min() >= 0 and draws[:2].max() <= 100
    assert draws[0].mean() > 1 and draws[1].mean() < 99  # truncation pushes the draws inwards
    assert draws[2].max() > 15  # rate per 1000: bounded below only


def test_sii_needs_proportions_within_the_indicator_scale():
    result = compute_measure("SII", [20, 130, 40], [10, 10, 10], subgroup_order=[1, 2, 3])
    assert np.isnan(result.estimate)
    assert "between 0 and the indicator scale" in result.note


def test_paf_is_zero_when_the_reference_is_not_better_than_the_average():
    worse_reference = compute_measure("PAF", [60, 50, 40], [100, 100, 100], [1, 1, 1], subgroup_order=[1, 2, 3])
    assert worse_reference.estimate == 0
    best = compute_measure("PAR", [30, 40, 60], [100, 100, 100], [1, 1, 1])
    assert best.estimate == pytest.approx(60 - 130 / 3)


def test_bad_requests_raise_plain_input_errors():
    table = make_set(QUINTILES)
    with pytest.raises(InputError, match="measures: GINI not known"):
        summary_measures(table, ["SII", "gini"])
    with pytest.raises(InputError, match="column\\(s\\) population missing"):
        summary_measures(table.drop(columns="population"))
    with pytest.raises(InputError, match="sii_convention"):
        summary_measures(table, sii_convention="squared")
    broken = table.astype({"estimate": object})
    broken.loc[2, "estimate"] = "n/a"
    with pytest.raises(InputError, match="row 4, column estimate: not a number"):
        summary_measures(broken)


def test_a_set_without_any_estimate_does_not_shift_the_others():
    empty = make_set([np.nan] * 3, indicator="aaa")  # sorts first
    normal = make_set(QUINTILES, population=POP, se=SE, indicator="sba")
    both = summary_measures(pd.concat([empty, normal]), ["SII", "PAR"])
    alone = summary_measures(normal, ["SII", "PAR"])
    assert both[both["indicator_abbr"] == "aaa"]["note"].eq("no subgroup has an estimate").all()
    np.testing.assert_allclose(both[both["indicator_abbr"] == "sba"]["estimate"], alone["estimate"])
