"""Step 5 computed from an analysis folder: the result, its tables and the files it writes."""

from pathlib import Path

import pandas as pd
import pytest
from fixtures_steps import write_step1  # tests/ is on sys.path: see conftest.py

from lnob_helpers.accountability.step5 import CHECKLISTS, compute_step5
from lnob_helpers.config import load_analysis
from lnob_helpers.groups import STEP1_MISSING

TAMAR = "bottom40=Bottom 40% & area=Rural & ethnicity=Tamar"
ALWAYS_WRITTEN = {"scorecard_scores.csv", "scorecard_ratings.csv", "recommendations.csv", "consultations.csv",
                  "participant_totals.csv", "checklist_progress.csv"}
WITH_GROUPS = {"recommendation_coverage.csv", "participation_by_group.csv", "participation_warnings.csv"}


@pytest.fixture
def folder(step_folder) -> Path:
    """The sample's definition and Steps 2-5 files; Step 1's table only where a test writes it."""
    return step_folder("analysis.yaml", "step2_why.yaml", "step3_what.yaml", "step5_accountability.yaml",
                       "step5_recommendations.yaml")


def test_step5_focuses_on_furthest_behind_and_chosen_groups_and_writes_its_tables(folder):
    write_step1(folder)
    result = compute_step5(load_analysis(folder))
    assert result.notes == ()
    # furthest behind (Tamar, Displaced) and chosen in Step 2 (Displaced, With disability); not "Bottom 40%"
    assert result.focus["group_id"].tolist() == [TAMAR, "displacement=Displaced", "disability=With disability"]
    assert result.coverage.to_frame()["group_id"].tolist() == result.focus["group_id"].tolist()
    status = result.participation.set_index("group_id")["status"]
    assert status["displacement=Displaced"] == "not consulted" and status[TAMAR] == "consulted"
    assert any("\"Displaced\" (displacement=Displaced) has not taken part" in m for m in result.warnings)
    scores = result.scorecards[0]
    assert scores.headline().startswith("18 of 18 indicators rated in 2025. In 2025 the team scored 41 out of 100")
    assert scores.area_table().columns.tolist() == ["area", "2023", "2025"]
    assert set(result.checklists) == set(CHECKLISTS)

    written = result.write()
    out = folder / "outputs" / "step5"
    assert {p.name for p in written} == ALWAYS_WRITTEN | WITH_GROUPS
    assert len(pd.read_csv(out / "recommendations.csv")) == len(result.recommendations.recommendations)
    assert len(pd.read_csv(out / "consultations.csv")) == len(result.step5.consultations)
    assert pd.read_csv(out / "participation_warnings.csv")["warning"].tolist() == result.warnings
    progress = pd.read_csv(out / "checklist_progress.csv")
    assert set(progress["checklist"]) == {c.title for c in result.checklists.values()}
    overall = pd.read_csv(out / "scorecard_scores.csv").query("area == 'All areas'")
    assert overall["score"].round(2).tolist() == [0.20, 0.41]


def test_without_step1_the_result_says_so_and_writes_the_rest(folder):
    result = compute_step5(load_analysis(folder))
    assert result.groups is None and result.focus is None
    assert result.coverage is None and result.participation is None and result.warnings == []
    assert result.notes == (STEP1_MISSING,)
    assert {p.name for p in result.write()} == ALWAYS_WRITTEN
