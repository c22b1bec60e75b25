"""Changing, deleting and undoing every kind of entry on the Step 2, 3 and 5 pages, without a browser.

Each test clicks through a page's callbacks as a person would: add an entry, change it, delete it
(after answering "Yes, delete") and take the delete back with Undo, rebuilding the page from the
steps_folder after each step to see what a reload shows. Bad input is refused with one sentence in the
form's own message line and leaves the file as it was. The last tests look at what people read:
labels rather than ids in lists and table headers, help under every control, buttons that fit.
"""

import datetime as dt
import html
import re

import ipywidgets as w
import pytest
from fixtures_steps import STEP_FILES, confirm_delete, said_error, said_ok, undo_beside  # tests/ is on sys.path

from lnob_helpers.config import load_analysis
from lnob_helpers.ui.forms import Form
from lnob_helpers.ui.step2 import Step2Page
from lnob_helpers.ui.step3 import Step3Page
from lnob_helpers.ui.step5 import Step5Page

# what an id looks like: lower-case words joined by - _ or = ("few-midwives", "n_gaps", "area=Rural")
ID_LIKE = re.compile(r"^[a-z0-9%]+(?:[-_=][a-z0-9%]+)+$")


def _step2(steps_folder) -> Step2Page:
    return Step2Page(load_analysis(steps_folder))


def _step3(steps_folder) -> Step3Page:
    return Step3Page(load_analysis(steps_folder))


def _step5(steps_folder) -> Step5Page:
    return Step5Page(load_analysis(steps_folder))


# --- Step 2 ---------------------------------------------------------------------------------

def test_problem_tree_added_renamed_deleted_and_undone(steps_folder):
    page = _step2(steps_folder)
    form = page.tree_form
    form["title"].value = "Girls out of school in host areas"
    form["manifestation"].value = "Half of displaced girls aged 12-15 are not in school."
    form["groups"].value, form["rights"].value = ["Displaced"], "right to education"
    form.button.click()
    assert "Problem tree &quot;Girls out of school in host areas&quot; added." in said_ok(form)
    new_id = page.tree_pick.value
    assert page.tree_edit["title"].value == "Girls out of school in host areas"
    assert page.tree_edit["groups"].value == ["Displaced"]

    page.tree_edit["title"].value = "Displaced girls out of school"
    page.tree_edit.button.click()
    said_ok(page.tree_edit)
    tree = next(t for t in _step2(steps_folder).result.step2.problem_trees if t.id == new_id)
    assert (tree.title, tree.group_ids, tree.rights) == ("Displaced girls out of school", ["displacement=Displaced"],
                                                         ["right to education"])

    question = confirm_delete(page.tree_delete)
    assert "Delete the problem tree &quot;Displaced girls out of school&quot; with all its causes?" in question
    assert "deleted" in said_ok(page.tree_delete)
    assert new_id not in [t.id for t in _step2(steps_folder).result.step2.problem_trees]
    undo_beside(page.tree_delete)
    assert new_id in [value for _, value in page.tree_pick.options]
    back = _step2(steps_folder)
    assert "Displaced girls out of school" in [t.title for t in back.result.step2.problem_trees]

    back.tree_pick.value = "tamar-births"
    confirm_delete(back.tree_delete)
    assert "cannot be deleted: Step 3 actions &quot;" in said_error(back.tree_delete)


def test_causes_reworded_deleted_and_undone(steps_folder):
    page = _step2(steps_folder)
    edit = page.cause_edit
    edit["cause"].value = "home-births"
    assert edit["text"].value.startswith("Women give birth at home")
    edit["text"].value = "Women give birth at home: the nearest midwife is a day's walk away"
    edit.button.click()
    said_ok(edit)
    causes = _step2(steps_folder).result.step2.causes()
    assert causes["home-births"].text == "Women give birth at home: the nearest midwife is a day's walk away"
    assert causes["few-midwives"].parent == "home-births"

    page.cause_form["text"].value = "A cause to remove"
    page.cause_form.button.click()
    edit["cause"].value = "a-cause-to-remove"
    page.cause_delete.button.click()
    assert "Delete the cause &quot;A cause to remove&quot;?" in page.cause_delete.question.value
    page.cause_delete.cancel.click()   # Cancel keeps it
    assert not page.cause_delete.asking
    assert "a-cause-to-remove" in _step2(steps_folder).result.step2.causes()
    page.cause_delete.button.click()
    edit["cause"].value = "home-births"  # another choice takes the question back
    assert not page.cause_delete.asking
    edit["cause"].value = "a-cause-to-remove"
    confirm_delete(page.cause_delete)
    assert "Cause &quot;A cause to remove&quot; deleted." in said_ok(page.cause_delete)
    assert "A cause to remove" not in page.causes_view.value
    assert "a-cause-to-remove" not in _step2(steps_folder).result.step2.causes()
    undo_beside(page.cause_delete)
    assert "A cause to remove" in page.causes_view.value
    assert "a-cause-to-remove" in _step2(steps_folder).result.step2.causes()


