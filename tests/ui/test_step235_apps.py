"""The Step 2, 3 and 5 apps driven through their callbacks, without a browser.

Each test works on a copy of the sample country with Step 1's table in place, clicks the
buttons as a person would, and then rebuilds the page from the steps_folder: what a page reload shows
must be exactly what was saved. Each form says how it went in its own message line, under its
button. Changing, deleting and undoing every kind of entry: test_step235_edit.py.
"""

import pytest
from fixtures_steps import confirm_delete, said_error, said_ok  # tests/ is on sys.path

from lnob_helpers.config import load_analysis
from lnob_helpers.groups import STEP1_MISSING
from lnob_helpers.ui.step2 import Step2Page
from lnob_helpers.ui.step3 import Step3Page
from lnob_helpers.ui.step5 import Step5Page

STIGMA = "Root cause &quot;Stigma against disability, and organisations of persons with disabilities left out"
NOT_HEARD = "&quot;Displaced&quot; has not taken part"


def _analysis(steps_folder):
    return load_analysis(steps_folder)


def test_adding_a_cause_is_saved_and_shown_after_a_reload(steps_folder):
    page = Step2Page(_analysis(steps_folder))
    assert page.tree_pick.value == "tamar-births"
    assert page.cause_form["text"].placeholder == "Describe the cause"
    assert page.cause_form.button.description == "Add cause"
    assert "lnob-causes" in page.causes_view._dom_classes
    page.cause_form["text"].value = "Village health posts have no phone signal"
    page.cause_form.button.click()
    assert "Village health posts have no phone signal" in said_ok(page.cause_form)
    assert page.alerts.value == ""
    assert page.cause_form["text"].value == ""
    assert (steps_folder / "step2_why.yaml.bak").exists()
    again = Step2Page(_analysis(steps_folder))
    assert "Village health posts have no phone signal" in again.causes_view.value
    cause = again.result.step2.causes()["village-health-posts-have-no-phone"]
    assert (cause.level, cause.parent) == ("immediate", None)


def test_a_root_cause_needs_the_underlying_cause_it_explains(steps_folder):
    page = Step2Page(_analysis(steps_folder))
    page.cause_form["level"].value = "root"
    assert [v for _, v in page.cause_form["parent"].options] == ["few-midwives", "language-barrier", "no-cover"]
    page.cause_form["parent"].value = "no-cover"
    page.cause_form["text"].value = "Informal workers pay no contributions"
    page.cause_form.button.click()
    saved = Step2Page(_analysis(steps_folder)).result.step2.causes()
    assert saved["informal-workers-pay-no-contributions"].parent == "no-cover"


@pytest.mark.parametrize("text, level, message", [
    ("", "immediate", "Cause: the box is empty"),
    ("Orphan root cause", "root", "It explains: nothing is chosen; expected the underlying cause"),
])
def test_a_bad_cause_shows_an_error_and_changes_nothing(steps_folder, text, level, message):
    before = (steps_folder / "step2_why.yaml").read_bytes()
    page = Step2Page(_analysis(steps_folder))
    page.cause_form["level"].value = level
    page.cause_form["text"].value = text
    page.cause_form.button.click()
    assert message in said_error(page.cause_form)
    assert (steps_folder / "step2_why.yaml").read_bytes() == before
    assert not (steps_folder / "step2_why.yaml.bak").exists()


def test_deletes_that_would_break_links_are_refused_in_words(steps_folder):
    page = Step2Page(_analysis(steps_folder))
    page.cause_edit["cause"].value = "few-midwives"
    confirm_delete(page.cause_delete)
    assert "is explained by &quot;The health budget is shared out by head count" in said_error(page.cause_delete)
    page.cause_edit["cause"].value = "budget-formula"
    confirm_delete(page.cause_delete)
    assert ("Step 3 actions &quot;Needs-based formula for the rural maternal health budget&quot; address it"
            in said_error(page.cause_delete))
    page.actor_edit["actor"].value = "moh"
    confirm_delete(page.actor_delete)
    assert "The actor &quot;Ministry of Health&quot; has capacity gaps (&quot;" in said_error(page.actor_delete)
    assert "moh-" not in page.actor_delete.message.value
    page.gap_edit["gap"].value = "families-stigma"
    confirm_delete(page.gap_delete)
    saved = Step2Page(_analysis(steps_folder)).result.step2
    assert "families-stigma" not in [g.id for g in saved.capacity_gaps]


