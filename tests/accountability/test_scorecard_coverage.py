"""Scorecards state their coverage, and give a score only once enough indicators are rated (issue 14)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lnob_helpers.accountability.models import load_step5
from lnob_helpers.accountability.scorecard import (HEADLINE_COVERAGE, Rating, Scorecard, ScorecardAssessment,
                                                   load_scorecard, score_scorecard)
from lnob_helpers.accountability.step5 import compute_step5
from lnob_helpers.config import load_analysis
from lnob_helpers.consultations import STEP5_FILE
from lnob_helpers.yamlstore import atomic_write_text, dump_yaml, read_yaml

CARD = load_scorecard("lnob")
IDS = [i.id for i in CARD.indicators()]
TOTAL = len(IDS)


def rated(year: int, count: int, rating: int = 3) -> list[Rating]:
    return [Rating(year=year, indicator=i, rating=rating) for i in IDS[:count]]


def test_a_single_rating_states_its_coverage_and_no_score():
    headline = score_scorecard(CARD, rated(2026, 1)).headline()
    assert headline == (f"1 of {TOTAL} indicators rated in 2026. A score is given once at least half of the "
                        f"{TOTAL} indicators are rated.")
    assert "out of 100" not in headline and "%" not in headline


def test_the_score_appears_once_half_are_rated():
    half = TOTAL // 2 + TOTAL % 2
    below = score_scorecard(CARD, rated(2026, half - 1)).headline()
    assert "out of 100" not in below and below.startswith(f"{half - 1} of {TOTAL} indicators rated in 2026.")
    at = score_scorecard(CARD, rated(2026, half)).headline()
    assert at.startswith(f"{half} of {TOTAL} indicators rated in 2026. In 2026 the team scored 67 out of 100 on the "
                         "LNOB")
    assert "100% of the rated indicators" in at


def test_the_change_is_measured_from_the_first_year_with_enough_ratings():
    ratings = rated(2023, TOTAL, rating=1) + rated(2024, 2, rating=4) + rated(2026, TOTAL, rating=3)
    headline = score_scorecard(CARD, ratings).headline()
    assert headline.endswith("(from 0 in 2023).")  # 2024, with 2 ratings, is no comparison
    latest_thin = score_scorecard(CARD, rated(2023, TOTAL) + rated(2026, 2)).headline()
    assert latest_thin.startswith(f"2 of {TOTAL} indicators rated in 2026. A score is given once")


def test_the_share_is_a_setting_of_the_assessment_with_a_documented_default():
    assessment = ScorecardAssessment.model_validate({"scorecard": "lnob"})
    assert assessment.headline_coverage == HEADLINE_COVERAGE == 0.5
    assert "0.5 = half" in ScorecardAssessment.model_fields["headline_coverage"].description
    strict = ScorecardAssessment.model_validate({"scorecard": "lnob", "headline_coverage": 1})
    scores = score_scorecard(strict.resolved(), rated(2026, TOTAL - 1), strict.headline_coverage)
    assert scores.headline().endswith(f"A score is given once all {TOTAL} indicators are rated.")
    custom = score_scorecard(CARD, rated(2026, 1), headline_coverage=0.6).headline()
    assert custom.endswith(f"once at least 60% of the {TOTAL} indicators are rated.")
    for bad in (0, 1.5):
        with pytest.raises(ValidationError):
            ScorecardAssessment.model_validate({"scorecard": "lnob", "headline_coverage": bad})


def test_small_inline_scorecards_count_their_own_indicators():
    card = Scorecard.model_validate({
        "id": "mini", "title": "Mini card", "meets": 3,
        "scale": [{"value": v, "label": str(v)} for v in (1, 2, 3, 4)],
        "areas": [{"id": "a", "title": "A", "indicators": [{"id": "a1", "title": "One"}, {"id": "a2", "title": "Two"},
                                                           {"id": "a3", "title": "Three"}]}]})
    one = score_scorecard(card, [Rating(year=2024, indicator="a1", rating=4)]).headline()
    assert one.startswith("1 of 3 indicators rated in 2024. A score is given once at least half")
    two = score_scorecard(card, [Rating(year=2024, indicator=i, rating=4) for i in ("a1", "a2")]).headline()
    assert "In 2024 the team scored 100 out of 100 on the mini card" in two
    assert score_scorecard(card, []).headline() == "No rating recorded yet: 0 of 3 indicators rated."


def test_step5_reads_the_share_from_step5_accountability_yaml(step_folder):
    folder = step_folder("analysis.yaml", "step5_accountability.yaml")
    path = folder / STEP5_FILE
    data = read_yaml(path)
    data["scorecards"][0]["headline_coverage"] = 1.0
    data["scorecards"][0]["ratings"] = [r for r in data["scorecards"][0]["ratings"] if r["year"] == 2023][:-1]
    atomic_write_text(path, dump_yaml(data))
    assert load_step5(path).scorecards[0].headline_coverage == 1.0
    scores = compute_step5(load_analysis(folder)).scorecards[0]
    assert scores.headline() == (f"{TOTAL - 1} of {TOTAL} indicators rated in 2023. A score is given once all "
                                 f"{TOTAL} indicators are rated.")