def test_actors_edited_deleted_and_undone(steps_folder):
    page = _step2(steps_folder)
    edit = page.actor_edit
    edit["actor"].value = "tamar-womens-network"
    assert edit["name"].value == "Tamar Women's Network"
    edit["name"].value = "Tamar Women's Network (TWN)"
    edit["groups"].value = ["Bottom 40%, Rural, Tamar", "Displaced"]
    edit.button.click()
    assert "&quot;Tamar Women&#x27;s Network (TWN)&quot; saved." in said_ok(edit)
    actor = _step2(steps_folder).result.step2.actors_by_id()["tamar-womens-network"]
    assert actor.name == "Tamar Women's Network (TWN)"
    assert actor.group_ids == ["bottom40=Bottom 40% & area=Rural & ethnicity=Tamar", "displacement=Displaced"]

    edit["actor"].value = "moh"
    edit["kind"].value = "other_actor"
    edit.button.click()
    assert "Role: &quot;Ministry of Health&quot; is the duty-bearer of Step 3 actions" in said_error(edit)

    page.actor_form["name"].value, page.actor_form["kind"].value = "Temporary helper", "other_actor"
    page.actor_form.button.click()
    edit["actor"].value = "temporary-helper"
    assert "Delete the actor &quot;Temporary helper&quot;?" in confirm_delete(page.actor_delete)
    assert "temporary-helper" not in _step2(steps_folder).result.step2.actors_by_id()
    undo_beside(page.actor_delete)
    assert _step2(steps_folder).result.step2.actors_by_id()["temporary-helper"].name == "Temporary helper"


def test_capacity_gaps_added_edited_deleted_and_undone(steps_folder):
    page = _step2(steps_folder)
    add = page.gap_form
    add["actor"].value, add["category"].value = "civil-registry", "resources"
    add["description"].value = "No vehicles for mobile registration"
    add.button.click()
    said_ok(add)
    edit = page.gap_edit
    edit["gap"].value = "no-vehicles-for-mobile-registration"
    assert (edit["actor"].value, edit["category"].value) == ("civil-registry", "resources")
    edit["category"].value, edit["description"].value = "authority", "No mandate to register outside home districts"
    edit.button.click()
    said_ok(edit)
    gap = next(g for g in _step2(steps_folder).result.step2.capacity_gaps if g.id == "no-vehicles-for-mobile-registration")
    assert (gap.category, gap.description) == ("authority", "No mandate to register outside home districts")
    assert "Delete the capacity gap &quot;No mandate to register" in confirm_delete(page.gap_delete)
    assert gap.id not in [g.id for g in _step2(steps_folder).result.step2.capacity_gaps]
    undo_beside(page.gap_delete)
    assert gap.id in [g.id for g in _step2(steps_folder).result.step2.capacity_gaps]


def test_typing_in_one_form_survives_a_save_in_another(steps_folder):
    page = _step2(steps_folder)
    page.actor_edit["actor"].value = "moh"
    page.actor_edit["name"].value = "Ministry of Health and Sanitation"   # not saved yet
    page.gap_form["actor"].value, page.gap_form["category"].value = "moh", "knowledge"
    page.gap_form["description"].value = "No training on the Tamar language"
    page.gap_form.button.click()
    said_ok(page.gap_form)
    assert page.actor_edit["name"].value == "Ministry of Health and Sanitation"
    page.actor_edit["actor"].value = "moe"
    assert page.actor_edit["name"].value == "Ministry of Education"


