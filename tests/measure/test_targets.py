"""Equity targets: hand-checked values, milestones, YAML round trip and plain errors."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from lnob_helpers.errors import InputError
from lnob_helpers.measure.targets import (
    TARGETS_FILE,
    EquityTarget,
    TargetSet,
    disparity_ratio_target,
    floor_targets,
    load_targets,
    save_targets,
    worst_off_faster,
    worst_off_targets,
)
from lnob_helpers.measure.trends import trends


def test_worst_off_faster_halves_the_gap():
    # Gap 52 - 70 = -18; national aims at 90, so the group aims at 90 - 9 = 81 over 8 years.
    target = worst_off_faster("sba", "wealth", "Q1", 2022, 52.0, 70.0, 90.0, gap_reduction=0.5)
    assert target.target == pytest.approx(81)
    assert target.required_annual_change == pytest.approx((81 - 52) / 8)
    assert target.required_aarc == pytest.approx((81 / 52) ** (1 / 8) - 1)
    assert target.required_annual_change > (90 - 70) / 8  # faster than the national pace
    assert "+3.62 a year, against +2.50 nationally" in target.rationale


def test_worst_off_faster_for_an_adverse_indicator():
    target = worst_off_faster("u5mr", "region", "North", 2020, 60.0, 40.0, 25.0, gap_reduction=1.0,
                              direction="adverse")
    assert target.target == pytest.approx(25) and target.required_annual_change == pytest.approx(-3.5)


def test_worst_off_targets_from_a_trend_analysis():
    rounds = pd.DataFrame([
        dict(indicator="sba", dimension=d, subgroup=s, year=y, estimate=v, n=500, flag="")
        for d, s, values in [("national", "national", (60, 70)), ("wealth", "Q1", (40, 52)), ("wealth", "Q5", (80, 86))]
        for y, v in zip((2014, 2022), values)])
    with_target = worst_off_targets(trends(rounds, targets={"sba": 90}), gap_reduction=0.5)
    assert [t.id for t in with_target] == ["sba.wealth.Q1.faster"] and with_target[0].target == pytest.approx(81)
    by_projection = worst_off_targets(trends(rounds, on_track_by="linear"), gap_reduction=0.5)
    assert by_projection[0].target == pytest.approx(80 - 9)  # national linear projection 80


def test_floors_lift_only_the_areas_below():
    baselines = pd.DataFrame({"subgroup": ["Upper Austria", "East"], "estimate": [95.0, 72.0]})
    floors = floor_targets(baselines, "completion", "region", 2022, floor=90, target_year=2030)
    assert [t.target for t in floors] == [95.0, 90.0]
    assert floors[0].id == "completion.region.Upper_Austria.floor" and "hold the level" in floors[0].rationale
    assert floors[1].required_annual_change == pytest.approx(18 / 8)
    with pytest.raises(InputError, match="no value for East"):
        floor_targets(baselines.assign(estimate=[95.0, None]), "completion", "region", 2022, floor=90)


def test_disparity_ratio():
    target = disparity_ratio_target("sba", "wealth", "Q1", 2022, 52.0, "best-off group (Q5)", 95.0, ratio=0.8)
    assert target.target == pytest.approx(76) and target.kind == "disparity_ratio"
    with pytest.raises(InputError, match="expected a positive ratio"):
        disparity_ratio_target("sba", "wealth", "Q1", 2022, 52.0, "national", 95.0, ratio=0)


def test_milestones_linear_and_aarc():
    base = EquityTarget(id="t1", kind="custom", indicator="sba", baseline_year=2020, baseline=50, target=80)
    linear = base.with_milestones(every=3)
    assert [(m.year, m.value) for m in linear.milestones] == [(2023, 59.0), (2026, 68.0), (2029, 77.0)]
    aarc = base.model_copy(update={"path": "aarc"}).with_milestones(every=5)
    assert [m.year for m in aarc.milestones] == [2025]
    assert aarc.milestones[0].value == pytest.approx(50 * (80 / 50) ** 0.5)


def test_targets_round_trip_through_the_analysis_folder(tmp_path):
    assert load_targets(tmp_path).targets == []
    targets = TargetSet(targets=[
        worst_off_faster("sba", "wealth", "Q1", 2022, 52.0, 70.0, 90.0, 0.5).with_milestones(4),
        *floor_targets(pd.DataFrame({"subgroup": ["East"], "estimate": [72.0]}), "completion", "region", 2022, 90),
    ])
    path = save_targets(tmp_path, targets)
    assert path.name == TARGETS_FILE
    assert load_targets(tmp_path) == targets
    frame = targets.to_frame()
    assert list(frame["id"]) == ["sba.wealth.Q1.faster", "completion.region.East.floor"]
    assert frame.loc[0, "milestones"] == "2026: 66.5"
    assert targets.milestones_frame().query("id == 'sba.wealth.Q1.faster'")["year"].tolist() == [2022, 2026, 2030]
    assert "required_annual_change" not in yaml.safe_load(path.read_text())["targets"][0]


def test_bad_targets_file_gives_plain_sentences(tmp_path):
    (tmp_path / TARGETS_FILE).write_text(
        "targets:\n- id: a\n  kind: custom\n  indicator: sba\n  baseline_year: 2022\n  baseline: 50\n"
        "  target_year: 2020\n  target: 80\n- id: b\n  kind: wish\n  indicator: sba\n"
        "  baseline_year: 2020\n  baseline: 50\n  target: 80\n")
    with pytest.raises(InputError) as err:
        load_targets(tmp_path)
    problems = err.value.problems
    assert any("`targets[1]`" in p and "target_year must come after baseline_year" in p for p in problems)
    assert any("`targets[2].kind`" in p for p in problems)
    with pytest.raises(InputError, match="gap_reduction: 1.5"):
        worst_off_faster("sba", "wealth", "Q1", 2022, 52.0, 70.0, 90.0, gap_reduction=1.5)
