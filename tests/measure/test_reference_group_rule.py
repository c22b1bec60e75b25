"""Step 4's reference group is never a caution, suppressed or no-variation cell (issue 14).

The best-off (or most advantaged, or marked) reference of D, R, MDB, MDR, PAF, PAR and of the
trends behind the disparity-ratio targets is the best group with at least `caution_n`
unweighted cases; the notes say so, and where no group qualifies the measure is not given.
"""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.config import Suppression, load_analysis
from lnob_helpers.disaggregate import disaggregate
from lnob_helpers.errors import InputError
from lnob_helpers.measure.heat import summary_measures
from lnob_helpers.measure.step4 import compute_step4
from lnob_helpers.measure.targets import best_off_reference, disparity_ratio_target
from lnob_helpers.measure.trends import trends
from lnob_helpers.measure.trends_plot import trajectory_chart
from lnob_helpers.rounds import load_round

REFERENCED = ["D", "R", "MDBU", "MDBW", "PAF", "PAR"]
RULE = Suppression()  # min_n 25, caution_n 50


def regions(estimate, n, *, favourable=1, flag=None, population=None, reference=None) -> pd.DataFrame:
    """One non-ordered set of regions A, B, C, ... in the HEAT Plus columns, with counts and flags."""
    k = len(estimate)
    return pd.DataFrame({
        "setting": "X", "date": 2024, "source": "S", "indicator_abbr": "y", "dimension": "Region",
        "subgroup": [chr(ord("A") + i) for i in range(k)], "estimate": np.asarray(estimate, dtype=float),
        "se": 2.0, "population": np.full(k, 100.0) if population is None else np.asarray(population, dtype=float),
        "favourable_indicator": favourable, "indicator_scale": 100, "ordered_dimension": 0, "subgroup_order": 0,
        "reference_subgroup": 0 if reference is None else reference, "n": n,
        "flag": ["caution" if c < RULE.caution_n else "ok" for c in n] if flag is None else flag,
    })


def measures(table: pd.DataFrame, names=REFERENCED, **options) -> pd.DataFrame:
    return summary_measures(table, names, **options).set_index("measure")


# --- the sample country ------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_step4(sample_copy):
    return compute_step4(sample_copy, indicators=["birth_registration"], dimensions=["ethnicity"])


def test_birth_registration_reference_is_not_the_small_other_group(sample_step4):
    latest = sample_step4.tables[2024].set_index("subgroup")
    assert latest.loc["Other", "n"] < RULE.caution_n  # the planted small group, best off by its estimate
    assert latest["estimate"].drop("National").idxmax() == "Other"
    m = sample_step4.measures
    d = m[(m["year"] == 2024) & (m["measure"] == "D") & (m["basis"] == "aggregated")].iloc[0]
    assert "Reference: the best-off group with at least 50 unweighted cases (Aruvian)" in d["note"]
    assert "'Other' is better placed but has fewer than 50 unweighted cases" in d["note"]
    aruvian, tamar = latest.loc["Aruvian", "estimate"], latest.loc["Tamar", "estimate"]
    assert d["estimate"] == pytest.approx(aruvian - tamar)
    referenced = m[m["measure"].isin(REFERENCED) & (m["basis"] == "aggregated")]
    assert not referenced["note"].str.contains(r"Reference: [^;]*\(Other\)").any()


def test_the_trend_reference_and_the_ratio_target_follow_the_rule(sample_step4):
    table = sample_step4.trends.table
    groups = table[(table["indicator"] == "birth_registration") & (table["dimension"] == "ethnicity")]
    best = best_off_reference(groups)
    assert best["subgroup"] not in ("Other", "Tamar")
    assert best["reference_note"].startswith(
        f"Reference: the best-off group with at least 50 unweighted cases in both rounds ({best['subgroup']})")
    assert "'Other' is better placed but" in best["reference_note"]
    worst = groups[groups["worst_off"]].iloc[0]
    target = disparity_ratio_target("birth_registration", "ethnicity", worst["subgroup"], 2024, worst["latest"],
                                    best["subgroup"], 90.0, 0.8, reference_rule=best["reference_note"])
    assert "with at least 50 unweighted cases in both rounds" in target.rationale


def test_scaling_the_weights_keeps_the_reference(sample_dir):
    analysis = load_analysis(sample_dir)
    data = load_round(analysis, 2024)
    files = {key: dataclasses.replace(fd, design=dataclasses.replace(fd.design, weights=fd.design.weights * 1e6))
             for key, fd in data.files.items()}
    scaled = dataclasses.replace(data, files=files)
    tables = [disaggregate(d, ["birth_registration"], ["ethnicity"], depth=1) for d in (data, scaled)]
    notes = [measures(t[t["dimension_id"] != "national"], suppression=analysis.settings.suppression)["note"]
             for t in tables]
    pd.testing.assert_series_equal(notes[0], notes[1])
    assert notes[0].str.contains(r"\(Aruvian\)").all()