def test_adding_an_actor_a_gap_and_an_answer(steps_folder):
    page = Step2Page(_analysis(steps_folder))
    form = page.actor_form
    form["name"].value, form["kind"].value = "Village chiefs", "duty_bearer"
    form.button.click()
    assert "Level: nothing is chosen; a duty-bearer acts at a level" in said_error(form)
    form["level"].value, form["duties"].value = "family_community", "allow women to travel; report births"
    form.button.click()
    said_ok(form)
    page.gap_form["actor"].value, page.gap_form["category"].value = "village-chiefs", "knowledge"
    page.gap_form["description"].value = "Do not know the registration rules"
    page.gap_form.button.click()
    said_ok(page.gap_form)
    questions = page.checklist.form
    questions["question"].value, questions["answer"].value = "rights-holder-gaps", "partly"
    questions.button.click()
    said_ok(questions)
    saved = Step2Page(_analysis(steps_folder)).result.step2
    chief = saved.actors_by_id()["village-chiefs"]
    assert chief.obligations == ["allow women to travel", "report births"]
    assert saved.capacity_gaps[-1].actor == "village-chiefs"
    answers = {a.question: a.answer for a in saved.diagnostics}
    assert answers["rights-holder-gaps"] == "partly" and len(saved.diagnostics) == 18


def test_step2_without_step1_says_run_step1_first(steps_folder):
    (steps_folder / "outputs" / "step1" / "left_behind.csv").unlink()
    page = Step2Page(_analysis(steps_folder))
    assert "run Step 1 first" in page.priorities.value
    assert STEP1_MISSING.startswith("Step 1's results")
    page.cause_form["text"].value = "Still editable without Step 1"
    page.cause_form.button.click()
    said_ok(page.cause_form)


def test_step3_add_rate_and_delete_actions(steps_folder):
    page = Step3Page(_analysis(steps_folder))
    assert "Needs-based formula" in page.plan_view.value
    assert STIGMA in page.warnings_view.value and "`stigma`" not in page.warnings_view.value
    form = page.add_form
    form["title"].value, form["area"].value = "Anti-stigma campaign with OPDs", "advocacy"
    form["causes"].value, form["groups"].value = ("stigma",), ["With disability"]
    form["sdg_targets"].value = "10.2; 42"
    before = (steps_folder / "step3_what.yaml").read_bytes()
    form.button.click()
    assert "`42` is not an SDG target" in said_error(form)
    assert (steps_folder / "step3_what.yaml").read_bytes() == before
    form["sdg_targets"].value = "10.2"
    form.button.click()
    said_ok(form)
    again = Step3Page(_analysis(steps_folder))
    assert STIGMA not in again.warnings_view.value
    edit = again.edit_form
    edit["action"].value = "anti-stigma-campaign-with-opds"
    assert edit["groups"].value == ["With disability"] and edit["title"].value == "Anti-stigma campaign with OPDs"
    edit["feasibility"].value = 5
    edit.button.click()
    said_ok(edit)
    edit["action"].value = "mobile-registration"
    confirm_delete(again.delete_button)
    assert "recommendations &quot;Ensure free and universal birth registration" in said_error(again.delete_button)
    edit["action"].value = "maternal-health-campaign"
    confirm_delete(again.delete_button)
    said_ok(again.delete_button)
    actions = {a.id: a for a in Step3Page(_analysis(steps_folder)).result.step3.actions}
    assert actions["anti-stigma-campaign-with-opds"].feasibility == 5
    assert actions["anti-stigma-campaign-with-opds"].group_ids == ["disability=With disability"]
    assert "maternal-health-campaign" not in actions


