"""The Step 2 page ("Why?"): prioritised groups, problem trees, roles, capacity gaps, diagnostics.

Both modes render a `Step2Result` (`why.step2.compute_step2`) and write its tables. Report mode
shows static tables and problem-tree diagrams. App mode (`lnob app`) adds forms that add, change
and delete the entries of `step2_why.yaml` one at a time: every change is validated and saved at
once (with Undo beside the button), then Step 2 is computed again from the files.
"""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd

from ..config import Analysis
from ..errors import InputError
from ..notebook import check_int, step_context
from ..render import figure_png, yes_no
from ..what.models import STEP3_FILE, load_step3
from ..groups import group_labels, name_groups
from ..why.diagnostics import step2_checklist
from ..why.models import CAPACITY_CATEGORIES, CAUSE_LEVELS, DUTY_LEVELS, STEP2_FILE, load_step2, save_step2
from ..why.problem_tree import plot_problem_tree, tree_frame
from ..why.roles import KIND_LABELS, LEVEL_LABELS
from ..why.step2 import Step2Result, compute_step2
from .feedback import Alerts, guarded
from .forms import (ChecklistForm, DeleteButton, Form, StepPage, checklist_part, choice, chosen, delete_beside, dress,
                    edit_panels, group_picker, groups_field, heading, help_line, picked_group, picked_groups, plain,
                    refill, remove_entry, required, say, section, set_groups, set_options, show_app, show_figure,
                    show_table, split_items, text, upsert)
from .navigation import refresh_step_bar, step_bar
from .words import full_table, listed, percent, quote, readable, scroll_table
LEVEL_OPTIONS = [("Immediate", "immediate"), ("Underlying", "underlying"), ("Root", "root")]
LEVEL_WORDS = dict((v, k) for k, v in LEVEL_OPTIONS)
NO_PARENT = ("(the problem itself)", "")
TOP_IN_APP = 10
ROLE_HEADERS = {"actor": "Actor", "kind": "Role", "level": "Level", "groups": "Groups", "claims": "Claims",
                "obligations": "Obligations", "contribution": "What they could do", "problems": "Problem trees"}
GAP_HEADERS = {"actor": "Actor", "kind": "Role", "level": "Level", "n_gaps": "Gaps", "gaps": "What they lack"}
PROGRESS_HEADERS = {"section": "Section", "questions": "Questions", "answered": "Answered", "yes": "Yes",
                    "partly": "Partly", "no": "No", "not_applicable": "Not applicable", "fulfilled": "Fulfilled"}
REPORT_ROLE_COLUMNS = ("actor", "kind", "level", "groups", "problems")  # the rest is in the attached workbook
PRIORITY_HEADERS = {"rank": "Rank", "group": "Group", "score": "Score", "furthest behind": "Furthest behind",
                    "chosen by the team": "Chosen by the team", "why this score": "Why this score"}


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


# --- tables for reading (app and report) ------------------------------------------------------

def roles_table(result: Step2Result) -> pd.DataFrame:
    """The role pattern with group labels and problem-tree titles instead of ids."""
    labels = group_labels(result.groups)
    actors = result.step2.actors_by_id()
    titles = {t.id: t.title for t in result.step2.problem_trees}
    roles = result.roles.copy()
    roles["groups"] = roles["actor_id"].map(lambda a: name_groups(actors[a].group_ids, labels))
    roles["problems"] = roles["actor_id"].map(lambda a: "; ".join(titles.get(p, p) for p in actors[a].problem_ids))
    return readable(roles, ROLE_HEADERS)


def gaps_table(result: Step2Result) -> pd.DataFrame:
    return readable(result.capacity.by_actor(), GAP_HEADERS)


def causes_table(tree) -> pd.DataFrame:
    """A tree's causes: level, wording and the cause each one explains (no ids)."""
    frame = tree_frame(tree)
    texts = dict(zip(frame["cause_id"], frame["text"]))
    return pd.DataFrame({"Level": frame["level"].map(LEVEL_WORDS), "Cause": frame["text"],
                         "It explains": frame["parent"].map(texts).fillna("the problem itself")})


# --- report ---------------------------------------------------------------------------------