def test_groups_chosen_for_the_analysis_by_name(steps_folder):
    page = _step2(steps_folder)
    choose = page.choose_form
    choose["group"].value = "Bottm 40%"
    choose.button.click()
    assert "Group: &#x27;Bottm 40%&#x27; is not one of the groups; did you mean &#x27;Bottom 40%&#x27;?" in said_error(choose)
    choose["group"].value = "Bottom 40%"
    choose.button.click()
    assert "&quot;Bottom 40%&quot; chosen for the causal analysis." in said_ok(choose)
    assert "bottom40=Bottom 40%" in _step2(steps_folder).result.step2.priority_groups
    choose["group"].value = "Displaced"
    choose.button.click()
    assert "is already chosen" in said_error(choose)
    page.unchoose["chosen"].value = "bottom40=Bottom 40%"
    assert "Delete &quot;Bottom 40%&quot; from the team&#x27;s choice?" in confirm_delete(page.unchoose)
    assert "bottom40=Bottom 40%" not in _step2(steps_folder).result.step2.priority_groups
    undo_beside(page.unchoose)
    assert "bottom40=Bottom 40%" in _step2(steps_folder).result.step2.priority_groups


# --- Step 3 ---------------------------------------------------------------------------------

def test_actions_added_edited_deleted_and_undone(steps_folder):
    page = _step3(steps_folder)
    add = page.add_form
    add["title"].value, add["area"].value = "Sign-language interpreters at district health posts", "services"
    add["groups"].value, add["causes"].value = ["With disability", "Everyone (universal action)"], ("stigma",)
    add.button.click()
    said_ok(add)
    again = _step3(steps_folder)
    action = next(a for a in again.result.step3.actions if a.title.startswith("Sign-language"))
    assert action.group_ids == ["disability=With disability", "all"]
    assert "With disability; Everyone" in again.plan_view.value

    edit = again.edit_form
    edit["action"].value = action.id
    assert edit["groups"].value == ["With disability", "Everyone (universal action)"]
    edit["title"].value, edit["cost"].value = "Sign-language interpreters at every district health post", 2
    edit.button.click()
    said_ok(edit)
    saved = {a.id: a for a in _step3(steps_folder).result.step3.actions}[action.id]
    assert (saved.title, saved.cost, saved.cause_ids) == ("Sign-language interpreters at every district health post",
                                                          2, ["stigma"])
    assert "Delete the action &quot;Sign-language interpreters" in confirm_delete(again.delete_button)
    assert action.id not in {a.id for a in _step3(steps_folder).result.step3.actions}
    undo_beside(again.delete_button)
    assert action.id in {a.id for a in _step3(steps_folder).result.step3.actions}


# --- Step 5 ---------------------------------------------------------------------------------

def test_scorecard_ratings_added_changed_deleted_and_undone(steps_folder):
    page = _step5(steps_folder)
    form = page.rating_form
    form["year"].value, form["indicator"].value = "2024", "remedies"
    form["rating"].value, form["evidence"].value = 3, "Ombudsman office opened"
    form.button.click()
    said_ok(form)

    def rating(year):
        ratings = _step5(steps_folder).result.step5.scorecards[0].ratings
        return next((r for r in ratings if (r.year, r.indicator) == (year, "remedies")), None)

    assert (rating(2024).rating, rating(2024).evidence) == (3, "Ombudsman office opened")
    form["year"].value = "2023"
    assert form["rating"].value == 1   # the rating already given is shown
    form["year"].value = "2024"
    assert (form["rating"].value, form["evidence"].value) == (3, "Ombudsman office opened")
    form["rating"].value = 4
    form.button.click()
    said_ok(form)
    assert rating(2024).rating == 4
    question = confirm_delete(page.rating_delete)
    assert "Delete the 2024 rating of &quot;" in question and "remedies" not in question
    assert rating(2024) is None
    undo_beside(page.rating_delete)
    assert rating(2024).rating == 4


