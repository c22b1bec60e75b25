"""The Step 5 page ("How to advance accountability"): scorecard, recommendations, participation
and the VNR, MAPS and participation checklists.

Both modes render a `Step5Result` (`accountability.step5.compute_step5`) and write its tables.
Report mode shows static tables and the scorecard history. App mode adds forms that add, change
and delete scorecard ratings, recommendations (with their status, groups and Step 3 actions) and
consultations, and answer the checklists, saved at once to `step5_accountability.yaml` and
`step5_recommendations.yaml` with Undo beside the button; then Step 5 is computed again.
"""

from __future__ import annotations

import datetime as dt
import html

import ipywidgets as w
import pandas as pd

from ..accountability.models import load_step5, save_step5
from ..accountability.recommendations import (MECHANISMS, RECOMMENDATIONS_FILE, STATUSES, load_recommendations,
                                              save_recommendations)
from ..accountability.participation import participation_warnings
from ..accountability.scorecard import ScorecardAssessment, ScorecardScores, plot_scorecard_history
from ..accountability.step5 import Step5Result, compute_step5
from ..config import Analysis
from ..consultations import METHODS, STEP5_FILE
from ..notebook import step_context
from ..errors import InputError
from ..render import figure_png
from ..groups import group_labels, name_groups
from .feedback import Alerts, guarded
from .forms import (LABEL_STYLE, ChecklistForm, DeleteButton, Form, StepPage, bullets, checked_count, checked_date,
                    checked_number, checklist_part, choice, chosen, delete_beside, dress, edit_panels, groups_field,
                    heading, many, picked_groups, plain, refill, remove_entry, required, say, section, set_groups,
                    set_options, show_app, show_figure, show_table, split_items, text, upsert)
from .navigation import refresh_step_bar, step_bar
from .step2 import progress_table
from .words import full_table, number, percent, quote, readable, scroll_table

LOG_HEADERS = {"date": "Date", "title": "Consultation", "method": "Method", "groups": "Groups", "total": "People",
               "sex_female": "Women", "sex_male": "Men", "with_disability": "With a disability",
               "accessibility": "Accessibility", "feedback_given": "Told how views were used"}
REC_HEADERS = {"text": "Recommendation", "mechanism": "Mechanism", "body": "Body", "date": "Date", "status": "Status",
               "groups": "Groups concerned", "actions": "Step 3 actions"}
REPORT_REC_COLUMNS = ("text", "mechanism", "date", "status", "groups")  # the rest is in the attached workbook
COVERAGE_HEADERS = {"label": "Group", "furthest_behind": "Furthest behind", "n_recommendations": "Recommendations",
                    "n_actions": "Targeted actions"}
TOTALS_HEADERS = {"breakdown": "Breakdown", "category": "Category", "count": "People", "share": "Share"}
COUNT_WORDS = {"female": "Women", "male": "Men", "other": "Other", "not_stated": "Not stated",
               "with_disability": "With a disability", "without_disability": "Without a disability"}
METHOD_WORDS = {m: m.replace("_", " ").capitalize() for m in METHODS}
STATUS_WORDS = {s: s.replace("_", " ").capitalize() for s in STATUSES}
COUNTS = {"total": "People in total", "female": "of whom women", "male": "of whom men",
          "with_disability": "with a disability"}
RATING_HELP = {
    "year": "The year the rating is for (2000 to this year).",
    "indicator": "The scorecard indicator being rated, by area.",
    "rating": "How far the team has got; pick a year and indicator already rated to change or delete it.",
    "evidence": "What shows this rating, e.g. a document or a meeting (optional).",
}
REC_HELP = {
    "text": "The recommendation as the mechanism worded it.",
    "mechanism": "Which human-rights mechanism made it.",
    "body": "The body or session, e.g. \"Committee on the Rights of the Child\" (optional).",
    "date": "When it was made; it cannot lie in the future.",
    "groups": "Type a few letters of a group's name and pick the groups it concerns.",
    "sdg_targets": "SDG targets as goal.target, separated by ; (e.g. 4.5; 16.9).",
    "status": "How far the recommendation has been implemented.",
    "actions": "The Step 3 actions that answer it (Ctrl or Cmd to pick several).",
}
CONSULTATION_HELP = {
    "title": "A short name, e.g. \"Focus group with displaced women\".",
    "date": "The day it took place; it cannot lie in the future.",
    "method": "How people were consulted.",
    "location": "Where it took place (optional).",
    "groups": "Type a few letters of a group's name and pick the groups who took part.",
    "total": "Everyone who took part (a whole number, 0 if not counted).",
    "female": "How many of them were women (0 if not counted).",
    "male": "How many of them were men (0 if not counted).",
    "with_disability": "How many had a disability (0 if not counted).",
    "accessibility": "What made it accessible, separated by ; (e.g. sign language; easy-read; step-free venue).",
    "feedback_given": "Tick once participants have heard back how their views were used.",
    "feedback_how": "How they heard back, e.g. \"results meeting in the village\".",
}


