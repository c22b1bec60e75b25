import pytest

from lnob_helpers.errors import InputError
from lnob_helpers.what.coverage import check_coverage
from lnob_helpers.what.models import ActionWeights, Step3What, load_step3, save_step3
from lnob_helpers.what.prioritise import prioritise_actions
from lnob_helpers.why.models import Step2Why
from lnob_helpers.yamlstore import dump_yaml

TAMAR = "bottom40=Bottom 40% & area=Rural & ethnicity=Tamar"
ACTIONS = [
    {"title": "Equity-based health budget formula", "area": "enabling_environment", "cause_ids": ["budget-bias"],
     "capacity_gap_ids": ["moh-budget"], "group_ids": [TAMAR], "duty_bearer_ids": ["moh"],
     "sdg_targets": ["3.1", "10.4"], "feasibility": 3, "cost": 4, "time_horizon": 2},
    {"title": "Urban clinic upgrade", "area": "services", "group_ids": ["area=Urban"], "sdg_targets": ["3.8"],
     "feasibility": 5, "cost": 2, "time_horizon": 5},
    {"title": "National awareness campaign", "area": "advocacy", "cause_ids": ["far-clinics"], "group_ids": ["all"]},
]


@pytest.fixture
def step2(step2_dict):
    return Step2Why.model_validate(step2_dict)


@pytest.fixture
def step3():
    return Step3What.model_validate({"actions": ACTIONS})


def test_prioritisation_matches_hand_computation(step3, step2, left_behind_csv):
    plan = prioritise_actions(step3, step2, left_behind_csv).to_frame().set_index("action_id")
    budget, urban, campaign = "equity-based-health-budget-formula", "urban-clinic-upgrade", "national-awareness-campaign"
    assert plan.loc[budget, ["impact", "depth", "multiplier", "feasibility", "cost", "time_horizon"]].tolist() == \
        pytest.approx([1.0, 1.0, 0.75, 0.5, 0.75, 0.25])
    assert plan.loc[campaign, ["impact", "depth", "multiplier"]].tolist() == pytest.approx([0.5, 1 / 3, 0.5])
    assert plan["score"].to_dict() == pytest.approx({budget: 0.7875, campaign: 0.15 + 0.2 / 3 + 0.25,
                                                     urban: 0.3125})
    assert plan.index.tolist() == [budget, campaign, urban]
    assert plan.loc[budget, "duty_bearers"] == "Ministry of Health"
    assert plan.loc[budget, "area"] == "Enabling environment: laws, policies, institutions"
    assert "depth 1.00 (addresses root cause `budget-bias`)" in plan.loc[budget, "explanation"]
    assert "not rated yet, counted as 3" in plan.loc[campaign, "explanation"]


def test_weights_change_the_order(step3, step2, left_behind_csv):
    feasible_first = ActionWeights(impact=0, depth=0, multiplier=0, feasibility=1, cost=0, time_horizon=1)
    plan = prioritise_actions(step3, step2, left_behind_csv, feasible_first).to_frame()
    assert plan["action_id"].iloc[0] == "urban-clinic-upgrade"


def test_coverage_warnings(step3, step2, left_behind_csv):
    step3.actions.append(step3.actions[0].model_copy(update={"id": "orphan", "group_ids": []}))
    report = check_coverage(step3, step2, left_behind_csv).to_frame()
    assert report[["kind", "item_id"]].values.tolist() == [
        ["root_cause_without_action", "no-tamar-services"],
        ["furthest_behind_without_action", "displacement=Displaced"],
        ["action_misses_left_behind", "urban-clinic-upgrade"],
        ["action_without_groups", "orphan"],
    ]


def test_links_to_step2_are_checked(tmp_path, step2):
    bad = [dict(ACTIONS[0], cause_ids=["budget-bias", "ghost"], duty_bearer_ids=["tamar-women"],
                capacity_gap_ids=["nope"])]
    path = tmp_path / "step3_what.yaml"
    path.write_text(dump_yaml({"actions": bad}), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_step3(path, step2)
    problems = err.value.problems
    assert len(problems) == 3
    assert "actions[1] (id `equity-based-health-budget-formula`): `cause_ids` refers to `ghost`" in problems[0]
    assert "`capacity_gap_ids` refers to `nope`" in problems[1]
    assert "records as a rights holder; expected a duty-bearer" in problems[2]


def test_field_checks_and_round_trip(tmp_path, step2, step3):
    with pytest.raises(ValueError, match="`3` is not an SDG target"):
        Step3What.model_validate({"actions": [dict(ACTIONS[1], sdg_targets=["3"])]})
    with pytest.raises(ValueError, match="less than or equal to 5"):
        Step3What.model_validate({"actions": [dict(ACTIONS[1], cost=7)]})
    path = tmp_path / "step3_what.yaml"
    save_step3(path, step3, step2)
    text = path.read_text(encoding="utf-8")
    again = load_step3(path, step2)
    assert again == step3
    save_step3(path, again, step2)
    assert path.read_text(encoding="utf-8") == text
