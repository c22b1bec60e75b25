"""The Step 3 page ("What should be done?"): the prioritised action plan and its coverage gaps.

Both modes render a `Step3Result` (`what.step3.compute_step3`) and write its tables. Report mode
shows the ranked plan, a chart of what drives each score, the spread over the guide's seven areas
and the coverage warnings. App mode adds forms that add, rate and delete actions in
`step3_what.yaml`; links to Step 2 are checked on every save, then Step 3 is computed again.
"""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd

from ..accountability.recommendations import RECOMMENDATIONS_FILE, load_recommendations
from ..config import Analysis
from ..errors import InputError
from ..groups import WHOLE_POPULATION
from ..notebook import check_int, step_context
from ..render import table_html
from ..what.models import ACTION_AREAS, STEP3_FILE, load_step3, save_step3
from ..what.plan_plot import plot_action_plan
from ..what.prioritise import RATED
from ..what.step3 import Step3Result, compute_step3
from .feedback import Alerts, guarded
from .forms import (Form, StepPage, bullets, choice, chosen, heading, many, plain, remove_entry, required, say, section,
                    set_options, show_app, show_figure, show_table, split_items, text)

RATING_OPTIONS = [("not rated yet", None), ("1 (least favourable)", 1), ("2", 2), ("3", 3), ("4", 4),
                  ("5 (most favourable)", 5)]
RATING_LABELS = {"feasibility": "Feasibility", "cost": "Cost (5 = cheap)", "time_horizon": "Results (5 = soon)"}


def show(analysis: str = "", mode: str = "auto", top: int = 15) -> None:
    """Render Step 3 for an analysis folder: the app's forms, or the report's plan and warnings."""
    ctx = step_context(analysis, mode)
    top = check_int(top, "top", 1, 500)
    if ctx.is_app:
        show_app(lambda: Step3Page(ctx.analysis, top))
    else:
        result = compute_step3(ctx.analysis)
        result.write()
        render_report(result, top)


def render_report(result: Step3Result, top: int = 15) -> None:
    """Static headings, tables and the plan chart of a computed Step 3."""
    heading("Prioritised action plan")
    if result.plan is None:
        say(plain(" ".join(result.notes)))
        return
    plan = result.plan
    if plan.table.empty:
        say("No action recorded yet.")
    else:
        say(f"The {min(top, len(plan.table))} highest-ranked of {len(plan.table)} actions. Weights: "
            + ", ".join(f"{k.replace('_', ' ')} {v:.2f}" for k, v in plan.weights.items()) + ".")
        show_table(result.plan_table(top))
        show_figure(plot_action_plan(plan, top))
        heading("Why each action ranks where it does", 3)
        show_table(plan.table.head(top)[["rank", "title", "explanation"]])
    heading("Actions in the seven areas")
    show_table(result.areas)
    heading("Coverage warnings")
    bullets(result.coverage.messages(),
            "Every root cause and furthest-behind group has an action, and every action reaches a left-behind group.")


