"""The Step 2 page ("Why?"): prioritised groups, problem trees, roles, capacity gaps, diagnostics.

Both modes render a `Step2Result` (`why.step2.compute_step2`) and write its tables. Report mode
shows static tables and problem-tree diagrams. App mode (`lnob app`) adds forms that edit
`step2_why.yaml` one entry at a time; every change is validated and saved at once, then Step 2 is
computed again from the files.
"""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd

from ..config import Analysis
from ..errors import InputError
from ..notebook import check_int, step_context
from ..render import figure_png, table_html
from ..what.models import STEP3_FILE, load_step3
from ..why.diagnostics import step2_checklist
from ..why.models import CAPACITY_CATEGORIES, CAUSE_LEVELS, DUTY_LEVELS, STEP2_FILE, load_step2, save_step2
from ..why.problem_tree import plot_problem_tree, tree_frame
from ..why.roles import KIND_LABELS, LEVEL_LABELS
from ..why.step2 import Step2Result, compute_step2
from .feedback import Alerts, guarded
from .forms import (ChecklistForm, Form, StepPage, choice, chosen, heading, many, plain, remove_entry, required, say,
                    section, set_options, show_app, show_figure, show_table, split_items, text, upsert)

LEVEL_OPTIONS = [("Immediate", "immediate"), ("Underlying", "underlying"), ("Root", "root")]
NO_PARENT = ("(the problem itself)", "")
TOP_IN_APP = 10


def show(analysis: str = "", mode: str = "auto", top: int = 10) -> None:
    """Render Step 2 for an analysis folder: the app's forms, or the report's tables and diagrams."""
    ctx = step_context(analysis, mode)
    top = check_int(top, "top", 1, 500)
    if ctx.is_app:
        show_app(lambda: Step2Page(ctx.analysis))
    else:
        result = compute_step2(ctx.analysis)
        result.write()
        render_report(result, top)


# --- report ---------------------------------------------------------------------------------

def render_report(result: Step2Result, top: int = 10) -> None:
    """Static headings, tables and problem-tree diagrams of a computed Step 2."""
    step2 = result.step2
    heading("Prioritised groups")
    if result.priorities is None:
        say(plain(" ".join(result.notes)))
    else:
        n = len(result.priorities.table)
        say(f"The {min(top, n)} highest-ranked of the {n} groups Step 1 found left behind. "
            "The score weighs " + ", ".join(f"{k} {v:.2f}" for k, v in result.priorities.weights.items())
            + "; it informs the team's choice and does not replace it.")
        show_table(result.priority_table(top))
    heading("Problem trees")
    if not step2.problem_trees:
        say("No problem tree recorded yet.")
    for tree in step2.problem_trees:
        heading(tree.title, 3)
        say(f"{plain(tree.manifestation)}\n\n**Rights:** {plain('; '.join(tree.rights) or '-')}. "
            f"**Standards:** {plain('; '.join(tree.standards) or '-')}. "
            f"**SDG targets:** {plain(', '.join(tree.sdg_targets) or '-')}.")
        show_figure(plot_problem_tree(tree))
    heading("Roles: rights holders, duty-bearers and other actors")
    show_table(result.roles.drop(columns=["actor_id"]), empty="No actor recorded yet.")
    heading("Capacity gaps")
    say("Number of gaps per actor and category; a row of zeros usually means \"not assessed yet\".")
    show_table(result.capacity.matrix().reset_index(), empty="No actor recorded yet.")
    show_table(result.capacity.by_actor().drop(columns=["actor_id"]), empty="No capacity gap recorded yet.")
    heading("Step 2 diagnostics")
    show_table(result.progress)
    show_table(result.diagnostics[["section", "question", "answer", "note"]])


# --- app --------------------------------------------------------------------------------------

def actions_using(analysis: Analysis, field: str, entry_id: str) -> list[str]:
    """Ids of Step 3 actions whose `field` lists `entry_id` (so it cannot be deleted yet)."""
    step3 = load_step3(analysis.folder / STEP3_FILE)
    return [a.id for a in step3.actions if entry_id in getattr(a, field)]


