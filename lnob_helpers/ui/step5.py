"""The Step 5 page ("How to advance accountability"): scorecard, recommendations, participation
and the VNR, MAPS and participation checklists.

Report mode renders static tables and the scorecard history. App mode adds forms for scorecard
ratings, consultations, recommendation status and action links, and checklist answers, saved
at once to `step5_accountability.yaml` and `step5_recommendations.yaml`.
"""

from __future__ import annotations

import datetime as dt
import html

import ipywidgets as w
import pandas as pd

from ..accountability.checklists import checklist_progress, load_checklist
from ..accountability.models import STEP5_FILE, Step5Accountability, load_step5, save_step5
from ..accountability.participation import (METHODS, consultation_frame, participant_totals, participation_warnings,
                                            who_is_not_participating)
from ..accountability.recommendations import (RECOMMENDATIONS_FILE, STATUSES, load_recommendations,
                                              recommendation_coverage, recommendations_frame, save_recommendations)
from ..accountability.scorecard import ScorecardAssessment, plot_scorecard_history, score_scorecard
from ..config import Analysis
from ..groups import STEP1_MISSING, step1_groups
from ..notebook import step_context
from ..what.models import STEP3_FILE, load_step3
from ..why.models import STEP2_FILE, load_step2
from .feedback import Alerts, guarded
from .forms import (ChecklistForm, Form, StepPage, bullets, choice, chosen, figure_png, heading, many, remove_entry,
                    required, say, section, set_options, show_app, show_figure, show_table, split_items, table_html, text,
                    upsert, whole)

CHECKLISTS = ("vnr", "maps", "participation")
LOG_SHOWN = ["date", "title", "method", "groups", "total", "sex_female", "sex_male", "with_disability",
             "accessibility", "feedback_given"]


def show(analysis: str = "", mode: str = "auto") -> None:
    """Render Step 5 for an analysis folder: the app's forms, or the report's tables and charts."""
    ctx = step_context(analysis, mode)
    if ctx.is_app:
        show_app(lambda: Step5Page(ctx.analysis))
    else:
        report(ctx.analysis)


def focus_groups(groups: pd.DataFrame, analysis: Analysis) -> pd.DataFrame:
    """The furthest-behind groups and those the team chose in Step 2: Step 1 may list hundreds."""
    chosen_groups = load_step2(analysis.folder / STEP2_FILE).priority_groups
    return groups[groups["furthest_behind"] | groups["group_id"].isin(chosen_groups)].reset_index(drop=True)


def score_summary(assessment: ScorecardAssessment) -> tuple[str, pd.DataFrame]:
    """A sentence on the latest overall score and the change since the first year, and the
    area scores (0-100) with one column per year."""
    scores = score_scorecard(assessment.resolved(), assessment.ratings)
    overall = scores.overall()
    if overall.empty:
        return "No rating recorded yet.", pd.DataFrame()
    last, first = overall.iloc[-1], overall.iloc[0]
    sentence = (f"In {int(last['year'])} the team scored {100 * last['score']:.0f} out of 100 on the "
                f"{scores.card.title.lower()}, with {100 * last['share_meets']:.0f}% of the rated indicators at "
                "the \"meets\" level or above")
    if len(overall) > 1:
        sentence += f" (from {100 * first['score']:.0f} in {int(first['year'])})"
    by_area = scores.by_area.assign(score=(100 * scores.by_area["score"]).round(0))
    table = by_area.pivot_table(index="area", columns="year", values="score", sort=False).reset_index()
    table.columns = [str(c) for c in table.columns]
    return sentence + ".", table


