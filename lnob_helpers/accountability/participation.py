"""Step 5's reading of the participation log (`consultations`): who is not participating?

The guide's cross-cutting guidance on meaningful participation (UNSDG, "Operationalizing Leaving
No One Behind") asks "who is not participating?" and stresses accessible venues and formats and
feedback on how views were used. The log's records are `lnob_helpers.consultations`.
"""

from __future__ import annotations

import os

import pandas as pd

from ..consultations import DISABILITY_KEYS, SEX_KEYS, Consultation
from ..groups import read_left_behind, related


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
                           left_behind: str | os.PathLike | pd.DataFrame, ids: bool = True) -> list[str]:
    """Plain sentences on gaps: groups never consulted, no persons with disabilities counted,
    consultations without accessibility measures or without feedback. `ids=False` names groups
    and consultations only by their labels and titles (for the page)."""
    reach = who_is_not_participating(consultations, left_behind)
    missing = reach[reach["status"] == "not consulted"]
    messages = [f"\"{label}\"{f' ({g})' if ids else ''} has not taken part in any logged consultation."
                for g, label in zip(missing["group_id"], missing["label"])]
    log = consultation_frame(consultations)
    if len(log) and log["with_disability"].sum() == 0:
        messages.append("No consultation records any participant with a disability.")
    names = (log["consultation_id"].map(lambda i: f"`{i}`") if ids
             else "\"" + log["title"] + "\" (" + log["date"].astype("str") + ")")
    messages += [f"Consultation {n} lists no accessibility measure." for n in names[log["accessibility"] == ""]]
    messages += [f"Consultation {n} has not yet told participants how their views were used."
                 for n in names[~log["feedback_given"].astype(bool)]]
    return messages
