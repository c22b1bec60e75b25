"""The Step 3 page ("What should be done?"): the prioritised action plan and its coverage gaps.

Both modes render a `Step3Result` (`what.step3.compute_step3`) and write its tables. Report mode
shows the ranked plan, a chart of what drives each score, the spread over the guide's seven areas
and the coverage warnings. App mode adds forms that add, change (wording, links, ratings) and
delete actions in `step3_what.yaml`, with Undo beside the button; links to Step 2 are checked on
every save, then Step 3 is computed again.
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
from ..what.models import ACTION_AREAS, STEP3_FILE, load_step3, save_step3
from ..what.plan_plot import plot_action_plan
from ..what.prioritise import RATED
from ..what.step3 import Step3Result, compute_step3
from .feedback import Alerts, guarded
from .forms import (DeleteButton, Form, StepPage, bullets, choice, chosen, delete_beside, dress, edit_panels,
                    groups_field, heading, help_line, many, picked_groups, plain, refill, remove_entry, required, say,
                    section, set_groups, set_options, show_app, show_figure, show_table, split_items, text)
from .navigation import refresh_step_bar, step_bar
from .step2 import LEVEL_WORDS
from .words import full_table, listed, quote, readable, scroll_table

RATING_OPTIONS = [("not rated yet", None), ("1 (least favourable)", 1), ("2", 2), ("3", 3), ("4", 4),
                  ("5 (most favourable)", 5)]
RATING_LABELS = {"feasibility": "Feasibility", "cost": "Cost (5 = cheap)", "time_horizon": "Results (5 = soon)"}
EVERYONE = {"Everyone (universal action)": WHOLE_POPULATION}
REPORT_ACTIONS = 10  # actions in the report's plan table; the attached workbook holds them all
REPORT_REASONS = 3  # actions whose score the report explains
REPORT_PLAN_COLUMNS = ("rank", "title", "area", "score", "aimed at", "lead")
PLAN_HEADERS = {"rank": "Rank", "title": "Action", "area": "Area", "score": "Score", "aimed at": "Aimed at",
                "causes": "Causes addressed", "duty_bearers": "Duty-bearers", "sdg_targets": "SDG targets",
                "lead": "Lead"}
ACTION_HELP = {
    "title": "What would be done, in a few words, e.g. \"Mobile birth registration in displacement camps\".",
    "area": "Which of the guide's seven areas the action belongs to.",
    "causes": "The Step 2 causes it tackles (hold Ctrl or Cmd to pick several); root causes count most.",
    "gaps": "The capacity gaps from Step 2 that it closes (Ctrl or Cmd for several).",
    "groups": "Type a few letters of a group's name and pick it; \"Everyone\" marks a universal action.",
    "duty_bearers": "The duty-bearers from Step 2 who must act (Ctrl or Cmd for several).",
    "sdg_targets": "SDG targets as goal.target, separated by ; (e.g. 3.1; 10.2; 5.a).",
    "lead": "Who leads the action (optional).",
    "feasibility": "1 = hard to do, 5 = very feasible.",
    "cost": "1 = very costly, 5 = cheap.",
    "time_horizon": "1 = results take years, 5 = results soon.",
}


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
    """Static headings, the plan's short table and chart of a computed Step 3; the full plan (causes,
    duty-bearers, SDG targets) is in the report's attached workbook."""
    heading("Prioritised action plan")
    if result.plan is None:
        say(plain(" ".join(result.notes)))
        return
    plan = result.plan
    if plan.table.empty:
        say("No action recorded yet.")
    else:
        shown = min(top, REPORT_ACTIONS, len(plan.table))
        say(f"The {shown} highest-ranked of {len(plan.table)} actions, scored from 0 to 1. Weights: "
            + ", ".join(f"{k.replace('_', ' ')} {v:.2f}" for k, v in plan.weights.items()) + ". "
            + plain(full_table(3, "action_plan", "The full plan, with the causes, duty-bearers and SDG targets "
                                                 "of every action")))
        show_table(readable(result.plan_table(shown), {k: PLAN_HEADERS[k] for k in REPORT_PLAN_COLUMNS}))
        show_figure(plot_action_plan(plan, shown))
        heading("Why each action ranks where it does", 3)
        show_table(readable(explained(result, REPORT_REASONS),
                            {"rank": "Rank", "title": "Action", "explanation": "Why this score"}))
    heading("Actions in the seven areas")
    areas = result.areas
    if len(areas):
        say(plain("Actions per area: " + "; ".join(f"{a} ({n})" for a, n in zip(areas["area"], areas["actions"])) + "."))
    else:
        say("No action recorded yet.")
    heading("Coverage warnings")
    bullets(result.coverage.messages(ids=False),
            "Every root cause and furthest-behind group has an action, and every action reaches a left-behind group.")


