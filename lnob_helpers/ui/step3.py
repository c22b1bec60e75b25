"""The Step 3 page ("What should be done?"): the prioritised action plan and its coverage gaps.

Report mode renders the ranked plan, a chart of what drives each score, the spread over the
guide's seven areas and the coverage warnings. App mode adds forms that add, rate and delete
actions in `step3_what.yaml`; links to Step 2 are checked on every save.
"""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd

from ..accountability.recommendations import RECOMMENDATIONS_FILE, load_recommendations
from ..config import Analysis
from ..errors import InputError
from ..groups import STEP1_MISSING, WHOLE_POPULATION, step1_groups
from ..notebook import check_int, step_context
from ..what.coverage import check_coverage
from ..what.models import ACTION_AREAS, STEP3_FILE, Step3What, load_step3, save_step3
from ..what.plan_plot import plot_action_plan
from ..what.prioritise import RATED, ActionPlan, prioritise_actions
from ..why.models import STEP2_FILE, load_step2
from .feedback import Alerts
from .forms import (Form, StepPage, bullets, choice, chosen, heading, many, remove_entry, required, say, section,
                    set_options, show_app, show_figure, show_table, split_items, table_html, text)

PLAN_SHOWN = ["rank", "title", "area", "score", "aimed at", "causes", "duty_bearers", "sdg_targets", "lead"]
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
        report(ctx.analysis, top)


def area_counts(step3: Step3What) -> pd.DataFrame:
    """Actions per area of the guide's seven, areas without any action included."""
    counts = pd.Series([a.area for a in step3.actions], dtype="str").value_counts()
    return pd.DataFrame({"area": list(ACTION_AREAS.values()),
                         "actions": [int(counts.get(k, 0)) for k in ACTION_AREAS]})


def plan_table(plan: ActionPlan, step3: Step3What, top: int) -> pd.DataFrame:
    """The top actions for reading: the groups each is aimed at rather than every group it reaches."""
    aimed = {a.id: "; ".join(a.group_ids) for a in step3.actions}
    table = plan.table.head(top)
    return table.assign(**{"aimed at": table["action_id"].map(aimed)})[PLAN_SHOWN]


def report(analysis: Analysis, top: int = 15) -> None:
    step2 = load_step2(analysis.folder / STEP2_FILE)
    step3 = load_step3(analysis.folder / STEP3_FILE, step2)
    groups = step1_groups(analysis, compute=True)
    heading("Prioritised action plan")
    if groups is None:
        say(STEP1_MISSING)
        return
    plan = prioritise_actions(step3, step2, groups)
    if plan.table.empty:
        say("No action recorded yet.")
    else:
        say(f"The {min(top, len(plan.table))} highest-ranked of {len(plan.table)} actions. Weights: "
            + ", ".join(f"{k.replace('_', ' ')} {v:.2f}" for k, v in plan.weights.items()) + ".")
        show_table(plan_table(plan, step3, top))
        show_figure(plot_action_plan(plan, top))
        heading("Why each action ranks where it does", 3)
        show_table(plan.table.head(top)[["rank", "title", "explanation"]])
    heading("Actions in the seven areas")
    show_table(area_counts(step3))
    heading("Coverage warnings")
    bullets(check_coverage(step3, step2, groups).messages(),
            "Every root cause and furthest-behind group has an action, and every action reaches a left-behind group.")