class Step3Page(StepPage):
    """The Step 3 app for one analysis; `refresh()` computes Step 3 from the files and redraws it."""

    def __init__(self, analysis: Analysis, top: int = 15):
        self.analysis = analysis
        self.alerts = Alerts()
        self.result = compute_step3(analysis)
        self.path = analysis.folder / STEP3_FILE
        self.watch(self.path, load_step3)
        self.top = top
        step2, groups = self.result.step2, self.result.groups
        group_options = [("Everyone (universal action)", WHOLE_POPULATION)]
        if groups is not None:
            group_options += list(zip(groups["label"], groups["group_id"]))
        self.plan_view = w.HTML()
        self.plan_view.add_class("lnob-plan")
        self.warnings_view = w.HTML()
        self.add_form = Form({
            "title": text("Action", "What would be done"),
            "area": choice("Area", [(v, k) for k, v in ACTION_AREAS.items()]),
            "causes": many("Causes addressed", [(f"{c.level}: {c.text}", c.id) for c in step2.causes().values()]),
            "gaps": many("Capacity gaps closed", [(g.description, g.id) for g in step2.capacity_gaps]),
            "groups": many("Groups reached", group_options),
            "duty_bearers": many("Duty-bearers", [(a.name, a.id) for a in step2.actors if a.kind == "duty_bearer"]),
            "sdg_targets": text("SDG targets", "e.g. 3.1; 10.2"),
            "lead": text("Lead", "Who leads it"),
            **{r: choice(RATING_LABELS[r], RATING_OPTIONS) for r in RATED},
        }, "Add action", self.add_action, title="New action")
        self.rate_form = Form({"action": choice("Action"), **{r: choice(RATING_LABELS[r], RATING_OPTIONS) for r in RATED}},
                              "Save ratings", self.rate_action, title="Rate an action (1-5, 5 = favourable)")
        self.delete_form = Form({"action": choice("Action")}, "Delete action", self.delete_action,
                                style="danger", title="Delete an action")
        self.assemble([
            section("Prioritised action plan"), self.plan_view, section("Coverage warnings"), self.warnings_view,
            section("Add, rate or delete actions"), self.add_form.box,
            w.HBox([self.rate_form.box, self.delete_form.box]),
        ], "lnob-step3")

    @property
    def groups(self) -> pd.DataFrame | None:
        return self.result.groups

    def refresh(self) -> None:
        """Compute Step 3 from the files, write its tables and redraw the plan, warnings and lists."""
        self.result = result = compute_step3(self.analysis)
        result.write()
        actions = [(a.title, a.id) for a in result.step3.actions]
        set_options(self.rate_form["action"], actions)
        set_options(self.delete_form["action"], actions)
        if result.plan is None:
            self.plan_view.value = table_html(pd.DataFrame({"action": [a.title for a in result.step3.actions]}),
                                              empty="No action recorded yet.")
            self.warnings_view.value = "".join(f"<p>{html.escape(note)}</p>" for note in result.notes)
            return
        self.plan_view.value = table_html(result.plan_table(self.top), empty="No action recorded yet.")
        messages = result.coverage.messages()
        self.warnings_view.value = ("<ul>" + "".join(f"<li>{html.escape(m)}</li>" for m in messages) + "</ul>"
                                    if messages else "<p>No coverage gap.</p>")

    def _edit(self, change, done: str) -> None:
        self.save_change(self.path, load_step3, lambda path, step3: save_step3(path, step3, self.result.step2), change, done)

    @guarded
    def add_action(self, form: Form) -> None:
        title = required(form["title"].value, "Action")
        entry = {"title": title, "area": chosen(form["area"].value, "Area"), "cause_ids": list(form["causes"].value),
                 "capacity_gap_ids": list(form["gaps"].value), "group_ids": list(form["groups"].value),
                 "duty_bearer_ids": list(form["duty_bearers"].value),
                 "sdg_targets": split_items(form["sdg_targets"].value), "lead": form["lead"].value.strip(),
                 **{r: form[r].value for r in RATED}}
        self._edit(lambda data: data["actions"].append(entry), f"Action \"{title}\" added.")
        form.clear("title", "sdg_targets", "lead")

    @guarded
    def rate_action(self, form: Form) -> None:
        action_id = chosen(form["action"].value, "Action")

        def change(data: dict) -> None:
            action = next((a for a in data["actions"] if a["id"] == action_id), None)
            if action is None:
                raise InputError(f"Action `{action_id}` is not there any more; reload the page.")
            action.update({r: form[r].value for r in RATED})

        self._edit(change, f"Ratings of `{action_id}` saved.")

    @guarded
    def delete_action(self, form: Form) -> None:
        action_id = chosen(form["action"].value, "Action")
        recs = load_recommendations(self.analysis.folder / RECOMMENDATIONS_FILE)
        used = [r.id for r in recs.recommendations if action_id in r.action_ids]
        if used:
            raise InputError(f"Action `{action_id}`: recommendations {', '.join(used)} are linked to it in Step 5; "
                             "unlink it there first.")
        self._edit(lambda data: remove_entry(data["actions"], action_id, "Action"), f"Action `{action_id}` deleted.")
