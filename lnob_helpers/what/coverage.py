"""Step 3 coverage: which root causes and furthest-behind groups no action reaches, and which
actions reach only people who are not left behind.

An action reaches a left-behind group when one of its groups contains the other (an action for
"ethnicity=Tamar" reaches "area=Rural & ethnicity=Tamar", and an action for the rural Tamar
reaches part of the Tamar). The group "all" marks a universal action: it reaches everyone, but
the guide (Step 3, on trade-offs) warns that universal measures alone rarely reach the furthest
behind, so it does not count as covering a furthest-behind group.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

from ..groups import WHOLE_POPULATION, read_left_behind, related
from ..why.models import Step2Why
from .models import Step3What


def action_reach(step3: Step3What, left_behind_ids: list[str]) -> pd.DataFrame:
    """Pairs (action_id, group_id) of actions and the left-behind groups they reach, with
    `universal` True when the pair comes only from the group "all"."""
    links = pd.DataFrame([(a.id, g) for a in step3.actions for g in a.group_ids], columns=["action_id", "action_group"])
    if links.empty or not left_behind_ids:
        return pd.DataFrame({"action_id": pd.Series(dtype="str"), "group_id": pd.Series(dtype="str"),
                             "universal": pd.Series(dtype=bool)})
    pairs = related(links["action_group"], left_behind_ids).rename(columns={"a": "action_group", "b": "group_id"})
    reach = links.merge(pairs, on="action_group")
    reach["universal"] = reach["action_group"] == WHOLE_POPULATION
    reach = reach.groupby(["action_id", "group_id"], as_index=False, sort=False)["universal"].all()
    return reach


IN_WORDS = {
    "root_cause_without_action": "Root cause \"{item}\" has no action addressing it.",
    "furthest_behind_without_action": "Furthest-behind group \"{item}\" has no action targeted at it.",
    "action_without_groups": "Action \"{item}\" names no group; link it to the groups it is for.",
    "action_misses_left_behind": "Action \"{item}\" reaches only groups that are not left behind.",
}


@dataclass
class CoverageReport:
    """Coverage warnings; `warnings` has columns kind, item_id, item and message."""

    warnings: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.warnings.copy()

    def messages(self, ids: bool = True) -> list[str]:
        """The warnings as sentences; `ids=False` names causes, groups and actions only in words (for the page)."""
        if ids:
            return self.warnings["message"].tolist()
        return [IN_WORDS[kind].format(item=item) for kind, item in zip(self.warnings["kind"], self.warnings["item"])]

    @property
    def ok(self) -> bool:
        return self.warnings.empty


def check_coverage(step3: Step3What, step2: Step2Why,
                   left_behind: str | os.PathLike | pd.DataFrame) -> CoverageReport:
    """Root causes without action, furthest-behind groups without targeted action, and actions
    that reach no left-behind group."""
    groups = read_left_behind(left_behind)
    reach = action_reach(step3, groups["group_id"].tolist())
    targeted = reach.loc[~reach["universal"]]
    rows: list[tuple[str, str, str, str]] = []
    acted_on = {c for a in step3.actions for c in a.cause_ids}
    for cause in step2.causes().values():
        if cause.level == "root" and cause.id not in acted_on:
            rows.append(("root_cause_without_action", cause.id, cause.text,
                         f"Root cause `{cause.id}` (\"{cause.text}\") has no action addressing it."))
    furthest = groups.loc[groups["furthest_behind"] & ~groups["group_id"].isin(targeted["group_id"])]
    rows += [("furthest_behind_without_action", g, label,
              f"Furthest-behind group \"{label}\" ({g}) has no action targeted at it.")
             for g, label in zip(furthest["group_id"], furthest["label"])]
    reaching = set(reach["action_id"])
    for action in step3.actions:
        if not action.group_ids:
            rows.append(("action_without_groups", action.id, action.title,
                         f"Action `{action.id}` (\"{action.title}\") names no group; link it to the groups it is for."))
        elif action.id not in reaching:
            rows.append(("action_misses_left_behind", action.id, action.title,
                         f"Action `{action.id}` (\"{action.title}\") reaches only groups that are not left "
                         f"behind ({', '.join(action.group_ids)})."))
    return CoverageReport(pd.DataFrame(rows, columns=["kind", "item_id", "item", "message"]))
