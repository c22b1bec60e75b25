"""The Step 5 page ("How to advance accountability"): scorecard, recommendations, participation
and the VNR, MAPS and participation checklists.

Both modes render a `Step5Result` (`accountability.step5.compute_step5`) and write its tables.
Report mode shows static tables and the scorecard history. App mode adds forms for scorecard
ratings, consultations, recommendation status and action links, and checklist answers, saved at
once to `step5_accountability.yaml` and `step5_recommendations.yaml`; then Step 5 is computed again.
"""

from __future__ import annotations

import datetime as dt
import html

import ipywidgets as w
import pandas as pd

from ..accountability.models import load_step5, save_step5
from ..accountability.recommendations import RECOMMENDATIONS_FILE, STATUSES, load_recommendations, save_recommendations
from ..accountability.scorecard import ScorecardAssessment, plot_scorecard_history
from ..accountability.step5 import Step5Result, compute_step5
from ..config import Analysis
from ..consultations import METHODS, STEP5_FILE
from ..notebook import step_context
from ..render import figure_png, table_html
from .feedback import Alerts, guarded
from .forms import (ChecklistForm, Form, StepPage, bullets, choice, chosen, heading, many, plain, remove_entry, required,
                    say, section, set_options, show_app, show_figure, show_table, split_items, text, upsert, whole)