def explained(result: Step3Result, top: int) -> pd.DataFrame:
    """The `top` actions with what drives each score, the deepest cause quoted in words, not by id."""
    causes = {c.id: c.text for c in result.step2.causes().values()}
    table = result.plan.table.head(top)
    words = table["explanation"].str.replace(r"`([^`]+)`", lambda m: quote(causes.get(m.group(1), m.group(1)), 60),
                                             regex=True)
    return table.assign(explanation=words)


class Step3Page(StepPage):
    """The Step 3 app for one analysis; `refresh()` computes Step 3 from the files and redraws it."""

    def __init__(self, analysis: Analysis, top: int = 15):
        self.analysis = analysis
        self.alerts = Alerts()
        self.result = compute_step3(analysis)
        self.path = analysis.folder / STEP3_FILE
        self.watch(self.path, load_step3)
        self.top = top
        self.bar = step_bar(analysis, "3_what")
        self.plan_view = w.HTML(layout=w.Layout(max_width="100%"))
        self.plan_view.add_class("lnob-plan")
        self.warnings_view = w.HTML()
        self.add_form = dress(Form(self._fields(), "Add action", self.add_action, title="New action"), ACTION_HELP)
        self.edit_form = dress(Form({"action": choice("Action"), **self._fields()}, "Save action", self.change_action,
                                    title="Change or delete an action"),
                               {"action": "Pick the action to change, rate or delete.", **ACTION_HELP})
        self.edit_form["action"].observe(self.fill_action, "value")
        self.delete_button = delete_beside(self.edit_form, "Delete action", self.delete_action,
                                           lambda _: f"the action {quote(self._picked()['title'])}",
                                           self.edit_form["action"])
        self.assemble([
            self.bar,
            section("Prioritised action plan"), self.plan_view,
            help_line("Ranked by impact on the furthest behind, depth of the causes tackled, reach and the "
                      "team's ratings; change an action below to move it.", indent=False),
            section("Coverage warnings"), self.warnings_view,
            section("Add, change or delete actions"),
            edit_panels({"Add an action": self.add_form.box, "Change or delete an action": self.edit_form.box}),
        ], "lnob-step3")
        self.widget.children = (self.bar, *[c for c in self.widget.children if c is not self.bar])

    @property
    def groups(self) -> pd.DataFrame | None:
        return self.result.groups

    def _fields(self) -> dict[str, w.Widget]:
        step2 = self.result.step2
        return {
            "title": text("Action", "What would be done"),
            "area": choice("Area", [(v, k) for k, v in ACTION_AREAS.items()]),
            "causes": many("Causes addressed", [(f"{LEVEL_WORDS[c.level]}: {c.text}", c.id) for c in step2.causes().values()]),
            "gaps": many("Capacity gaps closed", [(g.description, g.id) for g in step2.capacity_gaps]),
            "groups": groups_field("Groups reached", self.result.groups, EVERYONE),
            "duty_bearers": many("Duty-bearers", [(a.name, a.id) for a in step2.actors if a.kind == "duty_bearer"]),
            "sdg_targets": text("SDG targets", "e.g. 3.1; 10.2"),
            "lead": text("Lead", "Who leads it"),
            **{r: choice(RATING_LABELS[r], RATING_OPTIONS) for r in RATED},
        }

    def refresh(self) -> None:
        """Compute Step 3 from the files, write its tables and redraw the plan, warnings and lists."""
        self.result = result = compute_step3(self.analysis)
        result.write()
        refresh_step_bar(self.bar)
        set_options(self.edit_form["action"], [(a.title, a.id) for a in result.step3.actions])
        self.fill_action()
        if result.plan is None:
            self.plan_view.value = scroll_table(pd.DataFrame({"Action": [a.title for a in result.step3.actions]}),
                                                empty="No action recorded yet.")
            self.warnings_view.value = "".join(f"<p>{html.escape(note)}</p>" for note in result.notes)
            return
        self.plan_view.value = scroll_table(readable(result.plan_table(self.top), PLAN_HEADERS),
                                            empty="No action recorded yet.")
        messages = result.coverage.messages(ids=False)
        self.warnings_view.value = ("<ul>" + "".join(f"<li>{html.escape(m)}</li>" for m in messages) + "</ul>"
                                    if messages else "<p>No coverage gap.</p>")

    def _picked(self) -> dict:
        action_id = chosen(self.edit_form["action"].value, "Action")
        action = next((a for a in self.result.step3.actions if a.id == action_id), None)
        if action is None:
            raise InputError("Action: that action is not there any more; pick one from the list.")
        return action.model_dump()

    @guarded
    def fill_action(self, change: dict | None = None) -> None:
        """Show the chosen action's wording, links and ratings in the change form."""
        action = next((a for a in self.result.step3.actions if a.id == self.edit_form["action"].value), None)
        form = self.edit_form
        if not refill(self, "action", action, change):
            return
        form["title"].value = action.title if action else ""
        form["area"].value = action.area if action else None
        for name, field in (("causes", "cause_ids"), ("gaps", "capacity_gap_ids"), ("duty_bearers", "duty_bearer_ids")):
            offered = {value for _, value in form[name].options}
            form[name].value = tuple(v for v in getattr(action, field) if v in offered) if action else ()
        set_groups(form["groups"], action.group_ids if action else [])
        form["sdg_targets"].value = "; ".join(action.sdg_targets) if action else ""
        form["lead"].value = action.lead if action else ""
        for r in RATED:
            form[r].value = getattr(action, r) if action else None

    def _edit(self, change, done: str) -> None:
        self.save_change(self.path, load_step3, lambda path, step3: save_step3(path, step3, self.result.step2), change, done)

    @staticmethod
    def _entry(form: Form) -> dict:
        return {"title": required(form["title"].value, "Action"), "area": chosen(form["area"].value, "Area"),
                "cause_ids": list(form["causes"].value), "capacity_gap_ids": list(form["gaps"].value),
                "group_ids": picked_groups(form["groups"], "Groups reached"),
                "duty_bearer_ids": list(form["duty_bearers"].value),
                "sdg_targets": split_items(form["sdg_targets"].value), "lead": form["lead"].value.strip(),
                **{r: form[r].value for r in RATED}}

    @guarded
    def add_action(self, form: Form) -> None:
        entry = self._entry(form)
        self._edit(lambda data: data["actions"].append(entry), f"Action {quote(entry['title'])} added.")
        form.clear("title", "sdg_targets", "lead")
        form["groups"].value = []
        for name in ("causes", "gaps", "duty_bearers"):
            form[name].value = ()

    @guarded
    def change_action(self, form: Form) -> None:
        action = self._picked()
        entry = self._entry(form)

        def change(data: dict) -> None:
            found = next((a for a in data["actions"] if a["id"] == action["id"]), None)
            if found is None:
                raise InputError("Action: that action is not there any more (someone may have deleted it).")
            found.update(entry)

        self._edit(change, f"Action {quote(entry['title'])} saved.")

    @guarded
    def delete_action(self, form: DeleteButton) -> None:
        action = self._picked()
        recs = load_recommendations(self.analysis.folder / RECOMMENDATIONS_FILE)
        used = [r.text for r in recs.recommendations if action["id"] in r.action_ids]
        if used:
            raise InputError(f"The action {quote(action['title'])} cannot be deleted: Step 5 recommendations "
                             f"{listed(used)} are linked to it; unlink it there first.")
        self._edit(lambda data: remove_entry(data["actions"], action["id"], "Action"),
                   f"Action {quote(action['title'])} deleted.")