def _find(entries: list[dict], entry_id: str, what: str) -> dict:
    match = [e for e in entries if e["id"] == entry_id]
    if not match:
        raise InputError(f"{what} `{entry_id}` is not there any more; reload the page.")
    return match[0]


class Step2Page(StepPage):
    """The Step 2 app for one analysis; `refresh()` computes Step 2 from the files and redraws it."""

    def __init__(self, analysis: Analysis):
        self.analysis = analysis
        self.alerts = Alerts()
        self.result = compute_step2(analysis)
        self.path = analysis.folder / STEP2_FILE
        self.watch(self.path, load_step2)
        groups = self.result.groups
        group_options = [] if groups is None else list(zip(groups["label"], groups["group_id"]))

        self.priorities = w.HTML()
        self.tree_pick = choice("Problem tree")
        self.tree_pick.observe(self.refresh_tree, "value")
        self.causes_view = w.HTML()
        self.causes_view.add_class("lnob-causes")
        self.tree_image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.tree_form = Form({
            "title": text("Title", "Short name of the problem"),
            "manifestation": text("Manifestation", "How the group is left behind: which right is unmet", long=True),
            "groups": many("Groups", group_options),
            "rights": text("Rights", "e.g. right to health; right to life"),
        }, "Add problem tree", self.add_tree, title="New problem tree")
        self.cause_form = Form({
            "text": text("Cause", "Describe the cause"),
            "level": choice("Level", LEVEL_OPTIONS),
            "parent": choice("It explains", [NO_PARENT]),
        }, "Add cause", self.add_cause, title="Add a cause to this tree")
        self.cause_form["level"].value = "immediate"
        self.cause_form["level"].observe(self.refresh_parents, "value")
        self.cause_edit = Form({"cause": choice("Cause"), "text": text("New wording", "Describe the cause")},
                               "Save cause", self.rename_cause, title="Reword a cause")
        self.cause_delete = Form({"cause": choice("Cause")}, "Delete cause", self.delete_cause,
                                 style="danger", title="Delete a cause")

        self.actors_view = w.HTML()
        self.actor_form = Form({
            "name": text("Name", "e.g. Ministry of Health"),
            "kind": choice("Role", [(v, k) for k, v in KIND_LABELS.items()]),
            "level": choice("Level (duty-bearers)", [(LEVEL_LABELS[k], k) for k in DUTY_LEVELS]),
            "groups": many("Groups", group_options),
            "duties": text("Claims or obligations", "separate items with ;"),
            "contribution": text("What they could do", "other actors only"),
        }, "Add actor", self.add_actor, title="New actor")
        self.actor_delete = Form({"actor": choice("Actor")}, "Delete actor", self.delete_actor,
                                 style="danger", title="Delete an actor")

        self.gaps_view = w.HTML()
        self.gap_form = Form({
            "actor": choice("Actor"),
            "category": choice("Category", [(v, k) for k, v in CAPACITY_CATEGORIES.items()]),
            "description": text("Gap", "What the actor lacks"),
        }, "Add capacity gap", self.add_gap, title="New capacity gap")
        self.gap_delete = Form({"gap": choice("Capacity gap")}, "Delete capacity gap", self.delete_gap,
                               style="danger", title="Delete a capacity gap")

        self.checklist = ChecklistForm(step2_checklist(), self.alerts, self.answer)
        self.assemble([
            section("Prioritised groups"), self.priorities,
            section("Problem trees"), self.tree_pick, self.causes_view, self.cause_form.box,
            w.HBox([self.cause_edit.box, self.cause_delete.box]), self.tree_image, self.tree_form.box,
            section("Roles: rights holders, duty-bearers and other actors"), self.actors_view,
            w.HBox([self.actor_form.box, self.actor_delete.box]),
            section("Capacity gaps"), self.gaps_view, w.HBox([self.gap_form.box, self.gap_delete.box]),
            section("Step 2 diagnostics"), self.checklist.box,
        ], "lnob-step2")

    @property
    def groups(self) -> pd.DataFrame | None:
        return self.result.groups

    # views
    def refresh(self) -> None:
        """Compute Step 2 from the files, write its tables and redraw every list and option."""
        self.result = result = compute_step2(self.analysis)
        result.write()
        step2 = result.step2
        if result.priorities is None:
            self.priorities.value = "".join(f"<p><b>{html.escape(note)}</b></p>" for note in result.notes)
        else:
            self.priorities.value = table_html(result.priority_table(TOP_IN_APP))
        set_options(self.tree_pick, [(t.title, t.id) for t in step2.problem_trees])
        if self.tree_pick.value is None and step2.problem_trees:
            self.tree_pick.value = step2.problem_trees[0].id
        self.refresh_tree()
        roles = result.roles
        self.actors_view.value = table_html(roles.drop(columns=["actor_id"]), empty="No actor recorded yet.")
        actor_options = list(zip(roles["actor"], roles["actor_id"]))
        set_options(self.actor_delete["actor"], actor_options)
        set_options(self.gap_form["actor"], actor_options)
        self.gaps_view.value = table_html(result.capacity.by_actor().drop(columns=["actor_id"]),
                                          empty="No actor recorded yet.")
        set_options(self.gap_delete["gap"], [(f"{g.actor}: {g.description}", g.id) for g in step2.capacity_gaps])
        self.checklist.refresh(step2.diagnostics)

    def current_tree(self):
        return next((t for t in self.result.step2.problem_trees if t.id == self.tree_pick.value), None)

    @guarded
    def refresh_tree(self, change: dict | None = None) -> None:
        """Show the chosen problem tree: its causes as a table and as a diagram."""
        tree = self.current_tree()
        if tree is None:
            self.causes_view.value = "<p><em>No problem tree yet: add one below.</em></p>"
            self.tree_image.value = b""
            causes = []
        else:
            frame = tree_frame(tree)
            texts = dict(zip(frame["cause_id"], frame["text"]))
            shown = pd.DataFrame({"level": frame["level"], "cause": frame["text"],
                                  "explains": frame["parent"].map(texts).fillna("the problem itself"),
                                  "id": frame["cause_id"]})
            self.causes_view.value = (f"<p><b>{html.escape(tree.manifestation)}</b></p>"
                                      + table_html(shown, empty="No cause recorded yet."))
            self.tree_image.value = figure_png(plot_problem_tree(tree))
            causes = [(c.text, c.id) for c in tree.causes]
        set_options(self.cause_edit["cause"], causes)
        set_options(self.cause_delete["cause"], causes)
        self.refresh_parents()

    @guarded
    def refresh_parents(self, change: dict | None = None) -> None:
        """Offer as parents the causes one level up from the chosen level."""
        level = self.cause_form["level"].value
        tree = self.current_tree()
        if level in (None, "immediate") or tree is None:
            set_options(self.cause_form["parent"], [NO_PARENT])
            self.cause_form["parent"].value = ""
            return
        above = CAUSE_LEVELS[CAUSE_LEVELS.index(level) - 1]
        set_options(self.cause_form["parent"], [(c.text, c.id) for c in tree.causes if c.level == above])

    def _edit(self, change, done: str) -> None:
        self.save_change(self.path, load_step2, save_step2, change, done)

    # problem trees and causes
    @guarded
    def add_tree(self, form: Form) -> None:
        title = required(form["title"].value, "Title")
        entry = {"title": title, "manifestation": required(form["manifestation"].value, "Manifestation"),
                 "group_ids": list(form["groups"].value), "rights": split_items(form["rights"].value)}
        self._edit(lambda data: data["problem_trees"].append(entry), f"Problem tree \"{title}\" added.")
        self.tree_pick.value = self.result.step2.problem_trees[-1].id
        form.clear("title", "manifestation", "rights")

    @guarded
    def add_cause(self, form: Form) -> None:
        tree_id = chosen(self.tree_pick.value, "Problem tree")
        cause = {"text": required(form["text"].value, "Cause"), "level": chosen(form["level"].value, "Level"),
                 "parent": form["parent"].value or None}
        if cause["level"] != "immediate" and not cause["parent"]:
            above = CAUSE_LEVELS[CAUSE_LEVELS.index(cause["level"]) - 1]
            raise InputError(f"It explains: nothing is chosen; expected the {above} cause that this "
                             f"{cause['level']} cause explains (add that one first if it is missing).")
        self._edit(lambda data: _find(data["problem_trees"], tree_id, "Problem tree")["causes"].append(cause),
                   f"Cause \"{cause['text']}\" added.")
        form.clear("text")

    @guarded
    def rename_cause(self, form: Form) -> None:
        tree_id, cause_id = chosen(self.tree_pick.value, "Problem tree"), chosen(form["cause"].value, "Cause")
        wording = required(form["text"].value, "New wording")

        def change(data: dict) -> None:
            _find(_find(data["problem_trees"], tree_id, "Problem tree")["causes"], cause_id, "Cause")["text"] = wording

        self._edit(change, f"Cause `{cause_id}` reworded.")
        form.clear("text")

    @guarded
    def delete_cause(self, form: Form) -> None:
        tree_id, cause_id = chosen(self.tree_pick.value, "Problem tree"), chosen(form["cause"].value, "Cause")
        tree = self.current_tree()
        below = [c.id for c in tree.causes if c.parent == cause_id] if tree else []
        if below:
            raise InputError(f"Cause `{cause_id}`: it is explained by {', '.join(below)}; delete or reword those "
                             "causes first.")
        used = actions_using(self.analysis, "cause_ids", cause_id)
        if used:
            raise InputError(f"Cause `{cause_id}`: Step 3 actions {', '.join(used)} address it; unlink it there first.")
        self._edit(lambda data: remove_entry(_find(data["problem_trees"], tree_id, "Problem tree")["causes"],
                                             cause_id, "Cause"), f"Cause `{cause_id}` deleted.")

    # actors and capacity gaps
    @guarded
    def add_actor(self, form: Form) -> None:
        name, kind = required(form["name"].value, "Name"), chosen(form["kind"].value, "Role")
        duties = split_items(form["duties"].value)
        entry = {"name": name, "kind": kind, "level": form["level"].value if kind == "duty_bearer" else None,
                 "group_ids": list(form["groups"].value), "contribution": form["contribution"].value.strip(),
                 "claims": duties if kind == "rights_holder" else [],
                 "obligations": duties if kind == "duty_bearer" else []}
        self._edit(lambda data: data["actors"].append(entry), f"{KIND_LABELS[kind]} \"{name}\" added.")
        form.clear("name", "duties", "contribution")

    @guarded
    def delete_actor(self, form: Form) -> None:
        actor_id = chosen(form["actor"].value, "Actor")
        gaps = [g.id for g in self.result.step2.capacity_gaps if g.actor == actor_id]
        if gaps:
            raise InputError(f"Actor `{actor_id}`: capacity gaps {', '.join(gaps)} belong to it; delete those first.")
        used = actions_using(self.analysis, "duty_bearer_ids", actor_id)
        if used:
            raise InputError(f"Actor `{actor_id}`: Step 3 actions {', '.join(used)} name it; unlink it there first.")
        self._edit(lambda data: remove_entry(data["actors"], actor_id, "Actor"), f"Actor `{actor_id}` deleted.")

    @guarded
    def add_gap(self, form: Form) -> None:
        entry = {"actor": chosen(form["actor"].value, "Actor"), "category": chosen(form["category"].value, "Category"),
                 "description": required(form["description"].value, "Gap")}
        self._edit(lambda data: data["capacity_gaps"].append(entry), "Capacity gap added.")
        form.clear("description")

    @guarded
    def delete_gap(self, form: Form) -> None:
        gap_id = chosen(form["gap"].value, "Capacity gap")
        used = actions_using(self.analysis, "capacity_gap_ids", gap_id)
        if used:
            raise InputError(f"Capacity gap `{gap_id}`: Step 3 actions {', '.join(used)} close it; unlink it there first.")
        self._edit(lambda data: remove_entry(data["capacity_gaps"], gap_id, "Capacity gap"),
                   f"Capacity gap `{gap_id}` deleted.")

    def answer(self, entry: dict) -> None:
        """Save one diagnostic answer (called by the checklist form, whose submit is guarded)."""
        self._edit(lambda data: upsert(data["diagnostics"], entry, ["question"]), "Answer saved.")