def test_step5_ratings_recommendations_consultations_and_checklists(steps_folder):
    page = Step5Page(_analysis(steps_folder))
    assert "scored 41 out of 100" in page.score_view.value
    assert NOT_HEARD in page.log_view.value and "displacement=" not in page.log_view.value
    rating = page.rating_form
    rating["year"].value, rating["indicator"].value, rating["rating"].value = "2025", "remedies", 4
    rating.button.click()
    said_ok(rating)
    rec = page.rec_form
    rec["recommendation"].value = "crc-2021-33"
    assert rec["status"].value == "not_started"
    rec["status"].value, rec["actions"].value = "in_progress", ("enrol-without-papers",)
    rec.button.click()
    said_ok(rec)
    log = page.consultation_form
    log["title"].value, log["method"].value, log["total"].value, log["female"].value = "Camp meeting", "hearing", "10", "12"
    before = (steps_folder / "step5_accountability.yaml").read_bytes()
    log.button.click()
    assert "People in total: 10, but women and men add up to 12" in said_error(log)
    assert (steps_folder / "step5_accountability.yaml").read_bytes() == before
    log["female"].value, log["groups"].value = "6", ["Displaced"]
    log.button.click()
    said_ok(log)
    vnr = page.checklists["vnr"].form
    vnr["question"].value, vnr["answer"].value = "budget", "partly"
    vnr.button.click()
    said_ok(vnr)

    again = Step5Page(_analysis(steps_folder))
    ratings = [r for r in again.result.step5.scorecards[0].ratings if r.year == 2025]
    assert len(ratings) == 18 and next(r for r in ratings if r.indicator == "remedies").rating == 4
    saved = next(r for r in again.result.recommendations.recommendations if r.id == "crc-2021-33")
    assert (saved.status, saved.action_ids) == ("in_progress", ["enrol-without-papers"])
    camp = again.result.step5.consultations[-1]
    assert (camp.id, camp.participants.by_sex) == ("camp-meeting", {"female": 6, "male": 0, "not_stated": 4})
    assert NOT_HEARD not in again.log_view.value
    assert {a.question: a.answer for a in again.result.step5.checklists["vnr"]}["budget"] == "partly"
    again.consultation_edit["consultation"].value = "camp-meeting"
    confirm_delete(again.consultation_delete)
    assert "camp-meeting" not in [c.id for c in Step5Page(_analysis(steps_folder)).result.step5.consultations]


def test_pages_write_their_step_outputs_and_rewrite_them_after_a_save(steps_folder):
    Step2Page(_analysis(steps_folder))
    Step5Page(_analysis(steps_folder))
    page = Step3Page(_analysis(steps_folder))
    for written in ("step2/group_priorities.csv", "step3/action_plan.csv", "step5/recommendation_coverage.csv"):
        assert (steps_folder / "outputs" / written).exists(), written
    form = page.add_form
    form["title"].value, form["area"].value = "Disability inclusion audit of health posts", "services"
    form.button.click()
    assert "Disability inclusion audit of health posts" in (steps_folder / "outputs" / "step3" / "action_plan.csv").read_text()


def test_two_tabs_a_stale_delete_is_refused_and_shows_the_fresh_version(steps_folder):
    """One person renamed an entry; another, whose tab still shows the old one, deletes it."""
    from lnob_helpers.entries import edit_entries
    from lnob_helpers.why.models import load_step2, save_step2

    first = Step2Page(_analysis(steps_folder))
    first.actor_form["name"].value = "Temporary helper"
    first.actor_form["kind"].value = "other_actor"
    first.actor_form["contribution"].value = "Lends a room"
    first.actor_form.button.click()
    said_ok(first.actor_form)
    actor_id = next(a.id for a in first.result.step2.actors if a.name == "Temporary helper")
    second = Step2Page(_analysis(steps_folder))  # the other tab, drawn now

    def rename(data):
        next(a for a in data["actors"] if a["id"] == actor_id)["contribution"] = "Lends a room and a projector"
    edit_entries(steps_folder / "step2_why.yaml", load_step2, rename, save_step2)

    second.actor_edit["actor"].value = actor_id
    confirm_delete(second.actor_delete)
    assert "Someone else changed the entry" in said_error(second.actor_delete)
    kept = {a.id: a for a in load_step2(steps_folder / "step2_why.yaml").actors}
    assert kept[actor_id].contribution == "Lends a room and a projector"
    assert second.actor_edit["contribution"].value == "Lends a room and a projector"
    confirm_delete(second.actor_delete)  # now it has seen their version: the delete goes through
    said_ok(second.actor_delete)
    assert actor_id not in {a.id for a in load_step2(steps_folder / "step2_why.yaml").actors}
