"""`settings.ci_level` reaches every interval of Steps 1 and 4; settings are bound once.

The level is read from analysis.yaml into `Analysis.estimation` and nowhere else, so a
team that reports 90% intervals gets them in every table, and nothing falls back to 95%.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.config import EstimationSettings, Suppression, load_analysis
from lnob_helpers.measure.step4 import compute_step4
from lnob_helpers.survey import SurveyDesign, estimate, t_quantile
from lnob_helpers.who.dindex import d_index
from lnob_helpers.who.step1 import compute_step1

INDICATORS = ["sba", "water"]


def _with_level(sample_dir, tmp_path, level: float):
    folder = tmp_path / f"level{int(level * 100)}"
    shutil.copytree(sample_dir, folder, ignore=shutil.ignore_patterns("outputs"))
    text = (folder / "analysis.yaml").read_text(encoding="utf-8")
    assert "ci_level: 0.95" in text
    (folder / "analysis.yaml").write_text(text.replace("ci_level: 0.95", f"ci_level: {level}"), encoding="utf-8")
    return load_analysis(folder)


@pytest.fixture(scope="module")
def at_two_levels(sample_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("levels")
    out = {}
    for level in (0.95, 0.90):
        a = _with_level(sample_dir, tmp, level)
        assert a.estimation.level == level
        step1 = compute_step1(a, indicators=INDICATORS)
        step4 = compute_step4(a, indicators=INDICATORS)
        frames = {"step1 table": step1.table, "step1 furthest behind": step1.furthest,
                  "step1 overlaps": step1.overlaps.to_frame(), "step4 measures": step4.measures}
        frames.update({f"step1 tree {k}": t.nodes for k, t in step1.trees.items()})
        out[level] = frames
    return out


def test_every_interval_of_steps_1_and_4_follows_ci_level(at_two_levels):
    wide, narrow = at_two_levels[0.95], at_two_levels[0.90]
    assert wide.keys() == narrow.keys()
    for name in wide:
        a, b = wide[name], narrow[name]
        assert {"ci_lb", "ci_ub"} <= set(a.columns), f"{name}: no interval columns"
        assert len(a) == len(b)
        shown = a["ci_lb"].notna() & (a["ci_ub"] > a["ci_lb"])
        assert shown.sum() > 0, f"{name}: no interval to compare"
        width_95 = (a["ci_ub"] - a["ci_lb"])[shown].to_numpy(dtype=float)
        width_90 = (b["ci_ub"] - b["ci_lb"])[shown].to_numpy(dtype=float)
        assert (width_90 < width_95).all(), f"{name}: some interval did not narrow at 90%"
        point = "estimate" if "estimate" in a.columns else "rate"
        pd.testing.assert_series_equal(a[point], b[point], check_names=False)


def test_step4_aggregated_measures_use_the_level(at_two_levels):
    """The defect this replaces: Step 4's aggregated measures always used 95%."""
    a, b = at_two_levels[0.95]["step4 measures"], at_two_levels[0.90]["step4 measures"]
    aggregated = (a["basis"] == "aggregated") & a["ci_lb"].notna() & (a["ci_ub"] > a["ci_lb"])
    assert aggregated.sum() > 0
    assert ((b["ci_ub"] - b["ci_lb"])[aggregated] < (a["ci_ub"] - a["ci_lb"])[aggregated]).all()


def test_results_keep_se_and_df_and_compute_intervals_on_demand():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"y": rng.normal(10, 2, 400), "w": rng.uniform(1, 3, 400),
                          "s": np.repeat(np.arange(4), 100), "p": np.tile(np.arange(10), 40)})
    design = SurveyDesign.from_frame(frame, "w", "s", "p")
    result = estimate(design, "y", kind="mean", settings=EstimationSettings(level=0.9))
    assert result.df == design.df == 36
    low, high = result.conf_int()
    assert high[0] - low[0] == pytest.approx(2 * t_quantile(0.9, 36) * result.se[0])
    low99, high99 = result.conf_int(0.99)
    assert high99[0] - low99[0] == pytest.approx(2 * t_quantile(0.99, 36) * result.se[0])
    table = result.to_frame()
    assert list(table.columns) == ["estimate", "se", "ci_lb", "ci_ub", "n", "population", "share", "flag"]
    assert table["ci_lb"].iloc[0] == pytest.approx(low[0])


def test_dindex_groups_are_flagged_by_the_analysis_rule():
    result = d_index([0.2, 0.5, 0.9], [10, 20, 30], groups=["a", "b", "c"], n=[4, 10, 40])
    table = result.to_frame(Suppression(min_n=5, caution_n=20))
    assert table["flag"].tolist() == ["suppressed", "caution", "ok"]
    assert np.isnan(table["rate"].iloc[0]) and table["rate"].iloc[1] == 0.5
    assert result.to_frame()["flag"].tolist() == ["suppressed", "suppressed", "caution"]  # default 25 / 50


def test_lonely_psu_rule_has_an_analysis_default_and_a_file_override(sample_dir, tmp_path):
    a = _with_level(sample_dir, tmp_path, 0.95)
    assert a.estimation.lonely_psu == "adjust"
    stated = {f.design.lonely_psu for r in a.rounds for f in r.files.values()}
    assert stated == {"adjust"}