def report(analysis: Analysis) -> None:
    folder = analysis.folder
    step5 = load_step5(folder / STEP5_FILE)
    step3 = load_step3(folder / STEP3_FILE)
    recs = load_recommendations(folder / RECOMMENDATIONS_FILE, step3)
    groups = step1_groups(analysis, compute=True)
    groups = None if groups is None else focus_groups(groups, analysis)
    heading("Accountability scorecard")
    if not step5.scorecards:
        say("No scorecard rated yet.")
    for assessment in step5.scorecards:
        sentence, table = score_summary(assessment)
        say(sentence)
        show_table(table)
        if assessment.ratings:
            show_figure(plot_scorecard_history(score_scorecard(assessment.resolved(), assessment.ratings)))
    heading("Human-rights recommendations")
    shown = recommendations_frame(recs)
    say(f"{len(shown)} recommendations tracked; by status: "
        + (", ".join(f"{k.replace('_', ' ')} {v}" for k, v in shown["status"].value_counts().items()) or "none") + ".")
    show_table(shown, empty="No recommendation imported yet.")
    if groups is None:
        say(STEP1_MISSING)
    else:
        coverage = recommendation_coverage(recs, step3, groups)
        heading("Recommendations and actions for the furthest-behind and priority groups", 3)
        show_table(coverage.to_frame().drop(columns=["recommended_no_action"]))
        bullets(coverage.gaps(), "Every group that recommendations concern has at least one targeted action.")
    heading("Participation")
    show_table(consultation_frame(step5.consultations)[LOG_SHOWN], empty="No consultation logged yet.")
    show_table(participant_totals(step5.consultations), empty="No head counts recorded yet.")
    if groups is not None:
        heading("Who is not participating? (furthest-behind and priority groups)", 3)
        show_table(who_is_not_participating(step5.consultations, groups))
        bullets(participation_warnings(step5.consultations, groups), "No participation gap found.")
    heading("Checklists")
    for name in CHECKLISTS:
        checklist = load_checklist(name)
        heading(checklist.title, 3)
        show_table(checklist_progress(checklist, step5.checklists.get(name, [])))