def show(analysis: str = "", mode: str = "auto") -> None:
    """Render Step 5 for an analysis folder: the app's forms, or the report's tables and charts."""
    ctx = step_context(analysis, mode)
    if ctx.is_app:
        show_app(lambda: Step5Page(ctx.analysis))
    else:
        result = compute_step5(ctx.analysis)
        result.write()
        render_report(result)


def render_report(result: Step5Result) -> None:
    """Static headings, short tables and the scorecard chart of a computed Step 5; the full tables are in
    the report's attached workbook. A scorecard shows its area scores only once it gives a score."""
    heading("Accountability scorecard")
    report_scorecards(result.scorecards)
    heading("Human-rights recommendations")
    shown = result.recommendation_table
    say(f"{len(shown)} recommendations tracked; by status: "
        + (", ".join(f"{STATUS_WORDS.get(k, k).lower()} {v}" for k, v in shown["status"].value_counts().items())
           or "none") + ". " + plain(full_table(5, "recommendations", "Each one's body and Step 3 actions")))
    show_table(recommendations_table(result)[[REC_HEADERS[c] for c in REPORT_REC_COLUMNS]],
               empty="No recommendation imported yet.")
    if result.coverage is None:
        say(plain(" ".join(result.notes)))
    else:
        heading("Recommendations and actions for the furthest-behind and priority groups", 3)
        coverage = result.coverage.to_frame()
        unnamed, untargeted = coverage["n_recommendations"] == 0, coverage["n_actions"] == 0
        lacking = coverage[unnamed | untargeted]
        say(f"Of the {len(coverage)} furthest-behind and priority groups, {int(unnamed.sum())} are named in no "
            f"recommendation and {int(untargeted.sum())} have no targeted action. "
            + plain(full_table(5, "recommendation_coverage", "Every group"))
            + (" The groups lacking either:" if len(lacking) else ""))
        if len(lacking):
            show_table(readable(lacking.assign(furthest_behind=lacking["furthest_behind"].map(YES)), COVERAGE_HEADERS))
        bullets(result.coverage.gaps(ids=False), "Every group that recommendations concern has at least one targeted action.")
    heading("Participation")
    show_table(consultations_table(result).drop(columns=[LOG_HEADERS["accessibility"]]),
               empty="No consultation logged yet.")
    show_table(head_counts_table(result), empty="No head counts recorded yet.")
    if result.participation is not None:
        heading("Who is not participating? (furthest-behind and priority groups)", 3)
        statuses = result.participation["status"].value_counts()
        say(f"Of the {len(result.participation)} furthest-behind and priority groups: "
            + "; ".join(f"{n} {status}" for status, n in statuses.items()) + ". "
            + plain(full_table(5, "participation_by_group", "Group by group")))
        bullets(participation_notes(result), "No participation gap found.")
    heading("Checklists")
    say("How far the team has answered each checklist, all sections together. "
        + plain(full_table(5, "checklist_progress", "Section by section")))
    show_table(checklists_table(result))


def report_scorecards(scorecards: list[ScorecardScores]) -> None:
    """Each scorecard's coverage and, only once it gives a score, its area scores and their history: a
    table of scores from a few ratings would read as if the assessment were complete."""
    if not scorecards:
        say("No scorecard rated yet.")
    for scores in scorecards:
        say(plain(scores.headline()))
        if scores.scored:
            say("Scores out of 100, by area and year. " + plain(full_table(5, "scorecard_ratings",
                                                                           "Every rating with its evidence")))
            show_table(area_scores_table(scores))
            show_figure(plot_scorecard_history(scores))