def test_recommendations_added_edited_deleted_and_undone(steps_folder):
    page = _step5(steps_folder)
    add = page.rec_add
    add["text"].value = "Guarantee inclusive education for children with disabilities in host schools"
    add["mechanism"].value, add["body"].value = "treaty_body", "Committee on the Rights of Persons with Disabilities"
    add["date"].value, add["groups"].value = dt.date(2023, 9, 1), ["With disability", "Displaced"]
    add["sdg_targets"].value = "4.5"
    add.button.click()
    said_ok(add)
    rec = _step5(steps_folder).result.recommendations.recommendations[-1]
    assert (rec.date, rec.affected_groups, rec.sdg_targets) == (dt.date(2023, 9, 1),
                                                               ["disability=With disability", "displacement=Displaced"],
                                                               ["4.5"])
    edit = page.rec_form
    edit["recommendation"].value = rec.id
    assert edit["groups"].value == ["With disability", "Displaced"]
    edit["text"].value = "Guarantee inclusive education in host schools"
    edit["groups"].value, edit["status"].value = ["With disability"], "in_progress"
    edit["actions"].value = ("enrol-without-papers",)
    edit.button.click()
    said_ok(edit)
    saved = next(r for r in _step5(steps_folder).result.recommendations.recommendations if r.id == rec.id)
    assert (saved.text, saved.status, saved.affected_groups, saved.action_ids) == (
        "Guarantee inclusive education in host schools", "in_progress", ["disability=With disability"],
        ["enrol-without-papers"])
    assert "Delete the recommendation &quot;Guarantee inclusive education" in confirm_delete(page.rec_delete)
    assert rec.id not in [r.id for r in _step5(steps_folder).result.recommendations.recommendations]
    undo_beside(page.rec_delete)
    assert rec.id in [r.id for r in _step5(steps_folder).result.recommendations.recommendations]


def test_consultations_added_edited_deleted_and_undone(steps_folder):
    page = _step5(steps_folder)
    add = page.consultation_form
    add["title"].value, add["method"].value, add["date"].value = "Camp meeting", "hearing", dt.date(2025, 3, 2)
    add["total"].value, add["female"].value, add["with_disability"].value = "20", "12", "3"
    add["groups"].value, add["accessibility"].value = ["Displaced"], "sign language; step-free venue"
    add.button.click()
    said_ok(add)
    edit = page.consultation_edit
    edit["consultation"].value = "camp-meeting"
    assert (edit["total"].value, edit["female"].value, edit["male"].value) == ("20", "12", "0")
    assert edit["groups"].value == ["Displaced"]
    edit["title"].value, edit["total"].value, edit["male"].value = "Camp meeting in Riverside", "25", "10"
    edit["feedback_given"].value, edit["feedback_how"].value = True, "Results read out at the next meeting"
    edit.button.click()
    said_ok(edit)
    camp = next(c for c in _step5(steps_folder).result.step5.consultations if c.id == "camp-meeting")
    assert camp.title == "Camp meeting in Riverside" and camp.participants.total == 25
    assert camp.participants.by_sex == {"female": 12, "male": 10, "not_stated": 3}
    assert camp.participants.by_disability == {"with_disability": 3, "not_stated": 22}
    assert "Delete the consultation &quot;Camp meeting in Riverside&quot;?" in confirm_delete(page.consultation_delete)
    assert "camp-meeting" not in [c.id for c in _step5(steps_folder).result.step5.consultations]
    undo_beside(page.consultation_delete)
    assert "Camp meeting in Riverside" in _step5(steps_folder).log_view.value


def test_editing_a_consultation_keeps_what_the_form_does_not_show(steps_folder):
    page = _step5(steps_folder)
    edit = page.consultation_edit
    edit["consultation"].value = "tamar-women-highlands"
    edit["location"].value = "Three villages in Eastern Highlands"
    edit.button.click()
    said_ok(edit)
    saved = next(c for c in _step5(steps_folder).result.step5.consultations if c.id == "tamar-women-highlands")
    assert saved.location == "Three villages in Eastern Highlands"
    assert saved.participants.by_age == {"15-24": 11, "25-44": 21, "45-64": 6} and saved.step == [1, 2]
    assert saved.participants.by_disability == {"with_disability": 2, "without_disability": 36, "not_stated": 0}
    edit["total"].value = "40"
    edit.button.click()
    assert "the age groups recorded for this consultation add up to 38" in said_error(edit)


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, message", [
    ("total", "-4", "People in total: -4 is below zero; expected a count of 0 or more."),
    ("total", "", "People in total: the box is empty"),
    ("female", "2.5", "of whom women: 2.5 is not a whole number"),
    ("with_disability", "three", "with a disability: &#x27;three&#x27; is not a number"),
    ("date", dt.date.today() + dt.timedelta(days=3), "is in the future; expected today or an earlier date."),
    ("date", None, "Date: no date is given"),
])
def test_bad_consultation_input_is_refused_with_a_sentence(steps_folder, field, value, message):
    before = (steps_folder / "step5_accountability.yaml").read_bytes()
    page = _step5(steps_folder)
    for form in (page.consultation_form, page.consultation_edit):
        if form is page.consultation_edit:
            form["consultation"].value = "tamar-women-highlands"
        else:
            form["title"].value, form["method"].value, form["total"].value = "Camp meeting", "hearing", "10"
        form[field].value = value
        form.button.click()
        assert message in said_error(form)
    assert (steps_folder / "step5_accountability.yaml").read_bytes() == before