class Step3Page(StepPage):
    """The Step 3 app for one analysis; `refresh()` redraws everything from `step3_what.yaml`."""

    def __init__(self, analysis: Analysis, top: int = 15):
        self.analysis = analysis
        self.path = analysis.folder / STEP3_FILE
        self.top = top
        self.alerts = Alerts()
        self.groups = step1_groups(analysis)
        self.step2 = load_step2(analysis.folder / STEP2_FILE)
        self.step3 = Step3What()
        group_options = [("Everyone (universal action)", WHOLE_POPULATION)]
        if self.groups is not None:
            group_options += list(zip(self.groups["label"], self.groups["group_id"]))
        self.plan_view = w.HTML()
        self.plan_view.add_class("lnob-plan")
        self.warnings_view = w.HTML()
        self.add_form = Form({
            "title": text("Action", "What would be done"),
            "area": choice("Area", [(v, k) for k, v in ACTION_AREAS.items()]),
            "causes": many("Causes addressed", [(f"{c.level}: {c.text}", c.id) for c in self.step2.causes().values()]),
            "gaps": many("Capacity gaps closed", [(g.description, g.id) for g in self.step2.capacity_gaps]),
            "groups": many("Groups reached", group_options),
            "duty_bearers": many("Duty-bearers", [(a.name, a.id) for a in self.step2.actors if a.kind == "duty_bearer"]),
            "sdg_targets": text("SDG targets", "e.g. 3.1; 10.2"),
            "lead": text("Lead", "Who leads it"),
            **{r: choice(RATING_LABELS[r], RATING_OPTIONS) for r in RATED},
        }, "Add action", self.add_action, self.alerts, title="New action")
        self.rate_form = Form({"action": choice("Action"), **{r: choice(RATING_LABELS[r], RATING_OPTIONS) for r in RATED}},
                              "Save ratings", self.rate_action, self.alerts, title="Rate an action (1-5, 5 = favourable)")
        self.delete_form = Form({"action": choice("Action")}, "Delete action", self.delete_action, self.alerts,
                                style="danger", title="Delete an action")
        self.assemble([
            section("Prioritised action plan"), self.plan_view, section("Coverage warnings"), self.warnings_view,
            section("Add, rate or delete actions"), self.add_form.box,
            w.HBox([self.rate_form.box, self.delete_form.box]),
        ], "lnob-step3")

    def refresh(self) -> None:
        self.step3 = step3 = load_step3(self.path)
        actions = [(a.title, a.id) for a in step3.actions]
        set_options(self.rate_form["action"], actions)
        set_options(self.delete_form["action"], actions)
        if self.groups is None:
            self.plan_view.value = table_html(pd.DataFrame({"action": [a.title for a in step3.actions]}),
                                              empty="No action recorded yet.")
            self.warnings_view.value = f"<p>{html.escape(STEP1_MISSING)}</p>"
            return
        plan: ActionPlan = prioritise_actions(step3, self.step2, self.groups)
        self.plan_view.value = table_html(plan_table(plan, step3, self.top), empty="No action recorded yet.")
        messages = check_coverage(step3, self.step2, self.groups).messages()
        self.warnings_view.value = ("<ul>" + "".join(f"<li>{html.escape(m)}</li>" for m in messages) + "</ul>"
                                    if messages else "<p>No coverage gap.</p>")

    def _edit(self, change, done: str) -> None:
        self.save_change(self.path, load_step3, lambda path, step3: save_step3(path, step3, self.step2), change, done)

    def add_action(self, form: Form) -> None:
        title = required(form["title"].value, "Action")
        entry = {"title": title, "area": chosen(form["area"].value, "Area"), "cause_ids": list(form["causes"].value),
                 "capacity_gap_ids": list(form["gaps"].value), "group_ids": list(form["groups"].value),
                 "duty_bearer_ids": list(form["duty_bearers"].value),
                 "sdg_targets": split_items(form["sdg_targets"].value), "lead": form["lead"].value.strip(),
                 **{r: form[r].value for r in RATED}}
        self._edit(lambda data: data["actions"].append(entry), f"Action \"{title}\" added.")
        form.clear("title", "sdg_targets", "lead")

    def rate_action(self, form: Form) -> None:
        action_id = chosen(form["action"].value, "Action")

        def change(data: dict) -> None:
            action = next((a for a in data["actions"] if a["id"] == action_id), None)
            if action is None:
                raise InputError(f"Action `{action_id}` is not there any more; reload the page.")
            action.update({r: form[r].value for r in RATED})

        self._edit(change, f"Ratings of `{action_id}` saved.")

    def delete_action(self, form: Form) -> None:
        action_id = chosen(form["action"].value, "Action")
        recs = load_recommendations(self.analysis.folder / RECOMMENDATIONS_FILE)
        used = [r.id for r in recs.recommendations if action_id in r.action_ids]
        if used:
            raise InputError(f"Action `{action_id}`: recommendations {', '.join(used)} are linked to it in Step 5; "
                             "unlink it there first.")
        self._edit(lambda data: remove_entry(data["actions"], action_id, "Action"), f"Action `{action_id}` deleted.")