def area_scores_table(scores: ScorecardScores) -> pd.DataFrame:
    """The scorecard's area scores with a plain header and whole numbers."""
    table = scores.area_table().rename(columns={"area": "Area"})
    return table.assign(**{c: table[c].map(lambda v: number(v, 0)) for c in table.columns if c != "Area"})


def checklists_table(result: Step5Result) -> pd.DataFrame:
    """One row per checklist: its questions, answers and share fulfilled over all sections."""
    rows = [progress_table(result.progress(name)).iloc[[-1]].assign(Section=checklist.title)
            for name, checklist in result.checklists.items()]
    return pd.concat(rows, ignore_index=True).rename(columns={"Section": "Checklist"}) if rows else pd.DataFrame()


YES = {True: "Yes", False: "No"}


def recommendations_table(result: Step5Result) -> pd.DataFrame:
    """The recommendations in words: mechanism, status, group labels and action titles, no ids."""
    labels = group_labels(result.groups)
    titles = {a.id: a.title for a in result.step3.actions}
    recs = result.recommendations.recommendations
    table = pd.DataFrame({
        "text": [r.text for r in recs], "mechanism": [MECHANISMS[r.mechanism] for r in recs],
        "body": [r.body for r in recs], "date": [r.date.isoformat() for r in recs],
        "status": [STATUS_WORDS[r.status] for r in recs],
        "groups": [name_groups(r.affected_groups, labels) for r in recs],
        "actions": ["; ".join(titles.get(a, a) for a in r.action_ids) for r in recs],
    }, columns=list(REC_HEADERS))
    return readable(table, REC_HEADERS)


def participation_notes(result: Step5Result) -> list[str]:
    """Who is not participating, with groups and consultations named in words (Step 1 needed)."""
    if result.focus is None:
        return []
    return participation_warnings(result.step5.consultations, result.focus, ids=False)


def head_counts_table(result: Step5Result) -> pd.DataFrame:
    counts = result.head_counts
    counts = counts.assign(breakdown=counts["breakdown"].str.capitalize(),
                           category=counts["category"].map(lambda c: COUNT_WORDS.get(c, c)),
                           share=counts["share"].map(lambda v: percent(v, 0)))
    return readable(counts, TOTALS_HEADERS)


def consultations_table(result: Step5Result) -> pd.DataFrame:
    """The participation log in words: group labels, methods and yes/no, no ids."""
    log = result.consultation_log
    labels = group_labels(result.groups)
    groups = {c.id: name_groups(c.group_ids, labels) for c in result.step5.consultations}
    log = log.assign(groups=log["consultation_id"].map(groups).fillna(log["groups"]),
                     method=log["method"].map(METHOD_WORDS), feedback_given=log["feedback_given"].map(YES))
    return readable(log, LOG_HEADERS)


