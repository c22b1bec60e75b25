import threading

import pytest

from lnob_helpers.accountability.models import Step5Accountability, load_step5, save_step5
from lnob_helpers.accountability.participation import participant_totals, participation_warnings, who_is_not_participating
from lnob_helpers.accountability.recommendations import (filter_recommendations, import_recommendations,
                                                         load_recommendations, read_recommendations_csv,
                                                         recommendation_coverage)
from lnob_helpers.consultations import Consultation, consulted_groups
from lnob_helpers.errors import InputError
from lnob_helpers.what.models import Step3What
from lnob_helpers.yamlstore import dump_yaml

TAMAR = "bottom40=Bottom 40% & area=Rural & ethnicity=Tamar"
CSV = """id,mechanism,body,date,text,sdg_targets,affected_groups,status
upr-1,UPR,,2022-11-10,Adopt a comprehensive anti-discrimination law covering ethnicity.,10.3;16.b,ethnicity=Tamar,in progress
,Treaty body,CEDAW,2021-03-01,Ensure rural women have access to skilled birth attendance.,3.1,area=Rural & sex=Female,
sp-1,special procedure,SR IDPs,2023-05-02,Guarantee civil registration for displaced persons.,16.9,displacement=Displaced,not started
"""
STEP3 = Step3What.model_validate({"actions": [
    {"id": "budget", "title": "Equity budget", "area": "enabling_environment", "group_ids": [TAMAR]}]})


@pytest.fixture
def csv_path(tmp_path):
    path = tmp_path / "recommendations.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_csv_import_normalises_and_fills_ids(csv_path):
    recs = read_recommendations_csv(csv_path)
    assert [r.mechanism for r in recs] == ["upr", "treaty_body", "special_procedure"]
    assert [r.status for r in recs] == ["in_progress", "not_started", "not_started"]
    assert recs[1].id == "ensure-rural-women-have-access-to"
    assert recs[0].sdg_targets == ["10.3", "16.b"]


def test_csv_row_errors_name_row_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,mechanism,date,text,sdg_targets,affected_groups\n"
                    "r1,UPR,2022-13-01,Do it,3.1,ethnicity=Tamar\n"
                    "r2,Parliament,2022-01-01,,18.1;3.2,Tamar people\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_recommendations_csv(path)
    problems = err.value.problems
    assert f"{path}: row 3 (id `r2`): `mechanism` is `Parliament`; expected one of UPR" in problems[0]
    assert "row 2 (id `r1`): `date` is `2022-13-01`; expected a date written YYYY-MM-DD." in problems[1]
    assert "row 3 (id `r2`): `text` is empty" in problems[2]
    assert "row 3 (id `r2`): `sdg_targets` has 18.1, which is not an SDG target" in problems[3]
    assert "row 3 (id `r2`): `affected_groups` has Tamar people, which is not a group id" in problems[4]
    with pytest.raises(InputError, match="column\\(s\\) text missing"):
        (tmp_path / "few.csv").write_text("mechanism,date\nUPR,2022-01-01\n", encoding="utf-8")
        read_recommendations_csv(tmp_path / "few.csv")


def test_reimport_keeps_links_added_by_hand(csv_path, tmp_path):
    yaml_path = tmp_path / "step5_recommendations.yaml"
    first = import_recommendations(csv_path, yaml_path, STEP3)
    first.recommendations[0].action_ids.append("budget")
    yaml_path.write_text(dump_yaml(first.model_dump(mode="json")), encoding="utf-8")
    again = import_recommendations(csv_path, yaml_path, STEP3)
    assert again.recommendations[0].action_ids == ["budget"]
    assert load_recommendations(yaml_path, STEP3) == again
    first.recommendations[1].action_ids.append("ghost")
    yaml_path.write_text(dump_yaml(first.model_dump(mode="json")), encoding="utf-8")
    with pytest.raises(InputError, match="recommendations\\[2\\] .*`action_ids` refers to `ghost`"):
        load_recommendations(yaml_path, STEP3)


def test_filter_and_coverage(csv_path, tmp_path, left_behind_csv):
    recs = import_recommendations(csv_path, tmp_path / "r.yaml")
    assert filter_recommendations(recs, group=TAMAR)["id"].tolist() == ["upr-1"]
    assert filter_recommendations(recs, sdg_goal=16)["id"].tolist() == ["upr-1", "sp-1"]
    assert filter_recommendations(recs, mechanism="treaty_body", contains="BIRTH")["body"].tolist() == ["CEDAW"]
    coverage = recommendation_coverage(recs, STEP3, left_behind_csv)
    table = coverage.to_frame().set_index("group_id")
    assert table.loc[TAMAR, ["n_recommendations", "n_actions", "recommended_no_action"]].tolist() == [1, 1, False]
    assert table.loc["displacement=Displaced", "recommended_no_action"]
    assert coverage.gaps() == ['"Displaced" (displacement=Displaced) is the subject of 1 recommendation(s) '
                               "but no Step 3 action targets it."]