@pytest.mark.parametrize("year, message", [
    ("", "Year: the box is empty"),
    ("2099", "Year: 2099 is above"),
    ("1999", "Year: 1999 is below 2000"),
    ("20x5", "Year: &#x27;20x5&#x27; is not a number"),
])
def test_bad_rating_year_is_refused(steps_folder, year, message):
    before = (steps_folder / "step5_accountability.yaml").read_bytes()
    page = _step5(steps_folder)
    form = page.rating_form
    form["indicator"].value, form["rating"].value, form["year"].value = "remedies", 3, year
    form.button.click()
    assert message in said_error(form)
    page.rating_delete.button.click()
    assert message in said_error(page.rating_delete) and not page.rating_delete.asking
    assert (steps_folder / "step5_accountability.yaml").read_bytes() == before


def test_bad_recommendation_and_emptied_boxes_are_refused(steps_folder):
    before = {name: (steps_folder / name).read_bytes() for name in STEP_FILES}
    page = _step5(steps_folder)
    add = page.rec_add
    add["text"].value, add["mechanism"].value = "Ratify the Kampala Convention", "regional"
    add["date"].value = dt.date.today() + dt.timedelta(days=30)
    add.button.click()
    assert "Date: " in said_error(add) and "is in the future" in add.message.value
    add["date"].value = None
    add.button.click()
    assert "Date: no date is given" in said_error(add)
    page.rec_form["recommendation"].value = "crc-2021-33"
    page.rec_form["text"].value = "  "
    page.rec_form.button.click()
    assert "Wording: the box is empty" in said_error(page.rec_form)
    step2 = _step2(steps_folder)
    step2.tree_edit["title"].value = ""
    step2.tree_edit.button.click()
    assert "Title: the box is empty" in said_error(step2.tree_edit)
    step2.cause_edit["cause"].value = None
    _delete_attempt = step2.cause_delete.button.click()  # nothing chosen: said at once, no question
    assert _delete_attempt is None and not step2.cause_delete.asking
    assert "Cause: nothing is chosen" in said_error(step2.cause_delete)
    assert {name: (steps_folder / name).read_bytes() for name in STEP_FILES} == before


# --- words, not ids; help; layout --------------------------------------------------------------

def _widgets(root: w.Widget):
    yield root
    for child in getattr(root, "children", ()):
        yield from _widgets(child)


def _known_ids(page) -> set[str]:
    result = page.result
    ids = set()
    for name in ("step2", "step3", "step5", "recommendations"):
        part = getattr(result, name, None)
        if part is not None:
            ids |= {v for v in re.findall(r"'id': '([^']+)'", str(part.model_dump()))}
    if result.groups is not None:
        ids |= set(result.groups["group_id"])
    return ids


def _option_labels(widget) -> list[str]:
    if isinstance(widget, (w.Dropdown, w.SelectMultiple)):
        return [label for label, _ in widget.options if label]
    if isinstance(widget, w.TagsInput):
        return list(widget.allowed_tags)
    if isinstance(widget, w.Combobox):
        return list(widget.options)
    return []


def _pages(steps_folder):
    step2, step3, step5 = _step2(steps_folder), _step3(steps_folder), _step5(steps_folder)
    step2.actor_edit["actor"].value, step2.gap_edit["gap"].value = "moh", "families-stigma"
    step3.edit_form["action"].value = "mobile-registration"
    step5.rec_form["recommendation"].value = "crc-2021-33"
    step5.consultation_edit["consultation"].value = "tamar-women-highlands"
    return step2, step3, step5


def _readable(root: w.Widget) -> list[str]:
    """What a person can read: the text of every HTML part, labels, titles, placeholders and options."""
    texts = []
    for widget in _widgets(root):
        if isinstance(widget, (w.HTML, w.Label)):
            texts.append(_html_text(widget.value))
        texts += [getattr(widget, name) for name in ("description", "placeholder", "tooltip")
                  if isinstance(getattr(widget, name, None), str)]
        texts += list(getattr(widget, "titles", ()) or ()) + _option_labels(widget)
    return texts