def render_report(result: Step2Result, top: int = 10) -> None:
    """Static headings, short tables and problem-tree diagrams of a computed Step 2; the full tables are
    in the report's attached workbook."""
    step2 = result.step2
    labels = group_labels(result.groups)
    heading("Prioritised groups")
    if result.priorities is None:
        say(plain(" ".join(result.notes)))
    else:
        n = len(result.priorities.table)
        say(f"The {min(top, n)} highest-ranked of the {n:,} groups Step 1 found left behind. "
            "The score (0 to 1) weighs " + ", ".join(f"{k} {v:.2f}" for k, v in result.priorities.weights.items())
            + "; it informs the team's choice and does not replace it. " + plain(full_table(2, "group_priorities")))
        note = result.furthest_note()
        if note:
            say(plain(note))
        if step2.priority_groups:
            say(f"The team chose {len(step2.priority_groups)} groups for the causal analysis: "
                f"{plain(name_groups(step2.priority_groups, labels))}.")
        table = result.priority_table(top)
        marks = ["furthest behind", "chosen by the team"]
        show_table(readable(table.assign(**{c: table[c].map(lambda v: yes_no(v == "yes")) for c in marks}),
                            {k: v for k, v in PRIORITY_HEADERS.items() if k != "why this score"}))
        if len(table):
            first = table.iloc[0]
            say(plain(f"How the score of {first['group']} is made up: {first['why this score']}."))
    heading("Problem trees")
    if not step2.problem_trees:
        say("No problem tree recorded yet.")
    for tree in step2.problem_trees:
        heading(tree.title, 3)
        say(f"{plain(tree.manifestation)}\n\n**Groups:** {plain(name_groups(tree.group_ids, labels) or '-')}. "
            f"**Rights:** {plain('; '.join(tree.rights) or '-')}. "
            f"**Standards:** {plain('; '.join(tree.standards) or '-')}. "
            f"**SDG targets:** {plain(', '.join(tree.sdg_targets) or '-')}.")
        show_figure(plot_problem_tree(tree))
    heading("Roles: rights holders, duty-bearers and other actors")
    say("Who holds rights, who owes duties and who else can act, by problem tree. "
        + plain(full_table(2, "roles", "What each claims, owes and could do")))
    show_table(roles_table(result)[[ROLE_HEADERS[c] for c in REPORT_ROLE_COLUMNS]], empty="No actor recorded yet.")
    heading("Capacity gaps")
    gaps = gaps_table(result)
    lacking = gaps[gaps[GAP_HEADERS["n_gaps"]] > 0]
    say(f"{len(lacking)} of the {len(gaps)} actors lack something to act; what they lack, actor by actor. "
        + plain(full_table(2, "capacity_matrix", "The count by actor and kind of gap")))
    show_table(lacking, empty="No capacity gap recorded yet.")
    heading("Step 2 diagnostics")
    say("How far the team has answered the guide's questions for Step 2. "
        + plain(full_table(2, "diagnostics", "Every question with its answer and note")))
    show_table(progress_table(result.progress))


def progress_table(progress: pd.DataFrame) -> pd.DataFrame:
    """A checklist's progress by section in words, the share fulfilled as a percentage."""
    return readable(progress.assign(fulfilled=progress["fulfilled"].map(lambda v: percent(v, 0))), PROGRESS_HEADERS)


# --- app --------------------------------------------------------------------------------------

def actions_using(analysis: Analysis, field: str, entry_ids: list[str] | str) -> list[str]:
    """Titles of Step 3 actions whose `field` lists any of `entry_ids` (so those cannot go yet)."""
    wanted = {entry_ids} if isinstance(entry_ids, str) else set(entry_ids)
    step3 = load_step3(analysis.folder / STEP3_FILE)
    return [a.title for a in step3.actions if wanted & set(getattr(a, field))]