class Step5Page(StepPage):
    """The Step 5 app for one analysis; `refresh()` computes Step 5 from the files and redraws it."""

    def __init__(self, analysis: Analysis):
        self.analysis = analysis
        self.alerts = Alerts()
        self.result = compute_step5(analysis)
        self.path = analysis.folder / STEP5_FILE
        self.recs_path = analysis.folder / RECOMMENDATIONS_FILE
        self.watch(self.path, load_step5)
        self.watch(self.recs_path, load_recommendations)
        groups = self.result.groups
        self.card = (self.result.step5.scorecards[0] if self.result.step5.scorecards else ScorecardAssessment()).resolved()
        self.bar = step_bar(analysis, "5_accountability")

        # scorecard
        self.score_view = w.HTML(layout=w.Layout(max_width="100%"))
        self.score_chart = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.rating_form = dress(Form({
            "year": w.Text(description="Year", value=str(dt.date.today().year), continuous_update=False,
                           style=LABEL_STYLE),
            "indicator": choice("Indicator", [(f"{a.title}: {i.title}", i.id) for a in self.card.areas
                                              for i in a.indicators]),
            "rating": choice("Rating", [(f"{s.value} {s.label}", s.value) for s in self.card.scale]),
            "evidence": text("Evidence", "What shows this rating"),
        }, "Save rating", self.rate, title="Rate an indicator, or change or delete a rating"), RATING_HELP)
        self.rating_form["year"].observe(self.fill_rating, "value")
        self.rating_form["indicator"].observe(self.fill_rating, "value")
        self.rating_delete = delete_beside(self.rating_form, "Delete rating", self.delete_rating, self._rating_words,
                                           self.rating_form["year"], self.rating_form["indicator"])

        # recommendations
        self.recs_view = w.HTML(layout=w.Layout(max_width="100%"))
        self.rec_add = dress(Form({
            "text": text("Recommendation", "As the mechanism worded it", long=True),
            "mechanism": choice("Mechanism", [(v, k) for k, v in MECHANISMS.items()]),
            "body": text("Body", "e.g. Committee on the Rights of the Child"),
            "date": w.DatePicker(description="Date", value=None, style=LABEL_STYLE),
            "groups": groups_field("Groups concerned", groups),
            "sdg_targets": text("SDG targets", "e.g. 4.5; 16.9"),
            "status": choice("Status", [(STATUS_WORDS[s], s) for s in STATUSES]),
        }, "Add recommendation", self.add_recommendation, title="New recommendation"), REC_HELP)
        self.rec_add["status"].value = "not_started"
        self.rec_form = dress(Form({
            "recommendation": choice("Recommendation"),
            "text": text("Wording", "As the mechanism worded it", long=True),
            "status": choice("Status", [(STATUS_WORDS[s], s) for s in STATUSES]),
            "groups": groups_field("Groups concerned", groups),
            "actions": many("Step 3 actions", []),
        }, "Save recommendation", self.update_recommendation, title="Change or delete a recommendation"),
            {"recommendation": "Pick the recommendation to change or delete.", **REC_HELP})
        self.rec_form["recommendation"].observe(self.fill_recommendation, "value")
        self.rec_delete = delete_beside(self.rec_form, "Delete recommendation", self.delete_recommendation,
                                        lambda _: f"the recommendation {quote(self._picked_rec().text)}",
                                        self.rec_form["recommendation"])

        # participation
        self.log_view = w.HTML(layout=w.Layout(max_width="100%"))
        self.consultation_form = dress(Form(self._consultation_fields(groups), "Add consultation",
                                            self.add_consultation, title="Log a consultation"), CONSULTATION_HELP)
        self.consultation_edit = dress(Form({"consultation": choice("Consultation"),
                                             **self._consultation_fields(groups)},
                                            "Save consultation", self.change_consultation,
                                            title="Change or delete a consultation"),
                                       {"consultation": "Pick the consultation to change or delete.",
                                        **CONSULTATION_HELP})
        self.consultation_edit["consultation"].observe(self.fill_consultation, "value")
        self.consultation_delete = delete_beside(
            self.consultation_edit, "Delete consultation", self.delete_consultation,
            lambda _: f"the consultation {quote(self._picked_consultation()['title'])}",
            self.consultation_edit["consultation"])

        self.checklists = {name: checklist_part(ChecklistForm(checklist, self.alerts,
                                                              lambda entry, name=name: self.answer(name, entry)))
                           for name, checklist in self.result.checklists.items()}
        self.assemble([
            self.bar,
            section("Accountability scorecard"), self.score_view, self.score_chart, self.rating_form.box,
            section("Human-rights recommendations"), self.recs_view,
            edit_panels({"Change or delete a recommendation": self.rec_form.box,
                         "Add a recommendation": self.rec_add.box}),
            section("Participation log"), self.log_view,
            edit_panels({"Log a consultation": self.consultation_form.box,
                         "Change or delete a consultation": self.consultation_edit.box}),
            section("Checklists"), *[c.box for c in self.checklists.values()],
        ], "lnob-step5")
        self.widget.children = (self.bar, *[c for c in self.widget.children if c is not self.bar])

    @property
    def groups(self) -> pd.DataFrame | None:
        return self.result.focus

    # building the forms
    @staticmethod
    def _consultation_fields(groups: pd.DataFrame | None) -> dict[str, w.Widget]:
        return {
            "title": text("Consultation", "e.g. Focus group with displaced women"),
            "date": w.DatePicker(description="Date", value=dt.date.today(), style=LABEL_STYLE),
            "method": choice("Method", [(METHOD_WORDS[m], m) for m in METHODS]),
            "location": text("Where", ""),
            "groups": groups_field("Groups who took part", groups),
            **{key: w.Text(description=label, value="0", style=LABEL_STYLE) for key, label in COUNTS.items()},
            "accessibility": text("Accessibility", "e.g. sign language; easy-read; step-free venue"),
            "feedback_given": w.Checkbox(description="Participants were told how their views were used",
                                         indent=False, layout=w.Layout(width="auto")),
            "feedback_how": text("How", "e.g. results meeting in the village"),
        }

    # views
    def refresh(self) -> None:
        """Compute Step 5 from the files, write its tables and redraw every view and option."""
        self.result = result = compute_step5(self.analysis)
        result.write()
        refresh_step_bar(self.bar)
        step5, recs = result.step5, result.recommendations
        scores = result.scorecards[0] if result.scorecards else None
        if scores is not None and not scores.by_indicator.empty:
            self.score_view.value = (f"<p>{html.escape(scores.headline())}</p>"
                                     + scroll_table(scores.area_table().rename(columns={"area": "Area"})))
            self.score_chart.value = figure_png(plot_scorecard_history(scores))
        else:
            self.score_view.value = "<p><em>No rating recorded yet.</em></p>"
            self.score_chart.value = b""
        self.fill_rating()
        self.recs_view.value = scroll_table(recommendations_table(result), empty="No recommendation imported yet.")
        set_options(self.rec_form["recommendation"],
                    [(f"{MECHANISMS[r.mechanism]} {r.date.year}: {r.text[:70]}", r.id) for r in recs.recommendations])
        set_options(self.rec_form["actions"], [(a.title, a.id) for a in result.step3.actions])
        self.fill_recommendation()
        self.log_view.value = (scroll_table(consultations_table(result), empty="No consultation logged yet.")
                               + "".join(f"<p>⚠ {html.escape(m)}</p>" for m in participation_notes(result)))
        set_options(self.consultation_edit["consultation"],
                    [(f"{c.date.isoformat()} {c.title}", c.id) for c in step5.consultations])
        self.fill_consultation()
        for name, form in self.checklists.items():
            form.refresh(step5.checklists.get(name, []))

    def _edit(self, change, done: str) -> None:
        self.save_change(self.path, load_step5, save_step5, change, done)

    def _edit_recs(self, change, done: str) -> None:
        self.save_change(self.recs_path, load_recommendations,
                         lambda path, recs: save_recommendations(path, recs, self.result.step3), change, done)

    # scorecard ratings
    def _ratings(self) -> list:
        return self.result.step5.scorecards[0].ratings if self.result.step5.scorecards else []

    def _indicator_title(self, indicator_id: str) -> str:
        return next((i.title for i in self.card.indicators() if i.id == indicator_id), indicator_id)

    @staticmethod
    def _year(value: object) -> int:
        year = checked_number(value, "Year", 2000, dt.date.today().year)
        if year != int(year):
            raise InputError(f"Year: {value} is not a whole year; expected a year like {dt.date.today().year}.")
        return int(year)

    def _picked_rating(self):
        year = self._year(self.rating_form["year"].value)
        indicator = chosen(self.rating_form["indicator"].value, "Indicator")
        rating = next((r for r in self._ratings() if (r.year, r.indicator) == (year, indicator)), None)
        if rating is None:
            raise InputError(f"Indicator: {quote(self._indicator_title(indicator))} has no rating for {year} "
                             "to delete; pick a year and indicator already rated.")
        return rating

    def _rating_words(self, _form) -> str:
        rating = self._picked_rating()
        return f"the {rating.year} rating of {quote(self._indicator_title(rating.indicator))}"

    @guarded
    def fill_rating(self, change: dict | None = None) -> None:
        """Show the rating already given to the chosen indicator in the chosen year, if any."""
        form = self.rating_form
        try:
            year = int(str(form["year"].value).strip())
        except ValueError:
            return
        rating = next((r for r in self._ratings() if (r.year, r.indicator) == (year, form["indicator"].value)), None)
        if refill(self, "rating", rating, change) and rating is not None:
            form["rating"].value, form["evidence"].value = rating.rating, rating.evidence

    @guarded
    def rate(self, form: Form) -> None:
        entry = {"year": self._year(form["year"].value), "indicator": chosen(form["indicator"].value, "Indicator"),
                 "rating": chosen(form["rating"].value, "Rating"), "evidence": form["evidence"].value.strip()}

        def change(data: dict) -> None:
            if not data["scorecards"]:
                data["scorecards"].append({"scorecard": "lnob", "ratings": []})
            upsert(data["scorecards"][0]["ratings"], entry, ["year", "indicator"])

        self._edit(change, f"Rating of {quote(self._indicator_title(entry['indicator']))} for {entry['year']} saved.")

    @guarded
    def delete_rating(self, form: DeleteButton) -> None:
        rating = self._picked_rating()

        def change(data: dict) -> None:
            ratings = data["scorecards"][0]["ratings"]
            ratings[:] = [r for r in ratings if (r["year"], r["indicator"]) != (rating.year, rating.indicator)]

        self._edit(change, f"The {rating.year} rating of {quote(self._indicator_title(rating.indicator))} deleted.")

    # recommendations
    def _picked_rec(self):
        rec_id = chosen(self.rec_form["recommendation"].value, "Recommendation")
        rec = next((r for r in self.result.recommendations.recommendations if r.id == rec_id), None)
        if rec is None:
            raise InputError("Recommendation: that recommendation is not there any more; pick one from the list.")
        return rec

    @guarded
    def fill_recommendation(self, change: dict | None = None) -> None:
        """Show the chosen recommendation's wording, status, groups and linked actions in the form."""
        rec_id = self.rec_form["recommendation"].value
        rec = next((r for r in self.result.recommendations.recommendations if r.id == rec_id), None)
        form = self.rec_form
        if not refill(self, "recommendation", rec, change):
            return
        form["text"].value = rec.text if rec else ""
        form["status"].value = rec.status if rec else None
        set_groups(form["groups"], rec.affected_groups if rec else [])
        offered = {value for _, value in form["actions"].options}
        form["actions"].value = tuple(a for a in rec.action_ids if a in offered) if rec else ()

    @guarded
    def add_recommendation(self, form: Form) -> None:
        entry = {"text": required(form["text"].value, "Recommendation"),
                 "mechanism": chosen(form["mechanism"].value, "Mechanism"), "body": form["body"].value.strip(),
                 "date": checked_date(form["date"].value, "Date"),
                 "affected_groups": picked_groups(form["groups"], "Groups concerned"),
                 "sdg_targets": split_items(form["sdg_targets"].value),
                 "status": chosen(form["status"].value, "Status")}
        if len(entry["date"]) != 10:
            raise InputError(f"Date: {entry['date']} gives no day; expected a full date like 2022-11-10.")
        self._edit_recs(lambda data: data["recommendations"].append(entry),
                        f"Recommendation {quote(entry['text'])} added.")
        form.clear("text", "body", "sdg_targets")
        form["groups"].value, form["date"].value = [], None

    @guarded
    def update_recommendation(self, form: Form) -> None:
        rec = self._picked_rec()
        update = {"text": required(form["text"].value, "Wording"), "status": chosen(form["status"].value, "Status"),
                  "affected_groups": picked_groups(form["groups"], "Groups concerned"),
                  "action_ids": list(form["actions"].value)}

        def change(data: dict) -> None:
            upsert(data["recommendations"], {"id": rec.id, **update}, ["id"])

        self._edit_recs(change, f"Recommendation {quote(update['text'])} saved.")

    @guarded
    def delete_recommendation(self, form: DeleteButton) -> None:
        rec = self._picked_rec()
        self._edit_recs(lambda data: remove_entry(data["recommendations"], rec.id, "Recommendation"),
                        f"Recommendation {quote(rec.text)} deleted.")

    # consultations
    def _picked_consultation(self) -> dict:
        consultation_id = chosen(self.consultation_edit["consultation"].value, "Consultation")
        found = next((c for c in self.result.step5.consultations if c.id == consultation_id), None)
        if found is None:
            raise InputError("Consultation: that consultation is not there any more; pick one from the list.")
        return found.model_dump()

    @guarded
    def fill_consultation(self, change: dict | None = None) -> None:
        """Show the chosen consultation in the change form."""
        found = next((c for c in self.result.step5.consultations
                      if c.id == self.consultation_edit["consultation"].value), None)
        form = self.consultation_edit
        if not refill(self, "consultation", found, change):
            return
        form["title"].value = found.title if found else ""
        form["date"].value = found.date if found else dt.date.today()
        form["method"].value = found.method if found else None
        form["location"].value = found.location if found else ""
        set_groups(form["groups"], found.group_ids if found else [])
        people = found.participants if found else None
        counts = {"total": (people.total or 0) if people else 0,
                  "female": people.by_sex.get("female", 0) if people else 0,
                  "male": people.by_sex.get("male", 0) if people else 0,
                  "with_disability": people.by_disability.get("with_disability", 0) if people else 0}
        for key, value in counts.items():
            form[key].value = str(value)
        form["accessibility"].value = "; ".join(found.accessibility) if found else ""
        form["feedback_given"].value = found.feedback_given if found else False
        form["feedback_how"].value = found.feedback_how if found else ""

    @staticmethod
    def _participants(counts: dict[str, int], old: dict) -> dict:
        """Head counts from the form; breakdowns the form does not show (age, other sex) are kept."""
        total, female, male, disabled = (counts[k] for k in COUNTS)
        other = old.get("by_sex", {}).get("other", 0)
        without = old.get("by_disability", {}).get("without_disability", 0)
        if female + male + other > total:
            raise InputError(f"{COUNTS['total']}: {total}, but women and men add up to {female + male + other}; "
                             "expected the total to count everyone who took part.")
        if disabled + without > total:
            raise InputError(f"{COUNTS['with_disability']}: {disabled + without} people with and without a "
                             f"disability are more than the {total} people in total; expected at most {total}.")
        ages = old.get("by_age", {})
        if ages and sum(ages.values()) != total:
            raise InputError(f"{COUNTS['total']}: the age groups recorded for this consultation add up to "
                             f"{sum(ages.values())}; expected the same total (change the ages in {STEP5_FILE} first).")
        people: dict = {"total": total} if total or ages else {}
        if ages:
            people["by_age"] = ages
        if female or male or other:
            people["by_sex"] = {"female": female, "male": male, **({"other": other} if other else {}),
                                "not_stated": total - female - male - other}
        if disabled or without:
            people["by_disability"] = {"with_disability": disabled,
                                       **({"without_disability": without} if without else {}),
                                       "not_stated": total - disabled - without}
        return people

    def _consultation_entry(self, form: Form, old: dict | None = None) -> dict:
        title = required(form["title"].value, "Consultation")
        date = checked_date(form["date"].value, "Date")
        counts = {key: checked_count(form[key].value, label) for key, label in COUNTS.items()}
        return {"title": title, "date": date, "method": chosen(form["method"].value, "Method"),
                "location": form["location"].value.strip(), "group_ids": picked_groups(form["groups"], "Groups who took part"),
                "participants": self._participants(counts, (old or {}).get("participants") or {}),
                "accessibility": split_items(form["accessibility"].value),
                "feedback_given": form["feedback_given"].value, "feedback_how": form["feedback_how"].value.strip()}

    @guarded
    def add_consultation(self, form: Form) -> None:
        entry = self._consultation_entry(form)
        self._edit(lambda data: data["consultations"].append(entry), f"Consultation {quote(entry['title'])} logged.")
        form.clear("title", "location", "accessibility", "feedback_how")
        form["groups"].value = []
        for key in COUNTS:
            form[key].value = "0"
        form["feedback_given"].value = False

    @guarded
    def change_consultation(self, form: Form) -> None:
        old = self._picked_consultation()
        entry = self._consultation_entry(form, old)

        def change(data: dict) -> None:
            found = next((c for c in data["consultations"] if c["id"] == old["id"]), None)
            if found is None:
                raise InputError("Consultation: that consultation is not there any more (someone may have deleted it).")
            found.update(entry)

        self._edit(change, f"Consultation {quote(entry['title'])} saved.")

    @guarded
    def delete_consultation(self, form: DeleteButton) -> None:
        old = self._picked_consultation()
        self._edit(lambda data: remove_entry(data["consultations"], old["id"], "Consultation"),
                   f"Consultation {quote(old['title'])} deleted.")

    def answer(self, checklist: str, entry: dict) -> None:
        """Save one checklist answer (called by the checklist form, whose submit is guarded)."""
        self._edit(lambda data: upsert(data["checklists"].setdefault(checklist, []), entry, ["question"]),
                   "Answer saved.")
