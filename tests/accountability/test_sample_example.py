"""The filled-in example of the sample country loads with every cross-check and tells one story."""

import shutil

from lnob_helpers.accountability.models import load_step5
from lnob_helpers.accountability.recommendations import import_recommendations, load_recommendations
from lnob_helpers.accountability.scorecard import score_scorecard
from lnob_helpers.what.coverage import check_coverage
from lnob_helpers.what.models import ACTION_AREAS, load_step3
from lnob_helpers.why.models import load_step2

TAMAR = "bottom40=Bottom 40% & area=Rural & ethnicity=Tamar"


def test_step_files_load_with_links_checked(sample_dir, left_behind_csv):
    step2 = load_step2(sample_dir / "step2_why.yaml")
    step3 = load_step3(sample_dir / "step3_what.yaml", step2)
    recs = load_recommendations(sample_dir / "step5_recommendations.yaml", step3)
    step5 = load_step5(sample_dir / "step5_accountability.yaml")
    assert step2.priority_groups == [TAMAR, "displacement=Displaced", "disability=With disability"]
    assert len(step2.problem_trees) == 3
    assert all({c.level for c in t.causes} == {"immediate", "underlying", "root"} for t in step2.problem_trees)
    assert {a.level for a in step2.actors if a.kind == "duty_bearer"} == {"national", "subnational", "local",
                                                                          "family_community"}
    assert {a.area for a in step3.actions} == set(ACTION_AREAS)
    assert 10 <= len(recs.recommendations) <= 12
    assert {r.mechanism for r in recs.recommendations} == {"upr", "treaty_body", "special_procedure", "ilo"}
    assert 4 <= len(step5.consultations) <= 6
    assert set(step5.checklists) == {"vnr", "maps", "participation"}
    warnings = check_coverage(step3, step2, left_behind_csv).to_frame()
    assert warnings[["kind", "item_id"]].values.tolist() == [["root_cause_without_action", "stigma"]]


def test_scorecard_has_two_years_and_improves(sample_dir):
    assessment = load_step5(sample_dir / "step5_accountability.yaml").scorecards[0]
    overall = score_scorecard(assessment.resolved(), assessment.ratings).overall()
    assert overall["year"].tolist() == [2023, 2025]
    assert overall["rated"].tolist() == [18, 18]
    assert overall["score"].iloc[1] > overall["score"].iloc[0]


def test_recommendations_file_is_the_csv_imported(sample_dir, tmp_path):
    step3 = load_step3(sample_dir / "step3_what.yaml", load_step2(sample_dir / "step2_why.yaml"))
    shutil.copy(sample_dir / "recommendations.csv", tmp_path / "recommendations.csv")
    imported = import_recommendations(tmp_path / "recommendations.csv", tmp_path / "recs.yaml", step3)
    assert imported == load_recommendations(sample_dir / "step5_recommendations.yaml")
