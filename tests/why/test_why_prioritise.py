import pandas as pd
import pytest

from lnob_helpers.errors import InputError
from lnob_helpers.scoring import Ranking
from lnob_helpers.why.models import PriorityWeights
from lnob_helpers.why.prioritise import prioritise_groups

EQUAL = PriorityWeights(severity=1, multiplicity=1, size=1, shocks=1, voice=1)
EVIDENCE = [
    {"group_id": "ethnicity=Tamar", "source_type": "consultation"},
    {"group_id": "bottom40=Bottom 40%", "source_type": "official_statistics"},
]


def test_scores_match_hand_computation(left_behind_csv):
    result = prioritise_groups(left_behind_csv, EQUAL, evidence=EVIDENCE,
                               consulted_groups=["disability=With disability"])
    table = result.to_frame().set_index("group_id")
    tamar = "bottom40=Bottom 40% & area=Rural & ethnicity=Tamar"
    # severity: gap / 40; multiplicity: (n_ind/6 + n_factors/5)/2; size: share / 0.40
    assert table.loc[tamar, ["severity", "multiplicity", "size", "shocks", "voice"]].tolist() == \
        pytest.approx([1.0, 0.8, 0.125, 0.0, 0.5])
    assert table.loc["displacement=Displaced", "voice"] == 1.0
    assert table.loc["bottom40=Bottom 40%", "voice"] == 1.0  # official statistics are not voice
    assert table.loc["disability=With disability", ["severity", "voice"]].tolist() == [0.0, 0.0]
    assert table["score"].to_dict() == pytest.approx({
        tamar: 2.425 / 5, "displacement=Displaced": 2.9 / 5,
        "bottom40=Bottom 40%": (0.25 + 0.5 * 4 / 6 + 0.1 + 1 + 1) / 5,
        "disability=With disability": (0.5 * 2 / 6 + 0.2 + 0.25) / 5})
    assert result.top(4) == ["displacement=Displaced", "bottom40=Bottom 40%", tamar, "disability=With disability"]
    assert result.table["rank"].tolist() == [1, 2, 3, 4]


def test_explanation_spells_out_each_term(left_behind_csv):
    table = prioritise_groups(left_behind_csv, EQUAL).to_frame().set_index("group_id")
    text = table.loc["bottom40=Bottom 40% & area=Rural & ethnicity=Tamar", "explanation"]
    assert text.startswith("severity 1.00 (gap 40.0 pp) x weight 0.20 = 0.20; multiplicity 0.80 "
                           "(6 of up to 6 indicators, 3 of 5 factors) x weight 0.20 = 0.16;")
    assert "voice 1.00 (no consultation or citizen-generated evidence)" in text
    score = table.loc["bottom40=Bottom 40% & area=Rural & ethnicity=Tamar", "score"]
    assert score == pytest.approx(2.925 / 5) and text.endswith(f"total {score:.2f}")


def test_shock_circumstance_counts_without_tag(left_behind_csv):
    frame = pd.read_csv(left_behind_csv)
    frame.loc[1, "factors"] = "governance"
    table = prioritise_groups(frame).to_frame().set_index("group_id")
    assert table.loc["displacement=Displaced", "shocks"] == 1.0
    assert "defined by Displaced" in table.loc["displacement=Displaced", "explanation"]  # the label, not the id
    none = prioritise_groups(frame, shock_circumstances=()).to_frame().set_index("group_id")
    assert none.loc["displacement=Displaced", "shocks"] == 0.0


def test_weights_are_validated_and_normalised(left_behind_csv):
    assert sum(PriorityWeights().normalised().values()) == pytest.approx(1.0)
    assert PriorityWeights(severity=2, multiplicity=0, size=0, shocks=0, voice=2).normalised()["severity"] == 0.5
    with pytest.raises(ValueError, match="negative"):
        PriorityWeights(size=-0.1)
    with pytest.raises(ValueError, match="all weights are zero"):
        PriorityWeights(severity=0, multiplicity=0, size=0, shocks=0, voice=0)
    only_size = PriorityWeights(severity=0, multiplicity=0, size=1, shocks=0, voice=0)
    assert prioritise_groups(left_behind_csv, only_size).top(1) == ["bottom40=Bottom 40%"]


def test_evidence_without_columns_is_a_clear_error(left_behind_csv):
    with pytest.raises(InputError, match="evidence log: columns source_type are missing"):
        prioritise_groups(left_behind_csv, evidence=[{"group_id": "area=Rural"}])


def test_ranking_breaks_ties_by_the_named_criterion_then_by_id():
    scored = pd.DataFrame({"group_id": ["c", "b", "a", "d"], "score": [0.5, 0.5, 0.5, 0.9],
                           "severity": [0.1, 0.3, 0.1, 0.0]})
    ranking = Ranking.rank(scored, PriorityWeights(), key="group_id", tie_break="severity")
    assert ranking.top(4) == ["d", "b", "a", "c"]
    assert ranking.table["rank"].tolist() == [1, 2, 3, 4]
    assert ranking.weights == pytest.approx(PriorityWeights().normalised())
