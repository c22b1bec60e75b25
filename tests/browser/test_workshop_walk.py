"""The whole workshop in chromium, as a team member who never programmed would do it.

One fresh `lnob workshop` team copy (no `outputs/`), one app server, one browser page at
1366x768, walked in order: Step 1 writes what the other steps read; every kind of entry is
added, edited, deleted (after a question) and undone, and still there after a reload; every
bad input is refused with a sentence beside its own form; a new analysis is made from an
uploaded file and opens in Step 1; the report is built from the start page and downloaded.

The tests depend on each other's order (pytest keeps a module's order). Screenshots go to
test-artifacts/workshop/; the README's workshop section shows copies of them (docs/workshop/).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from browser.walk_helpers import (add_tag, assert_clean, choose, click, delete_and_undo, field, form, message,
                                  open_page, open_panel, open_tab, pick_entry, reword_delete_undo, shot, shows,
                                  type_in, wait_for_file)
from lnob_helpers.workshop import create_teams

pytestmark = pytest.mark.browser


# --- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def team(tmp_path_factory):
    folder = create_teams(tmp_path_factory.mktemp("workshop"), 1)[0]
    assert not (folder / "outputs").exists(), "a team copy starts with no outputs"
    return folder


@pytest.fixture(scope="module")
def app(team, start_app):
    return start_app(team, max_kernels=4)


# --- the walk ---------------------------------------------------------------------------------

def test_step1_in_the_app_hands_its_groups_to_step2(app, team, page):
    page.goto(app.url())
    page.locator(".lnob-card").first.wait_for(timeout=120_000)
    shot(page, "start")
    assert_clean(page)
    open_page(page, app, "1_who.ipynb", "Survey round")
    wait_for_file(team / "outputs" / "step1" / "left_behind.csv")
    shot(page, "step1")
    assert_clean(page)
    click(page, "2019")
    page.get_by_text("Aruvia: Aruvia Household Survey 2019").first.wait_for(timeout=120_000)
    page.get_by_text("Computing Step 1").wait_for(state="hidden", timeout=120_000)
    click(page, "2024")
    page.get_by_text("Aruvia: Aruvia Household Survey 2024").first.wait_for(timeout=120_000)
    page.get_by_text("Computing Step 1").wait_for(state="hidden", timeout=120_000)
    open_tab(page, "Data gaps")
    assert "Night-shift" not in page.inner_text("body")
    page.locator("h4", has_text="Groups with too few survey cases").first.wait_for()  # the data gaps are listed
    assert_clean(page)

    open_page(page, app, "2_why.ipynb", "Choose a group for the causal analysis")
    picker = form(page, "Choose a group")
    names = picker.locator("datalist option").evaluate_all("(os) => os.map(o => o.value)")
    assert len(names) > 10 and any("Tamar" in n for n in names), "Step 2 offers Step 1's groups by name"
    assert not any("=" in n for n in names)
    assert_clean(page)


def test_evidence_refuses_typos_and_future_dates_then_is_edited_deleted_and_undone(app, team, page):
    open_page(page, app, "1_who.ipynb", "Survey round")
    open_tab(page, "Evidence")
    ev = form(page, "Add or change a piece of evidence")
    choose(ev, "Source", re.compile("onsultation"))
    choose(ev, "Factor", re.compile("eograph"))
    type_in(ev, "Finding", "Clinics are two hours away by foot.")
    type_in(ev, "Citation", "Village meeting notes")
    type_in(ev, "Date", "2024-05")
    type_in(ev, "Group", "Tamr")
    before = (team / "evidence.yaml").read_text(encoding="utf-8")
    click(ev, "Save evidence")
    assert "did you mean 'Tamar'?" in message(ev, "error", "did you mean")
    shot(page, "refused-beside-the-form")
    type_in(ev, "Group", "Tamar")
    type_in(ev, "Date", (dt.date.today() + dt.timedelta(days=40)).isoformat())
    click(ev, "Save evidence")
    message(ev, "error", "in the future")
    assert (team / "evidence.yaml").read_text(encoding="utf-8") == before, "a refused form saves nothing"
    type_in(ev, "Date", "2024-05")
    click(ev, "Save evidence")
    message(ev, "ok", "Evidence about Tamar added.")

    pick_entry(ev, "Entry", re.compile("Clinics are two hours"), "Finding")
    type_in(ev, "Finding", "Clinics are three hours away by foot.")
    click(ev, "Save evidence")
    message(ev, "ok", "changed")
    choose(ev, "Entry", re.compile("Clinics are three hours"))
    delete_and_undo(page, "Delete this entry", "Tamar",
                    "Evidence about Tamar deleted.")
    page.reload()
    page.get_by_text("Survey round").first.wait_for(timeout=120_000)
    open_tab(page, "Evidence")
    shows(page, "Clinics are three hours away by foot.")
    assert_clean(page)


def test_problem_trees_causes_actors_and_gaps(app, team, page):
    open_page(page, app, "2_why.ipynb", "Choose a group for the causal analysis")
    shot(page, "step2")
    tree = open_panel(page, "New problem tree", "New problem tree")
    type_in(tree, "Title", "Girls out of school in host areas")
    type_in(tree, "Manifestation", "Half of displaced girls aged 12-15 are not in school.")
    add_tag(tree, "Displaced")
    type_in(tree, "Rights", "right to education")
    click(tree, "Add problem tree")
    message(tree, "ok", "added")
    edit = open_panel(page, "Change or delete this tree", "Change or delete the problem tree")
    type_in(edit, "Title", "Displaced girls out of school")
    click(edit, "Save problem tree")
    message(edit, "ok", "")
    delete_and_undo(page, "Delete problem tree", "Displaced girls out of school", "deleted")

    cause = open_panel(page, "Add a cause", "Add a cause to this tree")
    type_in(cause, "Cause", "No school places near the camps")
    choose(cause, "Level", re.compile("mmediate"))
    click(cause, "Add cause")
    message(cause, "ok", "added")
    reword_delete_undo(page, "Change or delete a cause", "Change or delete a cause", "Cause",
                       "No school places near the camps", "New wording", "Too few school places near the camps",
                       "cause")

    actor = open_panel(page, "Add an actor", "New actor")
    type_in(actor, "Name", "Camp school committee")
    choose(actor, "Role", re.compile("."))
    choose(actor, "Level", re.compile("ocal|ommunity"))
    click(actor, "Add actor")
    message(actor, "ok", "added")
    reword_delete_undo(page, "Change or delete an actor", "Change or delete an actor", "Actor",
                       "Camp school committee", "Name", "Camp school parents' committee", "actor")

    gap = open_panel(page, "Add a capacity gap", "New capacity gap")
    choose(gap, "Actor", re.compile("parents' committee"))
    choose(gap, "Category", re.compile("."))
    type_in(gap, "Gap", "No budget for teachers")
    click(gap, "Add capacity gap")
    message(gap, "ok", "added")
    reword_delete_undo(page, "Change or delete a gap", "Change or delete a capacity gap", "Capacity gap",
                       "No budget for teachers", "Gap", "No budget for trained teachers", "capacity gap")

    page.reload()
    page.get_by_text("Choose a group for the causal analysis").first.wait_for(timeout=120_000)
    shows(page, "Displaced girls out of school", "Too few school places near the camps",
          "Camp school parents' committee", "No budget for trained teachers")
    saved = (team / "step2_why.yaml").read_text(encoding="utf-8")
    assert "Displaced girls out of school" in saved and "No budget for trained teachers" in saved
    assert_clean(page)


def test_actions(app, team, page):
    open_page(page, app, "3_what.ipynb", "Add an action")
    shot(page, "step3")
    add = form(page, "New action")
    type_in(add, "Action", "Sign-language interpreters at district health posts")
    choose(add, "Area", re.compile("."))
    add_tag(add, "With disability")
    click(add, "Add action")
    message(add, "ok", "")
    reword_delete_undo(page, "Change or delete an action", "Change or delete an action", "Action",
                       "Sign-language interpreters at district health posts", "Action",
                       "Sign-language interpreters at every district health post", "action", nth=1,
                       picture="delete-asks")
    page.reload()
    page.get_by_text("Add an action").first.wait_for(timeout=120_000)
    shows(page, "Sign-language interpreters at every district health post")
    assert_clean(page)


def test_targets_refuse_an_emptied_value(app, team, page):
    open_page(page, app, "4_measure.ipynb", "Equity targets")
    open_tab(page, "Equity targets")
    shot(page, "step4")
    new = form(page, "Set a target")
    click(new, "Save target")
    message(new, "ok", "")
    edit = form(page, "Change or delete a saved target")
    chosen = field(edit, "Saved target").locator("option").all_inner_texts()
    assert chosen and not any("=" in c for c in chosen)
    pick_entry(edit, "Saved target", re.compile("."), "Target value", last=True)  # the one just set
    type_in(edit, "Target value", "")
    before = (team / "step4_targets.yaml").read_text(encoding="utf-8")
    click(edit, "Save changes")
    message(edit, "error", "Target value")
    assert (team / "step4_targets.yaml").read_text(encoding="utf-8") == before
    type_in(edit, "Target value", "80")
    type_in(edit, "Why", "Agreed with the Ministry of Health at the workshop")
    click(edit, "Save changes")
    message(edit, "ok", "")
    delete_and_undo(page, "Delete this target", "", "deleted")
    open_tab(page, "Poverty (MPI)")
    assert page.locator("img:visible, table:visible").count() > 0
    open_tab(page, "Framework")
    assert page.locator("table:visible").count() > 0
    page.reload()
    page.get_by_text("Equity targets").first.wait_for(timeout=120_000)
    open_tab(page, "Equity targets")
    shows(page, "Agreed with the Ministry of Health at the workshop")
    assert_clean(page)


def test_ratings_recommendations_and_consultations(app, team, page):
    open_page(page, app, "5_accountability.ipynb", "Log a consultation")
    shot(page, "step5")
    rate = form(page, "Rate an indicator")
    type_in(rate, "Year", "2024")
    choose(rate, "Indicator", re.compile("."))
    choose(rate, "Rating", re.compile("."), )
    type_in(rate, "Evidence", "Ombudsman office opened")
    click(rate, "Save rating")
    message(rate, "ok", "")
    type_in(rate, "Year", "2031")
    click(rate, "Save rating")
    message(rate, "error", "2031")
    type_in(rate, "Year", "2024")
    delete_and_undo(page, "Delete rating", "2024", "deleted")

    rec = open_panel(page, "Add a recommendation", "New recommendation")
    type_in(rec, "Recommendation", "Guarantee inclusive education in host schools")
    choose(rec, "Mechanism", re.compile("."))
    type_in(rec, "Body", "Committee on the Rights of the Child")
    type_in(rec, "Date", "2023-09-01")
    click(rec, "Add recommendation")
    message(rec, "ok", "")
    reword_delete_undo(page, "Change or delete a recommendation", "Change or delete a recommendation",
                       "Recommendation", "Guarantee inclusive education in host schools", "Wording",
                       "Guarantee inclusive education in every host school", "recommendation")

    log = open_panel(page, "Log a consultation", "Log a consultation")
    type_in(log, "Consultation", "Camp meeting")
    type_in(log, "Date", "2031-01-05")
    choose(log, "Method", re.compile("."))
    type_in(log, "People in total", "20")
    before = (team / "step5_accountability.yaml").read_text(encoding="utf-8")
    click(log, "Add consultation")
    message(log, "error", "in the future")
    type_in(log, "Date", "2025-03-02")
    type_in(log, "People in total", "-4")
    click(log, "Add consultation")
    message(log, "error", "People in total")
    assert (team / "step5_accountability.yaml").read_text(encoding="utf-8") == before
    type_in(log, "People in total", "20")
    click(log, "Add consultation")
    message(log, "ok", "")
    reword_delete_undo(page, "Change or delete a consultation", "Change or delete a consultation", "Consultation",
                       "Camp meeting", "Consultation", "Camp meeting in Riverside", "consultation", nth=1)
    page.reload()
    page.get_by_text("Log a consultation").first.wait_for(timeout=120_000)
    shows(page, "Guarantee inclusive education in every host school", "Camp meeting in Riverside")
    rate = form(page, "Rate an indicator")
    type_in(rate, "Year", "2024")
    choose(rate, "Indicator", re.compile("."))
    page.wait_for_function("(e) => e.value === 'Ombudsman office opened'",  # the rating given is shown
                           arg=field(rate, "Evidence").element_handle())
    assert_clean(page)


def test_report_is_built_from_the_start_page_and_downloaded(app, team, page):
    page.goto(app.url())
    page.locator(".lnob-card").first.wait_for(timeout=120_000)
    click(page, "Build the report")
    panel = page.locator(".lnob-report-panel")
    panel.locator("a", has_text="report.html").first.wait_for(timeout=600_000)
    shot(page, "report-built")
    with page.expect_download() as download:
        panel.locator("a", has_text="report.html").first.click()
    saved = download.value.path()
    assert download.value.failure() is None
    report = Path(saved).read_text(encoding="utf-8")
    assert "Executive summary" in report and "Camp meeting in Riverside" in report, "the team's work is in it"


def test_a_new_analysis_from_an_uploaded_file_opens_in_step1(app, team, page, tmp_path):
    """Last, because the server then serves the new analysis on every new page."""
    rng = np.random.default_rng(5)
    n = 1200
    survey = pd.DataFrame({"cluster": rng.integers(1, 41, n), "hh_weight": rng.uniform(0.5, 2.0, n)})
    survey["stratum"] = survey["cluster"] % 4
    survey["region"] = survey["stratum"].map({0: "North", 1: "South", 2: "East", 3: "West"})
    survey["sex"] = rng.choice(["male", "female"], n)
    survey["water"] = rng.choice(["yes", "no"], n, p=[0.7, 0.3])
    upload = tmp_path / "household survey.csv"
    survey.to_csv(upload, index=False)

    page.goto(app.url("0_new_analysis.ipynb"))
    page.locator(".lnob-new-analysis").wait_for(timeout=120_000)
    boxes = page.locator(".lnob-new-analysis input[type=text]")
    boxes.nth(0).fill("Household survey")
    boxes.nth(1).fill("Testland")
    boxes.nth(1).press("Enter")
    with page.expect_file_chooser() as chooser:
        page.locator(".widget-upload").click()
    chooser.value.set_files(str(upload))
    page.get_by_text("Indicator column").first.wait_for(timeout=60_000)
    shot(page, "new-analysis")
    page.locator(".widget-dropdown", has_text="Indicator column").locator("select").select_option(label="water")
    page.wait_for_timeout(500)
    click(page, "Check and save")
    page.get_by_text("Open Step 1 on it").wait_for(timeout=60_000)
    assert_clean(page)
    assert (team.parent / "household-survey" / "analysis.yaml").exists()
    page.get_by_text("Open Step 1 on it").click()
    page.get_by_text("Testland:").first.wait_for(timeout=120_000)
    shows(page, "Region")
    shot(page, "new-analysis-step1")
    assert_clean(page)