def _find(entries: list[dict], entry_id: str, what: str) -> dict:
    match = [e for e in entries if e["id"] == entry_id]
    if not match:
        raise InputError(f"That {what} is not there any more (someone may have deleted it); the page now shows "
                         "the file as it is.")
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
        self.bar = step_bar(analysis, "2_why")

        self.priorities = w.HTML(layout=w.Layout(max_width="100%"))
        self.choose_form = dress(Form({"group": group_picker("Group", groups)}, "Choose group", self.choose_group,
                                      title="Choose a group for the causal analysis"),
                                 {"group": "Type a few letters of the group's name and pick it from the list."})
        self.unchoose = dress(DeleteButton(
            "Remove group", self.unchoose_group, fields={"chosen": choice("Chosen group")},
            title="Take a group off the team's choice",
            what=lambda form: f"{quote(self._chosen_label(form))} from the team's choice",
        ), {"chosen": "The groups the team has chosen so far."})
        self.tree_pick = choice("Problem tree")
        self.tree_pick.observe(self.refresh_tree, "value")
        self.causes_view = w.HTML(layout=w.Layout(max_width="100%"))
        self.causes_view.add_class("lnob-causes")
        self.tree_image = w.Image(format="png", layout=w.Layout(max_width="100%"))

        # causes of the chosen tree
        self.cause_form = dress(Form({
            "text": text("Cause", "Describe the cause"),
            "level": choice("Level", LEVEL_OPTIONS),
            "parent": choice("It explains", [NO_PARENT]),
        }, "Add cause", self.add_cause, title="Add a cause to this tree"), {
            "text": "One cause in a short sentence, e.g. \"Clinics are more than two hours' walk away\".",
            "level": "Immediate causes explain the problem; underlying ones explain immediate causes; root ones go deepest.",
            "parent": "The cause one level up that this one explains.",
        })
        self.cause_form["level"].value = "immediate"
        self.cause_form["level"].observe(self.refresh_parents, "value")
        self.cause_edit = dress(Form({
            "cause": choice("Cause"),
            "text": text("New wording", "The cause in new words"),
        }, "Save cause", self.reword_cause, title="Change or delete a cause"), {
            "cause": "Pick the cause to change or delete.",
            "text": "The cause in new words; its links to other causes and actions stay.",
        })
        self.cause_edit["cause"].observe(self.fill_cause, "value")
        self.cause_delete = delete_beside(self.cause_edit, "Delete cause", self.delete_cause,
                                          lambda _: f"the cause {quote(self._picked_cause()['text'])}",
                                          self.cause_edit["cause"], self.tree_pick)

        # problem trees
        self.tree_form = dress(Form(self._tree_fields(groups), "Add problem tree", self.add_tree,
                                    title="New problem tree"), TREE_HELP)
        self.tree_edit = dress(Form(self._tree_fields(groups), "Save problem tree", self.change_tree,
                                    title="Change or delete the problem tree shown above"), TREE_HELP)
        self.tree_delete = delete_beside(self.tree_edit, "Delete problem tree", self.delete_tree,
                                         lambda _: f"the problem tree {quote(self._tree_or_fail().title)} "
                                                   "with all its causes", self.tree_pick)

        # actors
        self.actors_view = w.HTML(layout=w.Layout(max_width="100%"))
        self.actor_form = dress(Form(self._actor_fields(groups), "Add actor", self.add_actor, title="New actor"),
                                ACTOR_HELP)
        self.actor_edit = dress(Form({"actor": choice("Actor"), **self._actor_fields(groups)}, "Save actor",
                                     self.change_actor, title="Change or delete an actor"),
                                {"actor": "Pick the actor to change or delete.", **ACTOR_HELP})
        self.actor_edit["actor"].observe(self.fill_actor, "value")
        self.actor_delete = delete_beside(self.actor_edit, "Delete actor", self.delete_actor,
                                          lambda _: f"the actor {quote(self._picked_actor()['name'])}",
                                          self.actor_edit["actor"])

        # capacity gaps
        self.gaps_view = w.HTML(layout=w.Layout(max_width="100%"))
        self.gap_form = dress(Form(self._gap_fields(), "Add capacity gap", self.add_gap, title="New capacity gap"),
                              GAP_HELP)
        self.gap_edit = dress(Form({"gap": choice("Capacity gap"), **self._gap_fields()}, "Save capacity gap",
                                   self.change_gap, title="Change or delete a capacity gap"),
                              {"gap": "Pick the capacity gap to change or delete.", **GAP_HELP})
        self.gap_edit["gap"].observe(self.fill_gap, "value")
        self.gap_delete = delete_beside(self.gap_edit, "Delete capacity gap", self.delete_gap,
                                        lambda _: f"the capacity gap {quote(self._picked_gap()['description'])}",
                                        self.gap_edit["gap"])

        self.checklist = checklist_part(ChecklistForm(step2_checklist(), self.alerts, self.answer))
        self.assemble([
            self.bar,
            section("Prioritised groups"), self.priorities,
            edit_panels({"Groups chosen for the causal analysis": w.VBox([self.choose_form.box, self.unchoose.box])}),
            section("Problem trees"), self.tree_pick,
            help_line("Pick a problem tree to see its causes below and to add, change or delete them."),
            self.causes_view, self.tree_image,
            edit_panels({"Add a cause": self.cause_form.box, "Change or delete a cause": self.cause_edit.box,
                         "New problem tree": self.tree_form.box, "Change or delete this tree": self.tree_edit.box}),
            section("Roles: rights holders, duty-bearers and other actors"), self.actors_view,
            edit_panels({"Add an actor": self.actor_form.box, "Change or delete an actor": self.actor_edit.box}),
            section("Capacity gaps"), self.gaps_view,
            edit_panels({"Add a capacity gap": self.gap_form.box, "Change or delete a gap": self.gap_edit.box}),
            section("Step 2 diagnostics"), self.checklist.box,
        ], "lnob-step2")
        self.widget.children = (self.bar, *[c for c in self.widget.children if c is not self.bar])

    @property
    def groups(self) -> pd.DataFrame | None:
        return self.result.groups

    # building the forms
    @staticmethod
    def _tree_fields(groups: pd.DataFrame | None) -> dict[str, w.Widget]:
        return {"title": text("Title", "Short name of the problem"),
                "manifestation": text("Manifestation", "How the group is left behind: which right is unmet", long=True),
                "groups": groups_field("Groups", groups),
                "rights": text("Rights", "e.g. right to health; right to life")}

    @staticmethod
    def _actor_fields(groups: pd.DataFrame | None) -> dict[str, w.Widget]:
        return {"name": text("Name", "e.g. Ministry of Health"),
                "kind": choice("Role", [(v, k) for k, v in KIND_LABELS.items()]),
                "level": choice("Level", [(LEVEL_LABELS[k], k) for k in DUTY_LEVELS]),
                "groups": groups_field("Groups", groups),
                "duties": text("Claims or duties", "separate items with ;"),
                "contribution": text("Could contribute", "other actors only")}

    @staticmethod
    def _gap_fields() -> dict[str, w.Widget]:
        return {"actor": choice("Actor"),
                "category": choice("Category", [(v, k) for k, v in CAPACITY_CATEGORIES.items()]),
                "description": text("Gap", "What the actor lacks")}

    # views
    def refresh(self) -> None:
        """Compute Step 2 from the files, write its tables and redraw every list and option."""
        self.result = result = compute_step2(self.analysis)
        result.write()
        refresh_step_bar(self.bar)
        step2 = result.step2
        if result.priorities is None:
            self.priorities.value = "".join(f"<p><b>{html.escape(note)}</b></p>" for note in result.notes)
        else:
            self.priorities.value = scroll_table(readable(result.priority_table(TOP_IN_APP), PRIORITY_HEADERS))
        labels = group_labels(result.groups)
        set_options(self.unchoose["chosen"], [(name_groups([g], labels), g) for g in step2.priority_groups])
        set_options(self.tree_pick, [(t.title, t.id) for t in step2.problem_trees])
        if self.tree_pick.value is None and step2.problem_trees:
            self.tree_pick.value = step2.problem_trees[0].id
        self.refresh_tree()
        self.actors_view.value = scroll_table(roles_table(result), empty="No actor recorded yet.")
        actor_options = [(a.name, a.id) for a in step2.actors]
        set_options(self.actor_edit["actor"], actor_options)
        set_options(self.gap_form["actor"], actor_options)
        set_options(self.gap_edit["actor"], actor_options)
        self.fill_actor()
        self.gaps_view.value = scroll_table(gaps_table(result), empty="No actor recorded yet.")
        names = {a.id: a.name for a in step2.actors}
        set_options(self.gap_edit["gap"], [(f"{names.get(g.actor, g.actor)}: {g.description}", g.id)
                                           for g in step2.capacity_gaps])
        self.fill_gap()
        self.checklist.refresh(step2.diagnostics)

    def current_tree(self):
        return next((t for t in self.result.step2.problem_trees if t.id == self.tree_pick.value), None)

    @guarded
    def refresh_tree(self, change: dict | None = None) -> None:
        """Show the chosen problem tree: its causes as a table and as a diagram, and fill its forms."""
        tree = self.current_tree()
        if tree is None:
            self.causes_view.value = "<p><em>No problem tree yet: add one with \"New problem tree\" below.</em></p>"
            self.tree_image.value = b""
            causes = []
        else:
            self.causes_view.value = (f"<p><b>{html.escape(tree.manifestation)}</b></p>"
                                      + scroll_table(causes_table(tree), empty="No cause recorded yet."))
            self.tree_image.value = figure_png(plot_problem_tree(tree))
            causes = [(f"{LEVEL_WORDS[c.level]}: {c.text}", c.id) for c in tree.causes]
        set_options(self.cause_edit["cause"], causes)
        self.fill_cause(change)
        self.fill_tree(change)
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

    # filling the change forms with the chosen entry
    def fill_tree(self, change: dict | None = None) -> None:
        tree, form = self.current_tree(), self.tree_edit
        if not refill(self, "tree", tree, change):
            return
        form["title"].value = tree.title if tree else ""
        form["manifestation"].value = tree.manifestation if tree else ""
        set_groups(form["groups"], tree.group_ids if tree else [])
        form["rights"].value = "; ".join(tree.rights) if tree else ""

    @guarded
    def fill_cause(self, change: dict | None = None) -> None:
        tree = self.current_tree()
        cause = next((c for c in tree.causes if c.id == self.cause_edit["cause"].value), None) if tree else None
        if not refill(self, "cause", cause, change):
            return
        self.cause_edit["text"].value = cause.text if cause else ""

    @guarded
    def fill_actor(self, change: dict | None = None) -> None:
        actor = self.result.step2.actors_by_id().get(self.actor_edit["actor"].value)
        form = self.actor_edit
        if not refill(self, "actor", actor, change):
            return
        form["name"].value = actor.name if actor else ""
        form["kind"].value = actor.kind if actor else None
        form["level"].value = actor.level if actor else None
        set_groups(form["groups"], actor.group_ids if actor else [])
        form["duties"].value = "; ".join(actor.claims + actor.obligations) if actor else ""
        form["contribution"].value = actor.contribution if actor else ""

    @guarded
    def fill_gap(self, change: dict | None = None) -> None:
        gap = next((g for g in self.result.step2.capacity_gaps if g.id == self.gap_edit["gap"].value), None)
        form = self.gap_edit
        if not refill(self, "gap", gap, change):
            return
        form["actor"].value = gap.actor if gap else None
        form["category"].value = gap.category if gap else None
        form["description"].value = gap.description if gap else ""

    # what the forms have chosen
    def _tree_or_fail(self):
        chosen(self.tree_pick.value, "Problem tree")
        tree = self.current_tree()
        if tree is None:
            raise InputError("Problem tree: that tree is not there any more; pick one from the list.")
        return tree

    def _picked_cause(self) -> dict:
        tree = self._tree_or_fail()
        cause_id = chosen(self.cause_edit["cause"].value, "Cause")
        return _find([c.model_dump() for c in tree.causes], cause_id, "cause")

    def _picked_actor(self) -> dict:
        actor_id = chosen(self.actor_edit["actor"].value, "Actor")
        return _find([a.model_dump() for a in self.result.step2.actors], actor_id, "actor")

    def _picked_gap(self) -> dict:
        gap_id = chosen(self.gap_edit["gap"].value, "Capacity gap")
        return _find([g.model_dump() for g in self.result.step2.capacity_gaps], gap_id, "capacity gap")

    def _edit(self, change, done: str) -> None:
        self.save_change(self.path, load_step2, save_step2, change, done)

    # the groups chosen for the causal analysis
    def _chosen_label(self, form: DeleteButton) -> str:
        gid = chosen(form["chosen"].value, "Chosen group")
        return name_groups([gid], group_labels(self.groups))

    @guarded
    def choose_group(self, form: Form) -> None:
        gid = picked_group(form["group"], "Group")
        label = name_groups([gid], group_labels(self.groups))
        if gid in self.result.step2.priority_groups:
            raise InputError(f"Group: {quote(label)} is already chosen.")
        self._edit(lambda data: data["priority_groups"].append(gid), f"{quote(label)} chosen for the causal analysis.")
        form["group"].value = ""

    @guarded
    def unchoose_group(self, form: DeleteButton) -> None:
        gid, label = form["chosen"].value, self._chosen_label(form)
        self._edit(lambda data: data["priority_groups"].remove(gid) if gid in data["priority_groups"] else None,
                   f"{quote(label)} taken off the team's choice.")

    # problem trees
    def _tree_entry(self, form: Form) -> dict:
        return {"title": required(form["title"].value, "Title"),
                "manifestation": required(form["manifestation"].value, "Manifestation"),
                "group_ids": picked_groups(form["groups"], "Groups"), "rights": split_items(form["rights"].value)}

    @guarded
    def add_tree(self, form: Form) -> None:
        entry = self._tree_entry(form)
        self._edit(lambda data: data["problem_trees"].append(entry), f"Problem tree {quote(entry['title'])} added.")
        self.tree_pick.value = self.result.step2.problem_trees[-1].id
        form.clear("title", "manifestation", "rights")
        form["groups"].value = []

    @guarded
    def change_tree(self, form: Form) -> None:
        tree = self._tree_or_fail()
        entry = self._tree_entry(form)
        self._edit(lambda data: _find(data["problem_trees"], tree.id, "problem tree").update(entry),
                   f"Problem tree {quote(entry['title'])} saved.")

    @guarded
    def delete_tree(self, form: DeleteButton) -> None:
        tree = self._tree_or_fail()
        used = actions_using(self.analysis, "cause_ids", [c.id for c in tree.causes])
        if used:
            raise InputError(f"The problem tree {quote(tree.title)} cannot be deleted: Step 3 actions {listed(used)} "
                             "address its causes; unlink them there first.")

        def change(data: dict) -> None:
            remove_entry(data["problem_trees"], tree.id, "Problem tree")
            for actor in data["actors"]:
                actor["problem_ids"] = [p for p in actor.get("problem_ids", []) if p != tree.id]

        self._edit(change, f"Problem tree {quote(tree.title)} deleted.")

    # causes
    @guarded
    def add_cause(self, form: Form) -> None:
        tree = self._tree_or_fail()
        cause = {"text": required(form["text"].value, "Cause"), "level": chosen(form["level"].value, "Level"),
                 "parent": form["parent"].value or None}
        if cause["level"] != "immediate" and not cause["parent"]:
            above = CAUSE_LEVELS[CAUSE_LEVELS.index(cause["level"]) - 1]
            raise InputError(f"It explains: nothing is chosen; expected the {above} cause that this "
                             f"{cause['level']} cause explains (add that one first if it is missing).")
        self._edit(lambda data: _find(data["problem_trees"], tree.id, "problem tree")["causes"].append(cause),
                   f"Cause {quote(cause['text'])} added.")
        form.clear("text")

    @guarded
    def reword_cause(self, form: Form) -> None:
        tree, cause = self._tree_or_fail(), self._picked_cause()
        wording = required(form["text"].value, "New wording")

        def change(data: dict) -> None:
            _find(_find(data["problem_trees"], tree.id, "problem tree")["causes"], cause["id"], "cause")["text"] = wording

        self._edit(change, f"Cause reworded: {quote(wording)}.")

    @guarded
    def delete_cause(self, form: DeleteButton) -> None:
        tree, cause = self._tree_or_fail(), self._picked_cause()
        below = [c.text for c in tree.causes if c.parent == cause["id"]]
        if below:
            raise InputError(f"The cause {quote(cause['text'])} is explained by {listed(below)}; delete those "
                             "causes first.")
        used = actions_using(self.analysis, "cause_ids", cause["id"])
        if used:
            raise InputError(f"The cause {quote(cause['text'])} cannot be deleted: Step 3 actions {listed(used)} "
                             "address it; unlink it there first.")
        self._edit(lambda data: remove_entry(_find(data["problem_trees"], tree.id, "problem tree")["causes"],
                                             cause["id"], "Cause"), f"Cause {quote(cause['text'])} deleted.")

    # actors
    def _actor_entry(self, form: Form) -> dict:
        name, kind = required(form["name"].value, "Name"), chosen(form["kind"].value, "Role")
        level = form["level"].value if kind == "duty_bearer" else None
        if kind == "duty_bearer" and not level:
            raise InputError(f"Level: nothing is chosen; a duty-bearer acts at a level: "
                             f"{', '.join(LEVEL_LABELS[k].lower() for k in DUTY_LEVELS)}.")
        duties = split_items(form["duties"].value)
        return {"name": name, "kind": kind, "level": level, "group_ids": picked_groups(form["groups"], "Groups"),
                "contribution": form["contribution"].value.strip(),
                "claims": duties if kind == "rights_holder" else [],
                "obligations": duties if kind == "duty_bearer" else []}

    @guarded
    def add_actor(self, form: Form) -> None:
        entry = self._actor_entry(form)
        self._edit(lambda data: data["actors"].append(entry), f"{KIND_LABELS[entry['kind']]} {quote(entry['name'])} added.")
        form.clear("name", "duties", "contribution")
        form["groups"].value = []

    @guarded
    def change_actor(self, form: Form) -> None:
        actor = self._picked_actor()
        entry = self._actor_entry(form)
        if actor["kind"] == "duty_bearer" and entry["kind"] != "duty_bearer":
            used = actions_using(self.analysis, "duty_bearer_ids", actor["id"])
            if used:
                raise InputError(f"Role: {quote(actor['name'])} is the duty-bearer of Step 3 actions {listed(used)}; "
                                 "unlink it there before giving it another role.")
        self._edit(lambda data: _find(data["actors"], actor["id"], "actor").update(entry),
                   f"{KIND_LABELS[entry['kind']]} {quote(entry['name'])} saved.")

    @guarded
    def delete_actor(self, form: DeleteButton) -> None:
        actor = self._picked_actor()
        gaps = [g.description for g in self.result.step2.capacity_gaps if g.actor == actor["id"]]
        if gaps:
            raise InputError(f"The actor {quote(actor['name'])} has capacity gaps ({listed(gaps)}); delete those first.")
        used = actions_using(self.analysis, "duty_bearer_ids", actor["id"])
        if used:
            raise InputError(f"The actor {quote(actor['name'])} cannot be deleted: Step 3 actions {listed(used)} "
                             "name it; unlink it there first.")
        self._edit(lambda data: remove_entry(data["actors"], actor["id"], "Actor"),
                   f"Actor {quote(actor['name'])} deleted.")

    # capacity gaps
    @staticmethod
    def _gap_entry(form: Form) -> dict:
        return {"actor": chosen(form["actor"].value, "Actor"), "category": chosen(form["category"].value, "Category"),
                "description": required(form["description"].value, "Gap")}

    @guarded
    def add_gap(self, form: Form) -> None:
        entry = self._gap_entry(form)
        self._edit(lambda data: data["capacity_gaps"].append(entry),
                   f"Capacity gap {quote(entry['description'])} added.")
        form.clear("description")

    @guarded
    def change_gap(self, form: Form) -> None:
        gap = self._picked_gap()
        entry = self._gap_entry(form)
        self._edit(lambda data: _find(data["capacity_gaps"], gap["id"], "capacity gap").update(entry),
                   f"Capacity gap {quote(entry['description'])} saved.")

    @guarded
    def delete_gap(self, form: DeleteButton) -> None:
        gap = self._picked_gap()
        used = actions_using(self.analysis, "capacity_gap_ids", gap["id"])
        if used:
            raise InputError(f"The capacity gap {quote(gap['description'])} cannot be deleted: Step 3 actions "
                             f"{listed(used)} close it; unlink it there first.")
        self._edit(lambda data: remove_entry(data["capacity_gaps"], gap["id"], "Capacity gap"),
                   f"Capacity gap {quote(gap['description'])} deleted.")

    def answer(self, entry: dict) -> None:
        """Save one diagnostic answer (called by the checklist form, whose submit is guarded)."""
        self._edit(lambda data: upsert(data["diagnostics"], entry, ["question"]), "Answer saved.")


TREE_HELP = {
    "title": "A short name for the problem, shown in the list of trees.",
    "manifestation": "How the group is left behind, in one or two sentences: which right is not met.",
    "groups": "Type a few letters of a group's name and pick it; add as many groups as the problem concerns.",
    "rights": "The rights at stake, separated by ; (e.g. right to health; right to life).",
}
ACTOR_HELP = {
    "name": "The person, group or body, e.g. \"Ministry of Health\" or \"Rural Tamar women\".",
    "kind": "Rights holders claim rights; duty-bearers must meet them; other actors can help.",
    "level": "Duty-bearers only: national, subnational, local, or family and community.",
    "groups": "Rights holders: the left-behind groups they belong to (type a few letters and pick).",
    "duties": "What rights holders may claim or duty-bearers must do, separated by ;.",
    "contribution": "Other actors only: what they could do to help.",
}
GAP_HELP = {
    "actor": "The actor who lacks something in order to act.",
    "category": "Which kind of capacity is missing.",
    "description": "What exactly is missing, in one sentence.",
}
