"""One answer to "who is furthest behind", from a Step 1 result.

Step 1 ranks the left-behind groups, every indicator's tree names a furthest-behind group of
its own, and Step 2 ranks groups for the causal analysis. Read side by side, they seem to
name different groups. This module names one group for the whole analysis, by the rule of
Step 1's ranking (`left_behind.RANKING_RULE`), summarises the left-behind groups by factor,
and says in one sentence why a tree's furthest-behind group differs from it where it does.
Step 2's counterpart is `why.step2.Step2Result.furthest_note`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..config import FACTOR_LABELS, FACTORS
from ..groups import has_tag
from .furthest import groups_matching_leaves
from .left_behind import RANKING_RULE, furthest_behind_group, rank_groups
from .step1 import Step1Result

TOP_GROUPS = 3  # groups named per factor
BY_FACTOR_COLUMNS = ["factor", "label", "groups", "top_groups"]
TREE_COLUMNS = ["indicator", "indicator_name", "leaf", "same_group", "note"]


@dataclass(frozen=True)
class FurthestSummary:
    """The one furthest-behind group, the left-behind groups by factor, and the trees that differ.

    `group_id` is None (and `label` "") when no group is left behind. `indicators` and
    `factors` are the labels of what the group is behind on; `mean_gap` is in percentage
    points; `n_trees` counts the trees whose furthest-behind group is exactly this group, of
    `n_trees_grown`. `by_factor`: per factor of the guide, the number of left-behind groups
    disadvantaged on it and the first `TOP_GROUPS` of them in ranking order, by label.
    `trees`: per indicator tree, its furthest-behind group and, where it is not the overall
    group, a sentence saying why.
    """

    group_id: str | None
    label: str
    rule: str
    n_indicators: int
    n_assessed: int
    indicators: tuple[str, ...]
    factors: tuple[str, ...]
    mean_gap: float
    n_trees: int
    n_trees_grown: int
    n_groups: int
    by_factor: pd.DataFrame
    trees: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """"Left behind" by factor: one row per factor with its count and top groups."""
        return self.by_factor.copy()

    def sentence(self) -> str:
        """The answer in one sentence, every number in it from Step 1's tables."""
        if self.group_id is None:
            return "No group is left behind on any indicator, so none is furthest behind."
        trees = (f", and the furthest-behind group in {self.n_trees} of the {self.n_trees_grown} indicator trees"
                 if self.n_trees else "")
        return (f"{self.label} is the furthest-behind group: left behind on {self.n_indicators} of "
                f"{self.n_assessed} indicators, by {self.mean_gap:.1f} percentage points on average{trees}.")

    @property
    def notes(self) -> list[str]:
        """The sentences explaining each tree whose furthest-behind group is not the overall one."""
        return [n for n in self.trees["note"] if n]


def summarise_furthest(result: Step1Result) -> FurthestSummary:
    """The one furthest-behind group of a Step 1 result, "left behind" by factor, and the trees that differ."""
    a = result.analysis
    groups = rank_groups(result.left_behind.groups)
    top = furthest_behind_group(groups)
    matches = groups_matching_leaves(result.trees, result.data, [] if top is None else [top["group_id"]])
    rows = []
    for it in result.trees.values():
        same = top is not None and top["group_id"] in matches[it.indicator]
        note = "" if same or top is None else (
            f"The tree for {it.indicator_name} splits on the circumstances that matter most for that one "
            f"indicator, so its furthest-behind group, {it.behind.path}, differs from the overall one, "
            f"{top['label']}, which is left behind on the most indicators.")
        rows.append((it.indicator, it.indicator_name, it.behind.path, same, note))
    return FurthestSummary(
        group_id=None if top is None else str(top["group_id"]),
        label="" if top is None else str(top["label"]),
        rule=RANKING_RULE,
        n_indicators=0 if top is None else int(top["n_indicators"]),
        n_assessed=len([i for i in result.indicators if a.indicator(i).type == "binary"]),
        indicators=() if top is None else tuple(a.indicator(i).label for i in top["indicators"].split(";") if i),
        factors=() if top is None else tuple(FACTOR_LABELS[f] for f in top["factors"].split(";") if f),
        mean_gap=float("nan") if top is None else float(top["mean_gap"]),
        n_trees=0 if top is None else int(top["n_trees"]),
        n_trees_grown=len(result.trees),
        n_groups=len(groups),
        by_factor=left_behind_by_factor(groups),
        trees=pd.DataFrame(rows, columns=TREE_COLUMNS),
    )


def left_behind_by_factor(groups: pd.DataFrame) -> pd.DataFrame:
    """Per factor: how many ranked left-behind groups are disadvantaged on it, and the first few."""
    rows = []
    for factor in FACTORS:
        on_it = groups.loc[has_tag(groups["factors"], factor), "label"]
        rows.append((factor, FACTOR_LABELS[factor], len(on_it), "; ".join(on_it.head(TOP_GROUPS))))
    return pd.DataFrame(rows, columns=BY_FACTOR_COLUMNS)
