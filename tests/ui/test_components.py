"""The shared page components without a browser: every button is clicked in Python.

What a person sees is checked through the widgets' values: the message beside the control
that caused it, the sentence of every input check, the question before a delete, the Undo
after a change, and the step bar. That the scroll script really scrolls under Voilà was
checked by hand with Playwright against the app's template (see the issue 13 notes); here
the script is checked to name only the message line's own class.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ipywidgets as w
import pandas as pd
import pytest
from pydantic import BaseModel

from lnob_helpers.errors import InputError
from lnob_helpers.ui.feedback import Alerts, busy, guarded
from lnob_helpers.ui.forms import (DeleteButton, Form, GroupPicker, StepPage, UndoLine, checked_count, checked_date,
                                   checked_number, chosen, group_picker, help_line, picked_group, picked_groups,
                                   required, text)
from lnob_helpers.ui.navigation import PAGES, page_of, refresh_step_bar, step_bar
from lnob_helpers.yamlstore import load_model, save_model, versions

TODAY = dt.date(2025, 6, 15)


class Note(BaseModel):
    title: str
    count: int = 0


class Page:
    """A page with a form, a delete button and a plain button, recording what its callbacks saw."""

    def __init__(self, folder: Path | None = None) -> None:
        self.alerts = Alerts()
        self.calls: list[str] = []
        self.disabled_while_working: list[bool] = []
        self.form = Form({"name": text("Name")}, "Save", self.save, title="New <note>", help="Type a <b>name</b>.")
        self.delete = DeleteButton("Delete note", self.remove, fields={"note": w.Dropdown(options=["a", "b"])},
                                   what=self.which)
        self.go = w.Button(description="Go")
        self.go.on_click(self.on_go)
        self.failure: Exception | None = None

    @guarded
    def save(self, form: Form) -> None:
        self.disabled_while_working.append(form.button.disabled)
        name = required(form["name"].value, "Name")
        self.redraw()
        form.done(f"Saved {name}.")

    @guarded
    def redraw(self) -> None:
        self.calls.append("redraw")
        if self.failure:
            raise self.failure

    @guarded
    def reload(self, form: Form) -> None:
        self.redraw()

    @guarded
    def on_go(self, button: w.Button) -> None:
        raise InputError("Go: nothing to do.")

    def which(self, form: DeleteButton) -> str:
        return f"the note \"{chosen(form['note'].value, 'Note')}\""

    @guarded
    def remove(self, form: DeleteButton) -> None:
        self.calls.append(f"remove {form['note'].value}")
        form.done("Note deleted.")


# --- messages beside the control --------------------------------------------------------------

def test_a_forms_mistake_shows_under_its_own_button_and_is_scrolled_to():
    page = Page()
    page.form.button.click()
    assert "Name: the box is empty; expected some text." in page.form.message.value
    assert "lnob-error" in page.form.message.value and page.alerts.value == ""
    script = page.form.message.scroller.outputs[0]["data"]["application/javascript"]
    assert f"querySelector('.{page.form.message.css_class}')" in script and "scrollIntoView" in script
    assert page.form.message.css_class in page.form.message._dom_classes
    assert page.disabled_while_working == [True] and not page.form.button.disabled


def test_done_says_success_in_green_beside_the_button_and_escapes_what_people_typed():
    page = Page()
    page.form["name"].value = "Tamar <villages>"
    page.form.button.click()
    assert "lnob-ok" in page.form.message.value
    assert "Saved Tamar &lt;villages&gt;." in page.form.message.value
    assert "New &lt;note&gt;" in page.form.box.children[0].value          # the title, escaped
    assert "Type a &lt;b&gt;name&lt;/b&gt;." in page.form.box.children[1].value  # the help, escaped


def test_a_new_click_clears_the_old_message_first():
    page = Page()
    page.form.button.click()
    page.form["name"].value = "x"
    page.form.button.click()
    assert "empty" not in page.form.message.value and "Saved x." in page.form.message.value


def test_a_redraw_inside_a_forms_work_speaks_in_the_same_line():
    page = Page()
    page.failure = KeyError("internal_<column>")
    reload = Form({}, "Reload", page.reload)
    reload.button.click()
    assert page.calls == ["redraw"] and page.alerts.value == ""
    assert "Something went wrong" in reload.message.value and "internal" not in reload.message.value


def test_other_callbacks_use_the_pages_alert_line():
    page = Page()
    page.go.click()
    assert "Go: nothing to do." in page.alerts.value and not page.go.disabled
    page.failure = RuntimeError("Traceback <b>secret</b>")
    page.redraw()
    for leak in ("Traceback", "secret", "RuntimeError"):
        assert leak not in page.alerts.value
    assert "Something went wrong" in page.alerts.value


def test_pydantic_patterns_never_reach_the_page():
    page = Page()
    page.failure = InputError("evidence.yaml: `date` String should match pattern '^\\d{4}(-\\d{2})?$'.")
    page.redraw()
    assert "pattern" not in page.alerts.value and "\\d" not in page.alerts.value
    assert "`date` is not in the expected form." in page.alerts.value


def test_a_message_of_several_sentences_shows_one_per_line():
    alerts = Alerts()
    alerts.show("First <one>.\nSecond.", "error")
    assert "First &lt;one&gt;.<br>Second." in alerts.value


def test_busy_can_speak_in_a_forms_line():
    page = Page()
    with busy(page.form, "Growing the tree…"):
        assert "Growing the tree" in page.form.message.value
    assert page.form.message.value == ""


# --- input checks -----------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("2024-05-01", "2024-05-01"), (" 2024-5-1 ", "2024-05-01"), ("2024-05", "2024-05"), ("2024", "2024"),
    (dt.date(2025, 6, 15), "2025-06-15"), (dt.datetime(2024, 1, 2, 10, 30), "2024-01-02"), ("2025-06", "2025-06"),
])
def test_checked_date_accepts_dates_up_to_today(value, expected):
    assert checked_date(value, "Date", today=TODAY) == expected


@pytest.mark.parametrize("value, sentence", [
    ("", "Date: no date is given; expected a date like 2024-05-01 (or just 2024-05, or 2024)."),
    (None, "Date: no date is given; expected a date like 2024-05-01 (or just 2024-05, or 2024)."),
    ("last spring", "Date: 'last spring' is not a date; expected a date like 2024-05-01 (or just 2024-05, or 2024)."),
    ("2024-02-30", "Date: '2024-02-30' is not a date; expected a date like 2024-05-01 (or just 2024-05, or 2024)."),
    ("01/05/2024", "Date: '01/05/2024' is not a date; expected a date like 2024-05-01 (or just 2024-05, or 2024)."),
    ("2025-06-16", "Date: 2025-06-16 is in the future; expected today or an earlier date."),
    ("2025-07", "Date: 2025-07 is in the future; expected today or an earlier date."),
    ("2031", "Date: 2031 is in the future; expected today or an earlier date."),
    (dt.date(2026, 1, 1), "Date: 2026-01-01 is in the future; expected today or an earlier date."),
])
def test_checked_date_sentences(value, sentence):
    with pytest.raises(InputError) as err:
        checked_date(value, "Date", today=TODAY)
    assert str(err.value) == sentence


@pytest.mark.parametrize("value, expected", [("0", 0), (" 12 ", 12), ("1,200", 1200), ("1 200", 1200), (25, 25),
                                             (3.0, 3), ("7.0", 7)])
def test_checked_count_accepts_whole_numbers_from_zero(value, expected):
    assert checked_count(value, "People") == expected


@pytest.mark.parametrize("value, sentence", [
    ("", "People: the box is empty; expected a number like 0, 12 or 250."),
    ("   ", "People: the box is empty; expected a number like 0, 12 or 250."),
    (None, "People: the box is empty; expected a number like 0, 12 or 250."),
    ("-3", "People: -3 is below zero; expected a count of 0 or more."),
    ("2.5", "People: 2.5 is not a whole number; expected a count like 0, 12 or 250."),
    ("many", "People: 'many' is not a number; expected a count like 0, 12 or 250."),
    ("inf", "People: 'inf' is not a number; expected a count like 0, 12 or 250."),
    (True, "People: expected a number like 0, 12 or 250."),
])
def test_checked_count_sentences(value, sentence):
    with pytest.raises(InputError) as err:
        checked_count(value, "People")
    assert str(err.value) == sentence


def test_checked_number_reads_numbers_within_bounds():
    assert checked_number("12.5", "Target") == 12.5
    assert checked_number(" -3 ", "Change") == -3.0
    assert checked_number("100", "Target", low=0, high=100) == 100.0


@pytest.mark.parametrize("value, low, high, sentence", [
    ("", 0, 100, "Target: the box is empty; expected a number like 12.5."),
    ("abc", None, None, "Target: 'abc' is not a number; expected a number like 12.5."),
    ("nan", None, None, "Target: 'nan' is not a number; expected a number like 12.5."),
    ("0,5", None, None, "Target: '0,5' uses a comma; write the number with a point, like 0.5."),
    ("150", 0, 100, "Target: 150 is above 100; expected a number from 0 to 100."),
    ("-1", 0, 100, "Target: -1 is below 0; expected a number from 0 to 100."),
    ("-1", 0, None, "Target: -1 is below 0; expected a number of 0 or more."),
    ("2.5", None, 1, "Target: 2.5 is above 1; expected a number of 1 or less."),
])
def test_checked_number_sentences(value, low, high, sentence):
    with pytest.raises(InputError) as err:
        checked_number(value, "Target", low, high)
    assert str(err.value) == sentence


# --- groups by name ------------------------------------------------------------------------------

GROUPS = pd.DataFrame({"group_id": ["ethnicity=Tamar", "area=Rural", "area=Urban", "x=Rural"],
                       "label": ["Tamar", "Rural", "Urban", "Rural"]})


def test_the_group_picker_offers_readable_names_and_returns_ids():
    picker = group_picker("Group", GROUPS)
    assert isinstance(picker, GroupPicker) and picker.description == "Group"
    assert list(picker.options) == ["Tamar", "Rural (area=Rural)", "Urban", "Rural (x=Rural)"]
    picker.value = "Tamar"
    assert picked_group(picker, "Group") == "ethnicity=Tamar"
    picker.value = "  tamar "
    assert picked_group(picker, "Group") == "ethnicity=Tamar"
    picker.value = "Rural (x=Rural)"
    assert picked_group(picker, "Group") == "x=Rural"


@pytest.mark.parametrize("typed, sentence", [
    ("Tamr", "Groups: 'Tamr' is not one of the groups; did you mean 'Tamar'?"),
    ("Urbn", "Groups: 'Urbn' is not one of the groups; did you mean 'Urban'?"),
    ("Sailors", "Groups: 'Sailors' is not one of the groups; expected one of the names offered as you type."),
    ("", "Groups: nothing is chosen; expected one of the groups (type a few letters of its name)."),
])
def test_a_typo_gets_did_you_mean(typed, sentence):
    picker = group_picker("Groups", GROUPS)
    picker.value = typed
    with pytest.raises(InputError) as err:
        picked_group(picker, "Groups")
    assert str(err.value) == sentence


def test_without_step1_the_picker_says_so():
    picker = group_picker("Group", None)
    assert picker.disabled and "run Step 1 first" in picker.placeholder
    picker.value = "Tamar"
    with pytest.raises(InputError, match="there are no groups to choose from yet; run Step 1 first"):
        picked_group(picker, "Group")


def test_several_groups_are_picked_as_tags():
    tags = group_picker("Groups", GROUPS, multiple=True)
    assert list(tags.allowed_tags) == ["Tamar", "Rural (area=Rural)", "Urban", "Rural (x=Rural)"]
    assert picked_groups(tags, "Groups") == []
    tags.value = ["Urban", "Tamar", "Urban"]
    assert picked_groups(tags, "Groups") == ["area=Urban", "ethnicity=Tamar"]
    with pytest.raises(Exception):
        tags.value = ["Tamr"]           # only the groups' names can be added as tags


def test_help_line_escapes():
    assert "&lt;script&gt;" in help_line("Type <script> here").value
    assert "lnob-help" in help_line("x").value


# --- delete with confirmation ---------------------------------------------------------------------

def test_delete_asks_first_and_only_yes_deletes():
    page = Page()
    page.delete["note"].value = "b"
    page.delete.button.click()
    assert page.delete.asking and page.calls == []
    assert "Delete the note &quot;b&quot;? This can be undone." in page.delete.question.value
    page.delete.cancel.click()
    assert not page.delete.asking and page.calls == [] and not page.delete.button.disabled
    page.delete.button.click()
    page.delete.yes.click()
    assert page.calls == ["remove b"] and not page.delete.asking
    assert "Note deleted." in page.delete.message.value and not page.delete.button.disabled


def test_a_new_choice_withdraws_the_question():
    page = Page()
    page.delete["note"].value = "a"
    page.delete.button.click()
    page.delete["note"].value = "b"
    assert not page.delete.asking and page.calls == []


def test_delete_with_nothing_chosen_says_so_instead_of_asking():
    page = Page()
    page.delete["note"].value = None
    page.delete.button.click()
    assert not page.delete.asking
    assert "Note: nothing is chosen; expected one of the options in the list." in page.delete.message.value


def test_delete_refuses_a_callback_that_is_not_guarded():
    with pytest.raises(TypeError, match="@guarded"):
        DeleteButton("Delete", lambda form: None)


def test_without_what_the_question_uses_the_label():
    page = Page()
    button = DeleteButton("Delete this entry", page.remove, fields={"note": w.Dropdown(options=["a"], value="a")})
    button.button.click()
    assert "Delete this entry? This can be undone." in button.question.value


# --- undo -----------------------------------------------------------------------------------------

class NotesPage(StepPage):
    """A StepPage on one small file: the way pages save through `save_change`."""

    def __init__(self, path: Path) -> None:
        self.alerts = Alerts()
        self.groups = GROUPS
        self.path = path
        self.shown: list[str] = []
        self.watch(path, self.load)
        self.rename = Form({"title": text("Title")}, "Rename", self.on_rename)
        self.assemble([self.rename.box], "lnob-notes")

    @staticmethod
    def load(path: Path) -> Note:
        return load_model(path, Note)

    @staticmethod
    def save(path: Path, note: Note) -> Path:
        return save_model(path, note)

    def refresh(self) -> None:
        self.shown.append(self.load(self.path).title)

    @guarded
    def on_rename(self, form: Form) -> None:
        title = required(form["title"].value, "Title")
        self.save_change(self.path, self.load, self.save, lambda data: data.update(title=title),
                         f"Renamed to {title}.")


def test_a_change_saved_from_a_form_offers_undo_beside_it(tmp_path):
    path = tmp_path / "note.yaml"
    save_model(path, Note(title="first"))
    page = NotesPage(path)
    page.rename["title"].value = "second"
    page.rename.button.click()
    assert "Renamed to second." in page.rename.message.value and page.alerts.value == ""
    undo = page.undo_lines[path]
    assert page.rename.undo_slot.children == (undo.button,)
    undo.button.click()
    assert load_model(path, Note).title == "first"
    assert page.shown[-1] == "first"                        # redrawn from the file
    assert "Undone: the change is taken back." in page.rename.message.value
    assert undo.button.layout.display == "none"             # one undo per change
    assert len(versions(path)) == 2                          # the undone state is kept too


def test_undo_refuses_when_someone_else_changed_the_file_since(tmp_path):
    path = tmp_path / "note.yaml"
    save_model(path, Note(title="first"))
    page = NotesPage(path)
    page.rename["title"].value = "mine"
    page.rename.button.click()
    save_model(path, Note(title="theirs"))                   # another team member, meanwhile
    page.undo_lines[path].button.click()
    assert load_model(path, Note).title == "theirs"
    assert "has changed since that change was saved" in page.rename.message.value
    assert page.shown[-1] == "theirs"                        # the page shows the file as it is


def test_a_new_action_in_the_form_takes_the_old_undo_away(tmp_path):
    path = tmp_path / "note.yaml"
    save_model(path, Note(title="first"))
    page = NotesPage(path)
    page.rename["title"].value = "second"
    page.rename.button.click()
    page.rename["title"].value = ""
    page.rename.button.click()
    assert page.rename.undo_slot.children == () and "Title: the box is empty" in page.rename.message.value


def test_an_undo_line_placed_by_the_page_shows_its_own_text(tmp_path):
    path = tmp_path / "note.yaml"
    save_model(path, Note(title="first"))
    redrawn: list[str] = []
    undo = UndoLine(path, lambda: redrawn.append(load_model(path, Note).title))
    assert undo.box.layout.display == "none"
    save_model(path, Note(title="deleted <b>"))
    undo.offer("Note <b> deleted.")
    assert undo.box.layout.display == "flex" and "Note &lt;b&gt; deleted." in undo.message.value
    undo.button.click()
    assert redrawn == ["first"] and "Undone" in undo.message.value


def test_nothing_to_undo_after_a_save_that_changed_nothing(tmp_path):
    path = tmp_path / "note.yaml"
    save_model(path, Note(title="same"))
    undo = UndoLine(path, lambda: None)
    save_model(path, Note(title="same"))
    undo.offer("Saved.")
    assert "Saved." in undo.message.value and undo.button.layout.display == "none"


# --- the step bar -----------------------------------------------------------------------------------

def test_the_step_bar_links_every_page_marks_this_one_and_ticks_done_steps(tmp_path):
    (tmp_path / "outputs" / "step1").mkdir(parents=True)
    (tmp_path / "outputs" / "step1" / "groups.csv").write_text("a\n")
    (tmp_path / "outputs" / "step2").mkdir(parents=True)     # an empty folder is not done
    bar = step_bar(tmp_path, "2_why.ipynb")
    html = bar.value
    assert [p.label for p in PAGES] == ["Start", "1 Who", "2 Why", "3 What", "4 Measure", "5 Accountability"]
    for page in PAGES:
        if page.key != "why":
            assert f'href="./{page.notebook}"' in html
    assert 'aria-current="page"' in html and 'href="./2_why.ipynb"' not in html
    assert html.count('class="lnob-done"') == 1
    assert '<a class="lnob-previous" href="./1_who.ipynb">' in html and '<a class="lnob-next" href="./3_what.ipynb">' in html
    assert "token" not in html
    (tmp_path / "outputs" / "step2" / "trees.csv").write_text("a\n")
    refresh_step_bar(bar)
    assert bar.value.count('class="lnob-done"') == 2


def test_the_first_and_last_pages_have_one_neighbour(tmp_path):
    start, last = step_bar(tmp_path, "index.ipynb").value, step_bar(tmp_path, "accountability").value
    assert "lnob-previous" not in start and 'href="./1_who.ipynb">Next' in start
    assert "lnob-next" not in last and "Previous: 4 Measure" in last


def test_pages_are_named_by_notebook_key_or_number():
    assert page_of("2_why").key == page_of("why").key == page_of("2").key == "why"
    assert page_of("index").key == page_of("0").key == "start"
    with pytest.raises(ValueError):
        page_of("6_later.ipynb")