# --- constructed sets --------------------------------------------------------------------

def test_a_best_group_below_caution_n_gives_way_to_the_next():
    table = regions([95.0, 80.0, 60.0, 40.0], n=[48, 300, 300, 300])
    result = measures(table)
    assert result.loc["D", "estimate"] == pytest.approx(80 - 40)
    assert result.loc["R", "estimate"] == pytest.approx(2.0)
    assert result.loc["PAR", "estimate"] == pytest.approx(80 - table["estimate"].mean())
    assert result.loc["MDBU", "estimate"] == pytest.approx((15 + 0 + 20 + 40) / 4)
    for name in REFERENCED:
        assert "Reference: the best-off group with at least 50 unweighted cases (B)" in result.loc[name, "note"]
        assert "'A' is better placed but has fewer than 50 unweighted cases" in result.loc[name, "note"]
    everyone = measures(table, suppression=None)  # HEAT Plus's choice, kept for the healthequal tests
    assert everyone.loc["D", "estimate"] == pytest.approx(95 - 40)
    assert not everyone["note"].str.contains("Reference").any()


def test_the_rule_follows_the_analysis_caution_n_and_skips_no_variation_cells():
    table = regions([95.0, 100.0, 80.0, 40.0], n=[60, 400, 300, 300], flag=["ok", "no variation", "ok", "ok"])
    assert measures(table).loc["D", "estimate"] == pytest.approx(95 - 40)
    strict = measures(table, suppression=Suppression(min_n=25, caution_n=100))
    assert strict.loc["D", "estimate"] == pytest.approx(80 - 40)
    note = strict.loc["D", "note"]
    assert "Reference: the best-off group with at least 100 unweighted cases (C)" in note
    assert "'B' is better placed but shows no variation in the sample" in note
    assert "'A' is better placed but has fewer than 100 unweighted cases" in note


def test_adverse_indicators_take_the_lowest_qualifying_value():
    table = regions([5.0, 10.0, 30.0, 50.0], n=[30, 200, 200, 200], favourable=0)
    result = measures(table, ["D", "PAR"])
    assert result.loc["D", "estimate"] == pytest.approx(50 - 10)  # worst minus reference
    assert "(B)" in result.loc["D", "note"]


def test_ordered_dimensions_take_the_most_advantaged_qualifying_group():
    table = regions([20.0, 30.0, 40.0, 50.0, 60.0], n=[300, 300, 300, 300, 40]).assign(
        dimension="Wealth", ordered_dimension=1, subgroup_order=[1, 2, 3, 4, 5],
        subgroup=["Poorest", "Second", "Middle", "Fourth", "Richest"])
    result = measures(table, ["D", "PAF", "SII"])
    assert result.loc["D", "estimate"] == pytest.approx(50 - 20)
    assert "Reference: the most advantaged group with at least 50 unweighted cases (Fourth)" in result.loc["D", "note"]
    assert "'Richest' is more advantaged but has fewer than 50 unweighted cases" in result.loc["D", "note"]
    assert "Reference" not in result.loc["SII", "note"]  # SII uses every group and no reference


def test_a_marked_reference_below_caution_n_withholds_the_measure():
    table = regions([95.0, 80.0, 60.0, 40.0], n=[48, 300, 300, 300], reference=[1, 0, 0, 0])
    result = measures(table, ["D", "MDRU"])
    assert result["estimate"].isna().all()
    assert result["note"].str.startswith(
        "n/a: the marked reference subgroup (A) has fewer than 50 unweighted cases, so it cannot serve").all()


def test_no_qualifying_group_gives_one_sentence_and_no_measure():
    result = measures(regions([95.0, 80.0, 60.0], n=[40, 30, 45]))
    assert result["estimate"].isna().all()
    assert result["note"].eq("n/a: no subgroup can serve as the reference, which needs at least 50 unweighted "
                             "cases and an estimate that varies in the sample, so this measure is not given").all()
    alone = measures(regions([95.0, 80.0, 60.0], n=[40, 30, 450]))
    assert alone["estimate"].isna().all()
    assert alone["note"].str.startswith("n/a: only 'C' can serve as the reference, and it is the worst-off group").all()