CONSULTATIONS = [
    {"title": "Tamar women focus group", "date": "2024-03-12", "method": "focus_group", "group_ids": [TAMAR],
     "participants": {"total": 18, "by_sex": {"female": 18}, "by_age": {"15-24": 6, "25-49": 12},
                      "by_disability": {"with_disability": 2, "without_disability": 16}},
     "accessibility": ["interpretation into Tamar"], "feedback_given": True, "feedback_how": "village meeting"},
    {"title": "Civil society workshop", "date": "2024-01-20", "method": "workshop", "group_ids": ["bottom40=Bottom 40%"],
     "participants": {"by_sex": {"female": 22, "male": 18}}},
]


def test_participation_checks(left_behind_csv):
    log = Step5Accountability.model_validate({"consultations": CONSULTATIONS}).consultations
    assert log[1].participants.total == 40
    totals = participant_totals(log).set_index(["breakdown", "category"])
    assert totals.loc[("sex", "female"), "count"] == 40
    assert totals.loc[("disability", "with_disability"), "share"] == pytest.approx(2 / 18)
    reach = who_is_not_participating(log, left_behind_csv).set_index("group_id")
    assert reach["status"].to_dict() == {
        "displacement=Displaced": "not consulted", "disability=With disability": "not consulted",
        TAMAR: "consulted", "bottom40=Bottom 40%": "consulted"}
    assert who_is_not_participating(log, left_behind_csv)["group_id"].iloc[0] == "displacement=Displaced"
    warnings = participation_warnings(log, left_behind_csv)
    assert '"Displaced" (displacement=Displaced) has not taken part in any logged consultation.' in warnings
    assert "Consultation `civil-society-workshop` lists no accessibility measure." in warnings
    assert consulted_groups(log) == [TAMAR, "bottom40=Bottom 40%"]


def test_participant_counts_must_add_up():
    bad = dict(CONSULTATIONS[0], participants={"total": 20, "by_sex": {"female": 18}})
    with pytest.raises(ValueError, match="`by_sex` adds up to 18 but the total is 20"):
        Consultation.model_validate(bad)
    with pytest.raises(ValueError, match="feedback was given but not how"):
        Consultation.model_validate(dict(CONSULTATIONS[0], feedback_how=""))


def test_step5_round_trip_and_concurrent_saves(tmp_path):
    data = {"scorecards": [{"scorecard": "lnob", "ratings": [{"year": 2024, "indicator": "vnr-lnob", "rating": 2}]}],
            "consultations": CONSULTATIONS,
            "checklists": {"vnr": [{"question": "rigour", "answer": "partly", "note": "sources missing"}]}}
    path = tmp_path / "step5_accountability.yaml"
    path.write_text(dump_yaml(data), encoding="utf-8")
    step5 = load_step5(path)
    save_step5(path, step5)
    text = path.read_text(encoding="utf-8")
    assert load_step5(path) == step5
    save_step5(path, load_step5(path))
    assert path.read_text(encoding="utf-8") == text

    other = Step5Accountability.model_validate({**data, "checklists": {}})
    stop, errors = threading.Event(), []

    def writer(version):
        while not stop.is_set():
            save_step5(path, version)

    threads = [threading.Thread(target=writer, args=(v,)) for v in (step5, other)]
    for t in threads:
        t.start()
    try:
        for _ in range(100):
            try:
                assert load_step5(path) in (step5, other)
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []


def _step5_problems(tmp_path, data):
    path = tmp_path / "step5_accountability.yaml"
    path.write_text(dump_yaml(data), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_step5(path)
    return "\n".join(err.value.problems)


def test_step5_problems_are_located(tmp_path):
    scorecards = {"scorecards": [{"ratings": [{"year": 2024, "indicator": "vnr-lnob", "rating": 7}]}]}
    assert "`scorecards[1]` ratings[1] (year 2024, indicator `vnr-lnob`): `rating` 7 is not on the scale" in \
        _step5_problems(tmp_path, scorecards)
    text = _step5_problems(tmp_path, {"checklists": {"vnr": [{"question": "nope", "answer": "yes"}], "swap": []}})
    assert "checklists.vnr[1]: `question` `nope` is not in the LNOB checklist" in text
    assert "`swap` is not a known checklist" in text
