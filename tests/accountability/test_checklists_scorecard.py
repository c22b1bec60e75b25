import pytest

from lnob_helpers.checklists import ChecklistAnswer, checklist_progress, load_checklist
from lnob_helpers.accountability.scorecard import (Rating, Scorecard, ScorecardAssessment, load_scorecard,
                                                   plot_scorecard_history, score_scorecard)
from lnob_helpers.errors import InputError


@pytest.mark.parametrize("name", ["step2", "vnr", "maps", "participation"])
def test_shipped_checklists_load_and_cite_the_guide(name):
    checklist = load_checklist(name)
    assert "Operationalizing Leaving No One Behind" in checklist.source
    assert len(checklist.question_ids()) == len(set(checklist.question_ids())) >= 10


def test_maps_checklist_follows_annex_4_phases():
    titles = [s.title for s in load_checklist("maps").sections]
    assert titles[:3] == ["Preparation", "Mission", "Follow-up"]


def test_checklist_progress_by_section():
    answers = [ChecklistAnswer(question="rigour", answer="yes"), ChecklistAnswer(question="budget", answer="no"),
               ChecklistAnswer(question="civil-society", answer="not_applicable")]
    progress = checklist_progress(load_checklist("vnr"), answers).set_index("section")
    assert progress.loc["What the report says", ["answered", "yes", "no"]].tolist() == [2, 1, 1]
    assert progress.loc["What the report says", "fulfilled"] == 0.5
    assert progress.loc["How the report was prepared", ["answered", "not_applicable"]].tolist() == [1, 1]
    assert progress["fulfilled"].isna().loc["How the report was prepared"]


CARD = {
    "id": "mini", "title": "Mini card", "meets": 3,
    "scale": [{"value": v, "label": label} for v, label in zip([1, 2, 3, 4], ["Missing", "Approaching", "Meets", "Exceeds"])],
    "areas": [{"id": "a", "title": "Area A", "indicators": [{"id": "a1", "title": "A one"}, {"id": "a2", "title": "A two"}]},
              {"id": "b", "title": "Area B", "indicators": [{"id": "b1", "title": "B one"}]}],
}


def test_scores_per_area_and_year_by_hand():
    card = Scorecard.model_validate(CARD)
    ratings = [Rating(year=2023, indicator="a1", rating=1), Rating(year=2023, indicator="a2", rating=3),
               Rating(year=2024, indicator="a1", rating=4), Rating(year=2024, indicator="a2", rating=4),
               Rating(year=2024, indicator="b1", rating=2)]
    scores = score_scorecard(card, ratings).to_frame().set_index(["year", "area"])
    assert scores.loc[(2023, "Area A"), ["rated", "indicators", "score", "share_meets"]].tolist() == \
        pytest.approx([2, 2, (0 + 2 / 3) / 2, 0.5])
    assert (2023, "Area B") not in scores.index
    assert scores.loc[(2024, "All areas"), "score"] == pytest.approx((1 + 1 + 1 / 3) / 3)
    assert scores.loc[(2024, "All areas"), ["rated", "indicators"]].tolist() == [3, 3]
    fig = plot_scorecard_history(score_scorecard(card, ratings))
    assert fig.texts[-1].get_text().startswith("Source:")
    assert "Mini card" in fig._suptitle.get_text()


def test_bad_ratings_are_named():
    card = Scorecard.model_validate(CARD)
    with pytest.raises(InputError) as err:
        score_scorecard(card, [Rating(year=2024, indicator="zz", rating=5), Rating(year=2024, indicator="a1", rating=2),
                               Rating(year=2024, indicator="a1", rating=3)])
    problems = err.value.problems
    assert "ratings[1] (year 2024, indicator `zz`): `indicator` is not in the scorecard" in problems[0]
    assert "`rating` 5 is not on the scale; expected one of [1, 2, 3, 4]" in problems[1]
    assert "already rated for 2024 in entry 2" in problems[2]
    with pytest.raises(ValueError, match="`meets` is 9"):
        Scorecard.model_validate(dict(CARD, meets=9))


def test_shipped_lnob_scorecard_and_inline_definitions():
    card = load_scorecard("lnob")
    assert card.meets == 3 and len(card.indicators()) >= 15
    inline = ScorecardAssessment.model_validate({"definition": CARD, "ratings": [{"year": 2024, "indicator": "b1", "rating": 4}]})
    assert inline.resolved().title == "Mini card" and inline.scorecard is None
    with pytest.raises(ValueError, match="`scorecard` is `swap`, which is not shipped"):
        ScorecardAssessment.model_validate({"scorecard": "swap"})
