"""What a team records in `step2_why.yaml`: weights, problem trees, roles and capacity gaps.

Problem trees follow the guide's causal analysis (UNSDG, "Operationalizing Leaving No One
Behind", Step 2.2): a manifestation - a right unmet for a left-behind group - with immediate,
underlying and root causes below it. Roles follow Step 2.3 (rights holders, duty-bearers at each
level, other actors) and capacity gaps Step 2.4. Cause ids are unique across the whole file
because Step 3's actions point at them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..checklists import ChecklistAnswer, answer_problems, load_checklist
from ..entries import Entry, EntryId, Record, duplicate_ids, fill_ids, load_entries, raise_problems, save_entries, unknown_refs, where
from ..groups import check_group_ids
from ..scoring import Weights

STEP2_FILE = "step2_why.yaml"
CAUSE_LEVELS = ("immediate", "underlying", "root")
CauseLevel = Literal["immediate", "underlying", "root"]
ACTOR_KINDS = ("rights_holder", "duty_bearer", "other_actor")
DUTY_LEVELS = ("national", "subnational", "local", "family_community")
CAPACITY_CATEGORIES = {
    "knowledge": "Knowledge and information",
    "resources": "Resources",
    "authority": "Authority",
    "motivation": "Motivation or commitment",
    "legal_policy": "Legal and policy framework",
    "participation_voice": "Participation and voice",
}
CapacityCategory = Literal["knowledge", "resources", "authority", "motivation", "legal_policy", "participation_voice"]




class PriorityWeights(Weights):
    """How much each criterion counts when ranking left-behind groups (rescaled to sum to 1)."""

    severity: float = 0.30
    multiplicity: float = 0.25
    size: float = 0.15
    shocks: float = 0.15
    voice: float = 0.15


class Cause(Entry):
    """One cause in a problem tree; `parent` is the cause one level up that it explains."""

    id_from = "text"
    text: str = Field(min_length=1)
    level: CauseLevel
    parent: EntryId | None = None
    evidence: list[str] = Field(default_factory=list, description="Evidence-log ids or citations.")


class ProblemTree(Entry):
    """A problem framed as a right unmet for named groups, and its causes."""

    title: str = Field(min_length=1)
    manifestation: str = Field(min_length=1, description="How the group is left behind (from Step 1).")
    group_ids: list[str] = Field(default_factory=list)
    rights: list[str] = Field(default_factory=list, description="Rights implicated.")
    standards: list[str] = Field(default_factory=list, description="Treaties, ILO standards, general comments.")
    sdg_targets: list[str] = Field(default_factory=list)
    causes: list[Cause] = Field(default_factory=list)

    _check_groups = field_validator("group_ids")(check_group_ids)

    def cause_problems(self, place: str) -> list[str]:
        """Parents that are missing, absent from this tree or not one level up."""
        levels = {c.id: CAUSE_LEVELS.index(c.level) for c in self.causes}
        problems = []
        for i, cause in enumerate(self.causes):
            at = f"{place}.{where('causes', i, cause)}"
            depth = CAUSE_LEVELS.index(cause.level)
            if cause.parent is None:
                if depth > 0:
                    problems.append(f"{at}: `parent` is missing; expected the id of the "
                                    f"{CAUSE_LEVELS[depth - 1]} cause that this {cause.level} cause explains")
            elif cause.parent not in levels:
                problems += unknown_refs([cause.parent], levels, at, "parent", "a cause in this tree")
            elif levels[cause.parent] >= depth:
                problems.append(f"{at}: `parent` `{cause.parent}` is a {CAUSE_LEVELS[levels[cause.parent]]} "
                                f"cause; expected a cause at a level above {cause.level}")
        return problems


class Actor(Entry):
    """A rights holder, a duty-bearer (with its level) or another actor who could help."""

    id_from = "name"
    name: str = Field(min_length=1)
    kind: Literal["rights_holder", "duty_bearer", "other_actor"]
    level: Literal["national", "subnational", "local", "family_community"] | None = None
    group_ids: list[str] = Field(default_factory=list, description="Left-behind groups they belong to.")
    claims: list[str] = Field(default_factory=list, description="What rights holders may claim.")
    obligations: list[str] = Field(default_factory=list, description="What duty-bearers must do.")
    contribution: str = Field(default="", description="What another actor could do.")
    problem_ids: list[EntryId] = Field(default_factory=list)

    _check_groups = field_validator("group_ids")(check_group_ids)

    @model_validator(mode="after")
    def _duty_level(self) -> "Actor":
        if self.kind == "duty_bearer" and self.level is None:
            raise ValueError(f"duty-bearer `{self.name}` has no `level`; expected one of {', '.join(DUTY_LEVELS)}")
        return self


class CapacityGap(Entry):
    """What an actor lacks to claim a right or meet an obligation, in one of six categories."""

    id_from = "description"
    actor: EntryId
    category: CapacityCategory
    description: str = Field(min_length=1)


class Step2Why(Record):
    """Everything Step 2 stores; cross-references are checked when the file is loaded."""

    priority_weights: PriorityWeights = Field(default_factory=PriorityWeights)
    priority_groups: list[str] = Field(default_factory=list, description="Group ids chosen for analysis.")
    problem_trees: list[ProblemTree] = Field(default_factory=list)
    actors: list[Actor] = Field(default_factory=list)
    capacity_gaps: list[CapacityGap] = Field(default_factory=list)
    diagnostics: list[ChecklistAnswer] = Field(default_factory=list)

    _check_groups = field_validator("priority_groups")(check_group_ids)

    @model_validator(mode="after")
    def _ids_and_links(self) -> "Step2Why":
        causes = [c for t in self.problem_trees for c in t.causes]
        fill_ids(self.problem_trees, "problem")
        fill_ids(causes, "cause")
        fill_ids(self.actors, "actor")
        fill_ids(self.capacity_gaps, "gap")
        problems = (duplicate_ids(self.problem_trees, "problem_trees") + duplicate_ids(causes, "causes")
                    + duplicate_ids(self.actors, "actors") + duplicate_ids(self.capacity_gaps, "capacity_gaps"))
        for i, tree in enumerate(self.problem_trees):
            problems += tree.cause_problems(where("problem_trees", i, tree))
        tree_ids = [t.id for t in self.problem_trees]
        for i, actor in enumerate(self.actors):
            problems += unknown_refs(actor.problem_ids, tree_ids, where("actors", i, actor),
                                     "problem_ids", "a problem tree in this file")
        actor_ids = [a.id for a in self.actors]
        for i, gap in enumerate(self.capacity_gaps):
            problems += unknown_refs([gap.actor], actor_ids, where("capacity_gaps", i, gap),
                                     "actor", "an actor in this file")
        problems += answer_problems(load_checklist("step2"), self.diagnostics, "diagnostics")
        raise_problems(problems)
        return self

    def causes(self) -> dict[str, Cause]:
        """All causes by id, across trees."""
        return {c.id: c for t in self.problem_trees for c in t.causes}

    def actors_by_id(self) -> dict[str, Actor]:
        return {a.id: a for a in self.actors}


def load_step2(path: str | os.PathLike) -> Step2Why:
    """Read `step2_why.yaml`; a missing file is an empty Step 2."""
    return load_entries(path, Step2Why, default=Step2Why())


def save_step2(path: str | os.PathLike, step2: Step2Why) -> Path:
    """Re-validate (ids filled, links checked) and save atomically, keeping a `.bak`."""
    return save_entries(path, step2)
