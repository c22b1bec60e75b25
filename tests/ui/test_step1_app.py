"""The Step 1 app page through its callbacks: outputs written, rounds, data gaps, evidence kept."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pandas as pd
import pytest

from lnob_helpers.config import load_analysis
from lnob_helpers.ui.landing import CARDS, step_status
from lnob_helpers.ui.step1 import NEW_ENTRY, Step1App
from lnob_helpers.who.evidence import EVIDENCE_FILE, load_evidence
from lnob_helpers.who.left_behind import GROUP_COLUMNS
from lnob_helpers.who.step1 import compute_step1

INDICATORS = ["sba", "water"]


@pytest.fixture
def analysis(tmp_path, sample_dir):
    folder = tmp_path / "aruvia"
    shutil.copytree(sample_dir, folder, ignore=shutil.ignore_patterns("outputs", "*.bak"))
    return load_analysis(folder)


@pytest.fixture
def app(analysis, monkeypatch):
    import lnob_helpers.ui.step1 as page

    monkeypatch.setattr(page, "display", lambda *a, **k: None)
    return Step1App(compute_step1(analysis, indicators=INDICATORS))


def test_the_app_page_writes_what_step2_reads(analysis):
    left_behind = analysis.folder / "outputs" / "step1" / "left_behind.csv"
    assert not left_behind.exists()
    app = Step1App(compute_step1(analysis, indicators=INDICATORS))
    assert "lnob-error" not in app.alerts.value
    assert list(pd.read_csv(left_behind).columns) == GROUP_COLUMNS
    assert step_status(analysis.folder, CARDS[0])[0] != "todo"    # the landing page sees Step 1 begun
    assert "lnob-stepbar" in app.widget.children[0].value         # the step bar on top, Step 1 ticked
    assert "&#10003;" in app.step_bar.value
    assert "left_behind.csv" in app.downloads.value               # the tables offered as files


def test_the_page_can_appear_before_its_files_are_written(analysis):
    app = Step1App(compute_step1(analysis, indicators=INDICATORS), write_in_background=True)
    app.wait_written(120)
    assert (analysis.folder / "outputs" / "step1" / "left_behind.csv").exists()
    assert "lnob-error" not in app.alerts.value


def test_a_folder_that_cannot_be_written_shows_on_the_page(analysis):
    (analysis.folder / "outputs").mkdir()
    (analysis.folder / "outputs" / "step1").write_text("not a folder")
    app = Step1App(compute_step1(analysis, indicators=["sba"]))
    assert "lnob-error" in app.alerts.value
    assert app.widget is not None                                   # the page still opens


def test_switching_the_round_recomputes_and_rewrites(app, analysis):
    assert list(app.round.options) == [("2019", 2019), ("2024", 2024)] and app.round.value == 2024
    app.dimension.value = "ethnicity"
    app.round.value = 2019
    assert "lnob-error" not in app.alerts.value, app.alerts.value
    assert app.result.year == 2019 and "Survey 2019" in app.header.value
    assert app.dimension.value == "ethnicity"                      # the choice is kept
    summary = json.loads((analysis.folder / "outputs" / "step1" / "step1_summary.json").read_text())
    assert summary["round"] == 2019
    app.tabs.selected_index = 2                                     # another tab drawn from the new round
    assert "lnob-error" not in app.alerts.value and "groups qualify" in app.groups_view.value


def test_the_data_gaps_are_listed(app):
    app.tabs.selected_index = 4
    text = app.gaps_view.value
    assert "Groups named in the evidence that the survey does not cover" in text
    assert "Sex workers in the Capital" in text
    assert "Groups with too few survey cases" in text


def test_evidence_is_added_changed_deleted_and_undone(app, analysis):
    app.tabs.selected_index = 3
    form, path = app.evidence_form, analysis.folder / EVIDENCE_FILE
    before = path.read_text()
    assert form["entry"].value == NEW_ENTRY
    form["source_type"].value = "consultation"
    form["factor"].value = "geography"
    form["finding"].value = "Clinics are two hours away by foot."
    form["citation"].value = "Village meeting notes"
    form["date"].value = "2024-05"
    form["group"].value = "Tamr"
    form.button.click()
    assert "lnob-error" in form.message.value and "did you mean &#x27;Tamar&#x27;?" in form.message.value
    form["group"].value = "Tamar"
    form["date"].value = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    form.button.click()
    assert "in the future" in form.message.value and "lnob-error" in form.message.value
    assert path.read_text() == before                               # nothing saved by a refused form

    form["date"].value = "2024-05"
    form.button.click()
    assert "lnob-ok" in form.message.value and "Evidence about Tamar added." in form.message.value
    added = load_evidence(analysis.folder).entries[-1]
    assert added.group_id == "ethnicity=Tamar" and added.date == "2024-05"

    form["entry"].value = added.id                                  # pick it: the form shows it
    assert form["finding"].value == "Clinics are two hours away by foot." and form["group"].value == "Tamar"
    form["finding"].value = "Clinics are three hours away by foot."
    form.button.click()
    assert "changed" in form.message.value
    changed = {e.id: e for e in load_evidence(analysis.folder).entries}[added.id]
    assert changed.finding == "Clinics are three hours away by foot."

    form["entry"].value = added.id
    app.delete.button.click()
    assert app.delete.asking and "Tamar" in app.delete.question.value
    assert added.id in {e.id for e in load_evidence(analysis.folder).entries}   # nothing gone before "Yes"
    app.delete.yes.click()
    assert added.id not in {e.id for e in load_evidence(analysis.folder).entries}
    assert "Evidence about Tamar deleted." in app.delete.message.value
    assert "Clinics" not in app.evidence_view.value
    app.undo.button.click()
    assert added.id in {e.id for e in load_evidence(analysis.folder).entries}
    assert "three hours" in app.evidence_view.value


def test_a_group_the_survey_lacks_can_be_named(app, analysis):
    app.tabs.selected_index = 3
    form = app.evidence_form
    form["source_type"].value, form["factor"].value = "civil_society_report", "discrimination"
    form["finding"].value, form["citation"].value, form["date"].value = "Not counted anywhere.", "Shadow report", "2023"
    form["other_group"].value = "Night-shift street vendors"
    form.button.click()
    assert "lnob-ok" in form.message.value, form.message.value
    assert load_evidence(analysis.folder).entries[-1].group == "Night-shift street vendors"
    app.tabs.selected_index = 4
    assert "Night-shift street vendors" in app.gaps_view.value      # the gap list follows the evidence
    gaps = pd.read_csv(analysis.folder / "outputs" / "step1" / "data_gaps.csv")
    assert "Night-shift street vendors" in set(gaps["subject"])     # and so does its file


def test_deleting_without_choosing_says_so(app):
    app.tabs.selected_index = 3
    app.delete.button.click()
    assert not app.delete.asking and "no entry is chosen" in app.delete.message.value
