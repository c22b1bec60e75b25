"""What a team records in `step3_what.yaml`: the action catalogue and the ranking weights.

Actions fall into the seven areas of the guide's Step 3.1 (UNSDG, "Operationalizing Leaving No
One Behind") and link back to Step 2: the causes they address, the capacity gaps they close, the
duty-bearers who act. Those links are checked against `step2_why.yaml` when the file is loaded.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from ..entries import Entry, EntryId, Record, duplicate_ids, fill_ids, load_entries, raise_problems, save_entries, unknown_refs, where
from ..groups import check_group_ids
from ..why.models import Step2Why
from ..scoring import Weights

STEP3_FILE = "step3_what.yaml"
ACTION_AREAS = {
    "advocacy": "Advocacy",
    "enabling_environment": "Enabling environment: laws, policies, institutions",
    "capacity_development": "Capacity development and support to civil society",
    "community_empowerment": "Community empowerment",
    "services": "Quality and accessibility of services",
    "social_protection": "Social protection",
    "partnerships": "Partnerships",
}
ActionArea = Literal["advocacy", "enabling_environment", "capacity_development", "community_empowerment",
                     "services", "social_protection", "partnerships"]
SDG_TARGET_RE = re.compile(r"^(?:1[0-7]|[1-9])\.(?:[1-9][0-9]?|[a-z])$")


def _check_target(value: str) -> str:
    if not SDG_TARGET_RE.match(value):
        raise ValueError(f"`{value}` is not an SDG target; expected goal.target such as `1.3`, `10.2` or `5.a`")
    return value


SdgTarget = Annotated[str, AfterValidator(_check_target)]
Rating = Annotated[int, Field(ge=1, le=5)]


class ActionWeights(Weights):
    """How much each criterion counts when ranking actions (rescaled to sum to 1)."""

    impact: float = 0.30
    depth: float = 0.20
    multiplier: float = 0.15
    feasibility: float = 0.15
    cost: float = 0.10
    time_horizon: float = 0.10


class Action(Entry):
    """One possible action. Ratings run 1-5 with 5 the favourable end: very feasible, low cost,
    results soon. Group id "all" marks a universal action."""

    title: str = Field(min_length=1)
    description: str = ""
    area: ActionArea
    cause_ids: list[EntryId] = Field(default_factory=list)
    capacity_gap_ids: list[EntryId] = Field(default_factory=list)
    group_ids: list[str] = Field(default_factory=list)
    duty_bearer_ids: list[EntryId] = Field(default_factory=list)
    sdg_targets: list[SdgTarget] = Field(default_factory=list)
    lead: str = ""
    partners: list[str] = Field(default_factory=list)
    feasibility: Rating | None = None
    cost: Rating | None = None
    time_horizon: Rating | None = None

    _groups = field_validator("group_ids")(check_group_ids)


class Step3What(Record):
    """Everything Step 3 stores."""

    priority_weights: ActionWeights = Field(default_factory=ActionWeights)
    actions: list[Action] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ids(self) -> "Step3What":
        fill_ids(self.actions, "action")
        raise_problems(duplicate_ids(self.actions, "actions"))
        return self


def link_problems(step3: Step3What, step2: Step2Why) -> list[str]:
    """Sentences for actions pointing at causes, gaps or duty-bearers that Step 2 does not define."""
    causes = step2.causes()
    gaps = [g.id for g in step2.capacity_gaps]
    actors = step2.actors_by_id()
    duty_bearers = [a.id for a in step2.actors if a.kind == "duty_bearer"]
    problems: list[str] = []
    for i, action in enumerate(step3.actions):
        at = where("actions", i, action)
        problems += unknown_refs(action.cause_ids, causes, at, "cause_ids", "a cause in step2_why.yaml")
        problems += unknown_refs(action.capacity_gap_ids, gaps, at, "capacity_gap_ids",
                                 "a capacity gap in step2_why.yaml")
        for ref in action.duty_bearer_ids:
            if ref in actors and actors[ref].kind != "duty_bearer":
                problems.append(f"{at}: `duty_bearer_ids` lists `{ref}`, which step2_why.yaml records as "
                                f"a {actors[ref].kind.replace('_', ' ')}; expected a duty-bearer")
        problems += unknown_refs([r for r in action.duty_bearer_ids if r not in actors], duty_bearers, at,
                                 "duty_bearer_ids", "an actor in step2_why.yaml")
    return problems


def load_step3(path: str | os.PathLike, step2: Step2Why | None = None) -> Step3What:
    """Read `step3_what.yaml` (missing file = no actions); with `step2`, check links to it too."""
    return load_entries(path, Step3What, default=Step3What(),
                        cross_check=(lambda s: link_problems(s, step2)) if step2 is not None else None)


def save_step3(path: str | os.PathLike, step3: Step3What, step2: Step2Why | None = None) -> Path:
    """Re-validate (and check links to `step2` when given), then save atomically with a `.bak`."""
    return save_entries(path, step3, (lambda checked: link_problems(checked, step2)) if step2 is not None else None)