def _html_text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", " ", markup, flags=re.S)))


def _ids_in(texts: list[str], known: set[str]) -> list[str]:
    """Entry ids (`few-midwives`), group ids (`area=Rural`) and snake_case words found in `texts`."""
    slugs = sorted((k for k in known if "-" in k), key=len, reverse=True)
    patterns = [re.compile(r"\b[a-z][a-z0-9_]*=\S"), re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b"),
                re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, slugs)) + r")(?![\w-])")]
    return [f"{m.group()!r} in {text[max(0, m.start() - 40):m.end() + 40]!r}"
            for text in texts for pattern in patterns for m in pattern.finditer(text)]


def test_lists_and_table_headers_show_words_not_ids(steps_folder):
    for page in _pages(steps_folder):
        known = _known_ids(page)
        labels = [label for widget in _widgets(page.widget) for label in _option_labels(widget)]
        assert len(labels) > 20
        bad = [label for label in labels if label in known or ID_LIKE.match(label) or "=" in label]
        assert bad == [], type(page).__name__
        tables = [widget.value for widget in _widgets(page.widget) if isinstance(widget, w.HTML) and "<table" in widget.value]
        headers = [h for table in tables for h in re.findall(r"<th[^>]*>(.*?)</th>", table, flags=re.S)]
        assert headers and [h for h in headers if "_" in h or ID_LIKE.match(h.strip()) or h.strip() in known] == []
        assert _ids_in(_readable(page.widget), known) == [], type(page).__name__
    step2, step3, step5 = _pages(steps_folder)
    assert "Bottom 40%, Rural, Tamar" in step2.actors_view.value and "ethnicity=Tamar" not in step2.actors_view.value
    assert "home-births" not in step2.causes_view.value and ">id<" not in step2.causes_view.value
    assert "Bottom 40%, Rural, Tamar" in step3.plan_view.value and "bottom40=" not in step3.plan_view.value
    assert "crc-2021" not in step5.recs_view.value and "Tamar; Rural" in step5.recs_view.value
    assert "Consultation &quot;Public hearing on flood recovery&quot; (20" in step5.log_view.value


@pytest.mark.parametrize("step", ["step2", "step3", "step5"])
def test_reports_show_words_not_ids(steps_folder, step, monkeypatch):
    import importlib

    from lnob_helpers.ui import forms

    module = importlib.import_module(f"lnob_helpers.ui.{step}")
    page = {"step2": _step2, "step3": _step3, "step5": _step5}[step](steps_folder)
    shown = []
    monkeypatch.setattr(forms, "display", lambda obj, *a, **k: shown.append(obj))
    module.render_report(page.result)
    texts = [_html_text(obj.data) for obj in shown if type(obj).__name__ in ("HTML", "Markdown")]
    assert len(texts) > 5
    assert _ids_in(texts, _known_ids(page)) == []


def test_every_control_has_a_line_of_help_under_it(steps_folder):
    for page in _pages(steps_folder):
        forms = [value for value in vars(page).values() if isinstance(value, Form)]
        forms += [c.form for c in ([page.checklist] if hasattr(page, "checklist") else [])]
        forms += [c.form for c in getattr(page, "checklists", {}).values()]
        assert len(forms) >= 3
        for form in forms:
            kids = list(form.box.children)
            for name, field in form.fields.items():
                at = next(i for i, kid in enumerate(kids) if kid is field or field in getattr(kid, "children", ()))
                assert "lnob-help" in getattr(kids[at + 1], "value", ""), (type(page).__name__, name)


def test_step_bar_on_top_and_nothing_cut_or_too_wide(steps_folder):
    for page, notebook in zip(_pages(steps_folder), ("2_why", "3_what", "5_accountability")):
        bar = page.widget.children[0]
        assert "lnob-stepbar" in bar.value and "lnob-current" in bar.value
        assert f'href="./{notebook}.ipynb"' not in bar.value   # the current page is marked, not linked
        widgets = list(_widgets(page.widget))
        assert not any(isinstance(x, w.Tab) for x in widgets)  # tab titles are cut at 144 px
        cut = [b.description for b in widgets if isinstance(b, w.Button)
               and b.layout.width != "auto" and len(b.description) > 14]
        assert cut == []
        for view in widgets:
            if isinstance(view, w.HTML) and "<table" in view.value:
                assert "lnob-scroll" in view.value or view.layout.overflow == "auto"
