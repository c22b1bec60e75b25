"""Participation log: who was consulted, how, with what access, and whether they heard back.

The guide's cross-cutting guidance on meaningful participation (UNSDG, "Operationalizing Leaving
No One Behind") asks "who is not participating?" and stresses accessible venues and formats and
feedback on how views were used. Each consultation records the groups reached and head counts by
sex, age band and disability; every breakdown given must add up to the total (use a
`not_stated` entry for people not counted), so the numbers can be trusted.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Literal

import pandas as pd
from pydantic import Field, NonNegativeInt, field_validator, model_validator

from ..entries import Entry, Record
from ..groups import check_group_ids, read_left_behind, related

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


def _key(consultation: Consultation, position: int) -> str:
    """The consultation's id, or its 1-based position while it has none yet."""
    return consultation.id or f"consultation {position + 1}"


def consultation_frame(consultations: list[Consultation]) -> pd.DataFrame:
    """One row per consultation with head counts (0 where not recorded)."""
    rows = [{
        "consultation_id": _key(c, i), "title": c.title, "date": c.date, "method": c.method,
        "groups": "; ".join(c.group_ids), "total": c.participants.total or 0,
        **{f"sex_{k}": c.participants.by_sex.get(k, 0) for k in SEX_KEYS},
        **{k: c.participants.by_disability.get(k, 0) for k in DISABILITY_KEYS[:2]},
        "accessibility": "; ".join(c.accessibility), "feedback_given": c.feedback_given,
        "feedback_how": c.feedback_how,
    } for i, c in enumerate(consultations)]
    columns = ["consultation_id", "title", "date", "method", "groups", "total", *[f"sex_{k}" for k in SEX_KEYS],
               *DISABILITY_KEYS[:2], "accessibility", "feedback_given", "feedback_how"]
    return pd.DataFrame(rows, columns=columns).sort_values("date", kind="stable").reset_index(drop=True)


def participant_totals(consultations: list[Consultation]) -> pd.DataFrame:
    """Head counts summed over consultations, long form: breakdown, category, count, share."""
    rows = [(name, key, value) for c in consultations for name in ("by_sex", "by_age", "by_disability")
            for key, value in getattr(c.participants, name).items()]
    table = pd.DataFrame(rows, columns=["breakdown", "category", "count"])
    table = table.groupby(["breakdown", "category"], as_index=False, sort=False)["count"].sum()
    table["share"] = table["count"] / table.groupby("breakdown")["count"].transform("sum")
    table["breakdown"] = table["breakdown"].str.removeprefix("by_")
    return table


def consulted_groups(consultations: list[Consultation]) -> list[str]:
    """Group ids reached by any consultation (for Step 2's lack-of-voice criterion)."""
    return list(dict.fromkeys(g for c in consultations for g in c.group_ids))


def who_is_not_participating(consultations: list[Consultation],
                             left_behind: str | os.PathLike | pd.DataFrame) -> pd.DataFrame:
    """Per left-behind group: consultations reaching it directly or through a related group, and status.

    status is "not consulted", "only through a broader or narrower group" or "consulted";
    groups not consulted come first, the furthest behind before the others.
    """
    groups = read_left_behind(left_behind)
    links = pd.DataFrame([(_key(c, i), g) for i, c in enumerate(consultations) for g in c.group_ids],
                         columns=["consultation_id", "group"])
    pairs = related(links["group"], groups["group_id"]) if len(links) else pd.DataFrame(columns=["a", "b", "relation"])
    reach = links.merge(pairs, left_on="group", right_on="a")
    direct = reach[reach["relation"] == "same"].groupby("b")["consultation_id"].nunique()
    anyway = reach.groupby("b")["consultation_id"].nunique()
    table = groups[["group_id", "label", "furthest_behind"]].copy()
    table["direct_consultations"] = table["group_id"].map(direct).fillna(0).astype(int)
    table["related_consultations"] = table["group_id"].map(anyway).fillna(0).astype(int) - table["direct_consultations"]
    status = pd.Series("consulted", index=table.index, dtype="str")
    status[table["direct_consultations"] == 0] = "only through a broader or narrower group"
    status[(table["direct_consultations"] == 0) & (table["related_consultations"] == 0)] = "not consulted"
    table["status"] = status
    order = status.map({"not consulted": 0, "only through a broader or narrower group": 1, "consulted": 2})
    table = table.assign(_order=order, _fb=~table["furthest_behind"])
    return table.sort_values(["_order", "_fb"], kind="stable").drop(columns=["_order", "_fb"]).reset_index(drop=True)


def participation_warnings(consultations: list[Consultation],
                           left_behind: str | os.PathLike | pd.DataFrame) -> list[str]:
    """Plain sentences on gaps: groups never consulted, no persons with disabilities counted,
    consultations without accessibility measures or without feedback."""
    reach = who_is_not_participating(consultations, left_behind)
    messages = [f"\"{label}\" ({g}) has not taken part in any logged consultation."
                for g, label in zip(reach.loc[reach["status"] == "not consulted", "group_id"],
                                    reach.loc[reach["status"] == "not consulted", "label"])]
    log = consultation_frame(consultations)
    if len(log) and log["with_disability"].sum() == 0:
        messages.append("No consultation records any participant with a disability.")
    messages += [f"Consultation `{i}` lists no accessibility measure." for i in log.loc[log["accessibility"] == "", "consultation_id"]]
    messages += [f"Consultation `{i}` has not yet told participants how their views were used."
                 for i in log.loc[~log["feedback_given"].astype(bool), "consultation_id"]]
    return messages