LOG_SHOWN = ["date", "title", "method", "groups", "total", "sex_female", "sex_male", "with_disability",
             "accessibility", "feedback_given"]


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
    """Static headings, tables and scorecard charts of a computed Step 5."""
    heading("Accountability scorecard")
    if not result.scorecards:
        say("No scorecard rated yet.")
    for scores in result.scorecards:
        say(plain(scores.headline()))
        show_table(scores.area_table())
        if not scores.by_indicator.empty:
            show_figure(plot_scorecard_history(scores))
    heading("Human-rights recommendations")
    shown = result.recommendation_table
    say(f"{len(shown)} recommendations tracked; by status: "
        + (", ".join(f"{k.replace('_', ' ')} {v}" for k, v in shown["status"].value_counts().items()) or "none") + ".")
    show_table(shown, empty="No recommendation imported yet.")
    if result.coverage is None:
        say(plain(" ".join(result.notes)))
    else:
        heading("Recommendations and actions for the furthest-behind and priority groups", 3)
        show_table(result.coverage.to_frame().drop(columns=["recommended_no_action"]))
        bullets(result.coverage.gaps(), "Every group that recommendations concern has at least one targeted action.")
    heading("Participation")
    show_table(result.consultation_log[LOG_SHOWN], empty="No consultation logged yet.")
    show_table(result.head_counts, empty="No head counts recorded yet.")
    if result.participation is not None:
        heading("Who is not participating? (furthest-behind and priority groups)", 3)
        show_table(result.participation)
        bullets(result.warnings, "No participation gap found.")
    heading("Checklists")
    for name, checklist in result.checklists.items():
        heading(checklist.title, 3)
        show_table(result.progress(name))


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
        card = ScorecardAssessment().resolved()
        group_options = [] if groups is None else list(zip(groups["label"], groups["group_id"]))

        self.score_view = w.HTML()
        self.score_chart = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.rating_form = Form({
            "year": whole("Year", 2000, 2100, dt.date.today().year),
            "indicator": choice("Indicator", [(f"{a.title}: {i.title}", i.id) for a in card.areas for i in a.indicators]),
            "rating": choice("Rating", [(f"{s.value} {s.label}", s.value) for s in card.scale]),
            "evidence": text("Evidence", "What shows this rating"),
        }, "Save rating", self.rate, title="Rate an indicator")

        self.recs_view = w.HTML()
        self.rec_form = Form({
            "recommendation": choice("Recommendation"),
            "status": choice("Status", [(s.replace("_", " "), s) for s in STATUSES]),
            "actions": many("Step 3 actions", [(a.title, a.id) for a in self.result.step3.actions]),
        }, "Save recommendation", self.update_recommendation, title="Status and linked actions")
        self.rec_form["recommendation"].observe(self.fill_recommendation, "value")

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
        }, "Add consultation", self.add_consultation, title="Log a consultation")
        self.consultation_delete = Form({"consultation": choice("Consultation")}, "Delete consultation",
                                        self.delete_consultation, style="danger", title="Delete a consultation")
        self.checklists = {name: ChecklistForm(checklist, self.alerts, lambda entry, name=name: self.answer(name, entry))
                           for name, checklist in self.result.checklists.items()}
        self.assemble([
            section("Accountability scorecard"), self.score_view, self.score_chart, self.rating_form.box,
            section("Human-rights recommendations"), self.recs_view, self.rec_form.box,
            section("Participation log"), self.log_view,
            w.HBox([self.consultation_form.box, self.consultation_delete.box]),
            section("Checklists"), *[c.box for c in self.checklists.values()],
        ], "lnob-step5")

    @property
    def groups(self) -> pd.DataFrame | None:
        return self.result.focus

    def refresh(self) -> None:
        """Compute Step 5 from the files, write its tables and redraw every view and option."""
        self.result = result = compute_step5(self.analysis)
        result.write()
        step5, recs = result.step5, result.recommendations
        scores = result.scorecards[0] if result.scorecards else None
        if scores is not None and not scores.by_indicator.empty:
            self.score_view.value = f"<p>{html.escape(scores.headline())}</p>" + table_html(scores.area_table())
            self.score_chart.value = figure_png(plot_scorecard_history(scores))
        else:
            self.score_view.value = "<p><em>No rating recorded yet.</em></p>"
            self.score_chart.value = b""
        self.recs_view.value = table_html(result.recommendation_table[["id", "mechanism", "date", "status", "text", "action_ids"]],
                                          empty="No recommendation imported yet.")
        set_options(self.rec_form["recommendation"], [(f"{r.id}: {r.text[:70]}", r.id) for r in recs.recommendations])
        self.log_view.value = (table_html(result.consultation_log[LOG_SHOWN], empty="No consultation logged yet.")
                               + "".join(f"<p>⚠ {html.escape(m)}</p>" for m in result.warnings))
        set_options(self.consultation_delete["consultation"], [(f"{c.date} {c.title}", c.id) for c in step5.consultations])
        for name, form in self.checklists.items():
            form.refresh(step5.checklists.get(name, []))

    def _edit(self, change, done: str) -> None:
        self.save_change(self.path, load_step5, save_step5, change, done)

    @guarded
    def rate(self, form: Form) -> None:
        entry = {"year": form["year"].value, "indicator": chosen(form["indicator"].value, "Indicator"),
                 "rating": chosen(form["rating"].value, "Rating"), "evidence": form["evidence"].value.strip()}

        def change(data: dict) -> None:
            if not data["scorecards"]:
                data["scorecards"].append({"scorecard": "lnob", "ratings": []})
            upsert(data["scorecards"][0]["ratings"], entry, ["year", "indicator"])

        self._edit(change, f"Rating of `{entry['indicator']}` for {entry['year']} saved.")
        form.clear("evidence")

    @guarded
    def fill_recommendation(self, change: dict | None = None) -> None:
        """Show the chosen recommendation's status and linked actions in the form."""
        rec_id = self.rec_form["recommendation"].value
        rec = next((r for r in self.result.recommendations.recommendations if r.id == rec_id), None)
        if rec is not None:
            self.rec_form["status"].value = rec.status
            offered = {value for _, value in self.rec_form["actions"].options}
            self.rec_form["actions"].value = tuple(a for a in rec.action_ids if a in offered)

    @guarded
    def update_recommendation(self, form: Form) -> None:
        rec_id = chosen(form["recommendation"].value, "Recommendation")
        update = {"status": chosen(form["status"].value, "Status"), "action_ids": list(form["actions"].value)}

        def change(data: dict) -> None:
            upsert(data["recommendations"], {"id": rec_id, **update}, ["id"])

        self.save_change(self.recs_path, load_recommendations,
                         lambda path, recs: save_recommendations(path, recs, self.result.step3), change,
                         f"Recommendation `{rec_id}` saved.")

    @guarded
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

    @guarded
    def delete_consultation(self, form: Form) -> None:
        consultation_id = chosen(form["consultation"].value, "Consultation")
        self._edit(lambda data: remove_entry(data["consultations"], consultation_id, "Consultation"),
                   f"Consultation `{consultation_id}` deleted.")

    def answer(self, checklist: str, entry: dict) -> None:
        """Save one checklist answer (called by the checklist form, whose submit is guarded)."""
        self._edit(lambda data: upsert(data["checklists"].setdefault(checklist, []), entry, ["question"]),
                   "Answer saved.")