class Step5Page(StepPage):
    """The Step 5 app for one analysis; `refresh()` redraws everything from the two step files."""

    def __init__(self, analysis: Analysis):
        self.analysis = analysis
        self.path = analysis.folder / STEP5_FILE
        self.recs_path = analysis.folder / RECOMMENDATIONS_FILE
        self.alerts = Alerts()
        every_group = step1_groups(analysis)
        self.groups = None if every_group is None else focus_groups(every_group, analysis)
        self.step3 = load_step3(analysis.folder / STEP3_FILE)
        self.step5 = Step5Accountability()
        card = ScorecardAssessment().resolved()
        group_options = [] if every_group is None else list(zip(every_group["label"], every_group["group_id"]))

        self.score_view = w.HTML()
        self.score_chart = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.rating_form = Form({
            "year": whole("Year", 2000, 2100, dt.date.today().year),
            "indicator": choice("Indicator", [(f"{a.title}: {i.title}", i.id) for a in card.areas for i in a.indicators]),
            "rating": choice("Rating", [(f"{s.value} {s.label}", s.value) for s in card.scale]),
            "evidence": text("Evidence", "What shows this rating"),
        }, "Save rating", self.rate, self.alerts, title="Rate an indicator")

        self.recs_view = w.HTML()
        self.rec_form = Form({
            "recommendation": choice("Recommendation"),
            "status": choice("Status", [(s.replace("_", " "), s) for s in STATUSES]),
            "actions": many("Step 3 actions", [(a.title, a.id) for a in self.step3.actions]),
        }, "Save recommendation", self.update_recommendation, self.alerts, title="Status and linked actions")
        self.rec_form["recommendation"].observe(
            lambda change: guarded(self.alerts)(self._fill_recommendation)(change["new"]), "value")

        self.log_view = w.HTML()
        self.consultation_form = Form({
            "title": text("Consultation", "e.g. Focus group with displaced women"),
            "date": w.DatePicker(description="Date", value=dt.date.today()),
            "method": choice("Method", [(m.replace("_", " "), m) for m in METHODS]),
            "location": text("Where", ""),
            "groups": many("Groups who took part", group_options),
            "total": whole("People in total", 0, 100000, 0),
            "female": whole("of whom women", 0, 100000, 0),
            "male": whole("of whom men", 0, 100000, 0),
            "with_disability": whole("with a disability", 0, 100000, 0),
            "accessibility": text("Accessibility", "e.g. sign language; easy-read; step-free venue"),
            "feedback_given": w.Checkbox(description="Participants were told how their views were used"),
            "feedback_how": text("How", "e.g. results meeting in the village"),
        }, "Add consultation", self.add_consultation, self.alerts, title="Log a consultation")
        self.consultation_delete = Form({"consultation": choice("Consultation")}, "Delete consultation",
                                        self.delete_consultation, self.alerts, style="danger",
                                        title="Delete a consultation")
        self.checklists = {name: ChecklistForm(load_checklist(name), self.alerts,
                                               lambda entry, name=name: self.answer(name, entry))
                           for name in CHECKLISTS}
        self.assemble([
            section("Accountability scorecard"), self.score_view, self.score_chart, self.rating_form.box,
            section("Human-rights recommendations"), self.recs_view, self.rec_form.box,
            section("Participation log"), self.log_view,
            w.HBox([self.consultation_form.box, self.consultation_delete.box]),
            section("Checklists"), *[c.box for c in self.checklists.values()],
        ], "lnob-step5")

    def refresh(self) -> None:
        self.step5 = step5 = load_step5(self.path)
        self.recs = recs = load_recommendations(self.recs_path, self.step3)
        if step5.scorecards and step5.scorecards[0].ratings:
            sentence, table = score_summary(step5.scorecards[0])
            scores = score_scorecard(step5.scorecards[0].resolved(), step5.scorecards[0].ratings)
            self.score_view.value = f"<p>{html.escape(sentence)}</p>" + table_html(table)
            self.score_chart.value = figure_png(plot_scorecard_history(scores))
        else:
            self.score_view.value = "<p><em>No rating recorded yet.</em></p>"
            self.score_chart.value = b""
        frame = recommendations_frame(recs)
        self.recs_view.value = table_html(frame[["id", "mechanism", "date", "status", "text", "action_ids"]],
                                          empty="No recommendation imported yet.")
        set_options(self.rec_form["recommendation"], [(f"{r.id}: {r.text[:70]}", r.id) for r in recs.recommendations])
        log = consultation_frame(step5.consultations)
        warnings = participation_warnings(step5.consultations, self.groups) if self.groups is not None else []
        self.log_view.value = (table_html(log[LOG_SHOWN], empty="No consultation logged yet.")
                               + "".join(f"<p>⚠ {html.escape(m)}</p>" for m in warnings))
        set_options(self.consultation_delete["consultation"], [(f"{c.date} {c.title}", c.id) for c in step5.consultations])
        for name, form in self.checklists.items():
            form.refresh(step5.checklists.get(name, []))

    def _edit(self, change, done: str) -> None:
        self.save_change(self.path, load_step5, save_step5, change, done)

    def rate(self, form: Form) -> None:
        entry = {"year": form["year"].value, "indicator": chosen(form["indicator"].value, "Indicator"),
                 "rating": chosen(form["rating"].value, "Rating"), "evidence": form["evidence"].value.strip()}

        def change(data: dict) -> None:
            if not data["scorecards"]:
                data["scorecards"].append({"scorecard": "lnob", "ratings": []})
            upsert(data["scorecards"][0]["ratings"], entry, ["year", "indicator"])

        self._edit(change, f"Rating of `{entry['indicator']}` for {entry['year']} saved.")
        form.clear("evidence")

    def _fill_recommendation(self, rec_id: str | None) -> None:
        rec = next((r for r in self.recs.recommendations if r.id == rec_id), None)
        if rec is not None:
            self.rec_form["status"].value = rec.status
            offered = {value for _, value in self.rec_form["actions"].options}
            self.rec_form["actions"].value = tuple(a for a in rec.action_ids if a in offered)

    def update_recommendation(self, form: Form) -> None:
        rec_id = chosen(form["recommendation"].value, "Recommendation")
        update = {"status": chosen(form["status"].value, "Status"), "action_ids": list(form["actions"].value)}

        def change(data: dict) -> None:
            upsert(data["recommendations"], {"id": rec_id, **update}, ["id"])

        self.save_change(self.recs_path, load_recommendations,
                         lambda path, recs: save_recommendations(path, recs, self.step3), change,
                         f"Recommendation `{rec_id}` saved.")

    def add_consultation(self, form: Form) -> None:
        title = required(form["title"].value, "Consultation")
        total, female, male, disabled = (form[k].value for k in ("total", "female", "male", "with_disability"))
        participants: dict = {"total": total} if total else {}
        if female or male:
            participants["by_sex"] = {"female": female, "male": male, "not_stated": max(total - female - male, 0)}
        if disabled:
            participants["by_disability"] = {"with_disability": disabled, "not_stated": max(total - disabled, 0)}
        entry = {"title": title, "date": form["date"].value, "method": chosen(form["method"].value, "Method"),
                 "location": form["location"].value.strip(), "group_ids": list(form["groups"].value),
                 "participants": participants, "accessibility": split_items(form["accessibility"].value),
                 "feedback_given": form["feedback_given"].value, "feedback_how": form["feedback_how"].value.strip()}
        self._edit(lambda data: data["consultations"].append(entry), f"Consultation \"{title}\" logged.")
        form.clear("title", "location", "accessibility", "feedback_how")

    def delete_consultation(self, form: Form) -> None:
        consultation_id = chosen(form["consultation"].value, "Consultation")
        self._edit(lambda data: remove_entry(data["consultations"], consultation_id, "Consultation"),
                   f"Consultation `{consultation_id}` deleted.")

    def answer(self, checklist: str, entry: dict) -> None:
        self._edit(lambda data: upsert(data["checklists"].setdefault(checklist, []), entry, ["question"]),
                   "Answer saved.")