def test_scaled_populations_give_the_same_choice_and_values():
    table = regions([95.0, 80.0, 60.0, 40.0], n=[48, 300, 250, 200], population=[30, 320, 240, 190])
    one = summary_measures(table, REFERENCED)
    million = summary_measures(table.assign(population=table["population"] * 1e6), REFERENCED)
    pd.testing.assert_series_equal(one["note"], million["note"])
    np.testing.assert_allclose(one["estimate"], million["estimate"], rtol=1e-9)


def test_a_table_without_counts_says_the_rule_could_not_be_checked():
    table = regions([95.0, 80.0, 60.0], n=[48, 300, 300]).drop(columns=["n", "flag"])
    note = measures(table, ["D"]).loc["D", "note"]
    assert note == ("Reference: the best-off group (A); the table gives no unweighted counts, so the rule of at "
                    "least 50 cases could not be checked")


# --- trends ------------------------------------------------------------------------------

def rounds_of(values: dict[str, tuple[float, float]], n: dict[str, tuple[int, int]]) -> pd.DataFrame:
    rows = [dict(indicator="sba", dimension="national", subgroup="national", year=y, estimate=v, n=2000, flag="ok")
            for y, v in ((2019, 60.0), (2024, 70.0))]
    for group, (v0, v1) in values.items():
        for year, value, count in ((2019, v0, n[group][0]), (2024, v1, n[group][1])):
            rows.append(dict(indicator="sba", dimension="region", subgroup=group, year=year, estimate=value, n=count,
                             flag="caution" if count < RULE.caution_n else "ok"))
    return pd.DataFrame(rows)


def test_trend_best_off_needs_caution_n_in_both_rounds():
    data = rounds_of({"North": (40, 45), "South": (80, 85), "Isles": (95, 97)},
                     {"North": (300, 300), "South": (300, 300), "Isles": (60, 48)})
    table = trends(data).to_frame().set_index("subgroup")
    assert table.loc["South", "best_off"] and not table.loc["Isles", "best_off"]
    assert table.loc["North", "reference_note"] == (
        "Reference: the best-off group with at least 50 unweighted cases in both rounds (South); "
        "'Isles' is better placed but has fewer than 50 unweighted cases in 2024")
    assert table.loc["national", "reference_note"] == ""


def test_trend_without_a_qualifying_group_says_so_and_targets_refuse():
    data = rounds_of({"North": (40, 45), "Isles": (95, 97)}, {"North": (300, 300), "Isles": (60, 48)})
    table = trends(data).to_frame()
    groups = table[table["dimension"] == "region"]
    assert not groups["best_off"].any() and groups["worst_off"].any()
    sentence = ("No group other than the worst-off can serve as the best-off reference, which needs at least 50 "
                "unweighted cases and an estimate that varies in the sample in both rounds.")
    assert (groups["reference_note"] == sentence).all()
    with pytest.raises(InputError, match="^No group other than the worst-off"):
        best_off_reference(groups)
    chart = trajectory_chart(trends(data), "sba", "region", source="test")
    labels = [line.get_label() for line in chart.axes[0].get_lines()]
    assert "North (worst off)" in labels and not any("best off" in label for label in labels)


# --- the Step 4 page -----------------------------------------------------------------------

@pytest.fixture
def app(sample_copy, monkeypatch):
    import lnob_helpers.ui.step4 as page
    from lnob_helpers.notebook import step_context

    monkeypatch.setattr(page, "display", lambda *a, **k: None)
    result = compute_step4(sample_copy, indicators=["birth_registration", "sba"],
                           dimensions=["ethnicity", "disability"])
    return page.Step4App(step_context(str(sample_copy), "app"), result)


def test_the_page_states_the_rule_in_a_ratio_target_and_refuses_without_a_reference(sample_copy, app):
    from lnob_helpers.measure.targets import load_targets

    app.indicator.value, app.dimension.value = "birth_registration", "ethnicity"
    app.kind.value = "disparity_ratio"
    app.value.value = "0.8"
    app.save.click()
    assert "lnob-ok" in app.new_form.message.value
    target = {t.id: t for t in load_targets(sample_copy).targets}["birth_registration.ethnicity.Tamar.ratio"]
    assert "Other" not in target.rationale.split(" value ")[0]  # the reference named before "value" is not Other
    assert "Reference: the best-off group with at least 50 unweighted cases in both rounds" in target.rationale

    before = (sample_copy / "step4_targets.yaml").read_text()
    app.indicator.value, app.dimension.value = "sba", "disability"  # 'With disability' is a caution cell in 2024
    app.kind.value = "disparity_ratio"
    app.value.value = "0.8"
    app.save.click()
    assert "No group other than the worst-off can serve as the best-off reference" in app.new_form.message.value
    assert (sample_copy / "step4_targets.yaml").read_text() == before
