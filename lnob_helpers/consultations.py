"""The participation log: who was consulted, how, with what access, and whether they heard back.

The guide's cross-cutting guidance on meaningful participation (UNSDG, "Operationalizing Leaving
No One Behind") runs through every step, so the log's records sit below the steps: Step 2 weighs
who has been heard when it ranks groups, Step 5 asks who is not participating. Each consultation
records the groups reached and head counts by sex, age band and disability; every breakdown given
must add up to the total (use a `not_stated` entry for people not counted), so the numbers can be
trusted. The log is kept in `step5_accountability.yaml`, under `consultations`.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, NonNegativeInt, field_validator, model_validator

from .entries import Entry, Record, load_entries
from .groups import check_group_ids

STEP5_FILE = "step5_accountability.yaml"
METHODS = ("workshop", "focus_group", "interview", "survey", "online", "community_meeting", "hearing", "other")
SEX_KEYS = ("female", "male", "other", "not_stated")
DISABILITY_KEYS = ("with_disability", "without_disability", "not_stated")


class Participants(Record):
    """Head counts; each breakdown that is given must add up to `total`."""

    total: NonNegativeInt | None = None
    by_sex: dict[Literal["female", "male", "other", "not_stated"], NonNegativeInt] = Field(default_factory=dict)
    by_age: dict[str, NonNegativeInt] = Field(default_factory=dict, description="Age band -> count, e.g. 15-24.")
    by_disability: dict[Literal["with_disability", "without_disability", "not_stated"], NonNegativeInt] = Field(
        default_factory=dict)

    @model_validator(mode="after")
    def _totals(self) -> "Participants":
        sums = {name: sum(getattr(self, name).values()) for name in ("by_sex", "by_age", "by_disability")
                if getattr(self, name)}
        if self.total is None and sums:
            self.total = max(sums.values())
        wrong = [f"`{name}` adds up to {value}" for name, value in sums.items() if value != self.total]
        if wrong:
            raise ValueError(f"{' and '.join(wrong)} but the total is {self.total}; expected every breakdown to add "
                             "up to the total (count people not asked under `not_stated`)")
        return self


class Consultation(Entry):
    """One consultation or participatory event."""

    title: str = Field(min_length=1)
    date: dt.date
    method: Literal["workshop", "focus_group", "interview", "survey", "online", "community_meeting", "hearing", "other"]
    location: str = ""
    step: list[Literal[1, 2, 3, 4, 5]] = Field(default_factory=list, description="LNOB steps it informed.")
    group_ids: list[str] = Field(default_factory=list)
    participants: Participants = Field(default_factory=Participants)
    accessibility: list[str] = Field(default_factory=list, description="e.g. sign language, easy-read, step-free venue.")
    feedback_given: bool = False
    feedback_how: str = ""
    notes: str = ""

    _groups = field_validator("group_ids")(check_group_ids)

    @model_validator(mode="after")
    def _feedback(self) -> "Consultation":
        if self.feedback_given and not self.feedback_how.strip():
            raise ValueError(f"consultation `{self.title}` says feedback was given but not how; expected "
                             "`feedback_how` (e.g. 'results meeting in the village, 2024-05-02')")
        return self


class ParticipationLog(Record):
    """The `consultations` of `step5_accountability.yaml`; the file's other sections are Step 5's."""

    model_config = ConfigDict(extra="ignore")
    consultations: list[Consultation] = Field(default_factory=list)


def load_consultations(folder: str | os.PathLike) -> list[Consultation]:
    """The participation log of an analysis folder (empty when there is none yet)."""
    return load_entries(Path(folder) / STEP5_FILE, ParticipationLog, default=ParticipationLog()).consultations


def consulted_groups(consultations: list[Consultation]) -> list[str]:
    """Group ids reached by any consultation (for Step 2's lack-of-voice criterion)."""
    return list(dict.fromkeys(g for c in consultations for g in c.group_ids))
