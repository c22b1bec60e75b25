"""Which groups are left behind, on how many indicators and across how many of the five factors.

A group is left behind on an indicator when two things hold:
- its whole confidence interval lies on the unfavourable side of the national value (below
  it for an opportunity such as birth registration, above it for a barrier such as
  stunting), so the difference is not sampling noise; and
- the gap to the national value is at least `min_gap` (a proportion: 0.05 = 5 percentage
  points), so the difference matters.

Suppressed cells carry no estimate and are never flagged. Only proportions (binary
indicators) are judged: a gap "in percentage points" has no meaning for a mean.

Groups are then ranked by `RANKING_RULE`: left behind on more indicators first, then
across more of the guide's five factors (the factors the group is disadvantaged on: a
category a circumstance marks `not_disadvantaged` adds none), then singled out as
furthest behind by more of the indicator trees, then by the mean gap. The first group
is *the* furthest-behind group (`furthest_behind_group`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import FACTORS, Analysis
from ..groups import group_id_label, split_group_id
from ..privacy import FLAG_SUPPRESSED

GROUP_COLUMNS = [
    "group_id", "label", "n_indicators", "indicators", "factors", "n_factors", "n_trees", "max_gap",
    "mean_gap", "population_share", "furthest_behind",
]
# The one ranking of left-behind groups, its first group the furthest behind: (column, descending).
RANKING = (("n_indicators", True), ("n_factors", True), ("n_trees", True), ("mean_gap", True),
           ("group_id", False))
RANKING_RULE = ("The furthest-behind group is the group left behind on the most indicators; ties go to the "
                "group disadvantaged on the most of the five factors, then to the group that the most "
                "indicator trees single out as furthest behind, then to the largest mean gap.")
CELL_COLUMNS = [
    "indicator_abbr", "group_id", "subgroup", "dimension_id", "factors", "estimate", "ci_lb", "ci_ub",
    "setting_average", "gap", "n", "flag", "share", "left_behind",
]


def parse_group_id(group_id: str) -> dict[str, str]:
    """'area=Rural & ethnicity=Tamar' -> {'area': 'Rural', 'ethnicity': 'Tamar'}."""
    return split_group_id(group_id)


def group_masks(frame: pd.DataFrame, group_ids: Sequence[str]) -> dict[str, np.ndarray]:
    """Row masks of groups given by their ids ('area=Rural & ethnicity=Tamar').

    Compares category codes rather than labels, which keeps hundreds of groups fast.
    """
    codes: dict[str, tuple[np.ndarray, dict[str, int]]] = {}
    masks = {}
    for gid in group_ids:
        mask = np.ones(len(frame), dtype=bool)
        for column, value in parse_group_id(gid).items():
            if column not in frame.columns:
                mask[:] = False
                break
            if column not in codes:
                cat = frame[column].astype("category").cat
                codes[column] = (cat.codes.to_numpy(), {str(c): i for i, c in enumerate(cat.categories)})
            column_codes, lookup = codes[column]
            mask &= column_codes == lookup.get(value, -2)
        masks[gid] = mask
    return masks


def group_gaps(table: pd.DataFrame, analysis: Analysis) -> pd.DataFrame:
    """Per indicator and group: the gap to the national value, in percentage points (positive = worse).

    `table` is the disaggregation table (HEAT Plus columns, estimates on the display scale).
    Continuous indicators and the national rows are left out.
    """
    binary = [i.id for i in analysis.indicators if i.type == "binary"]
    cells = table.loc[table["indicator_abbr"].isin(binary) & (table["group_id"] != "national")]
    scale = cells["indicator_scale"].to_numpy(dtype=float)
    worse = np.where(cells["favourable_indicator"].to_numpy() == 1, -1.0, 1.0)
    difference = (cells["estimate"].to_numpy(dtype=float) - cells["setting_average"].to_numpy(dtype=float))
    out = cells.assign(gap=worse * difference / scale * 100)
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class LeftBehind:
    """The left-behind judgement for every indicator x group cell, and the ranked groups.

    `cells`: one row per indicator and group (CELL_COLUMNS), `gap` in percentage points,
    positive = worse than national. `groups`: one row per group left behind on at least one
    indicator (GROUP_COLUMNS), ranked by `RANKING`; `population_share` is the group's share of
    the reference population, averaged over the indicators it is left behind on; `n_trees` the
    number of indicator trees whose furthest-behind leaf is exactly the group. `min_gap` is the
    rule's threshold (proportion).
    """

    cells: pd.DataFrame
    groups: pd.DataFrame
    min_gap: float
    furthest_groups: frozenset[str] = field(default_factory=frozenset)

    def to_frame(self) -> pd.DataFrame:
        return self.groups.copy()

    def for_group(self, group_id: str) -> pd.DataFrame:
        """Every indicator's cell for one group (aggregates, suppressed ones without estimate)."""
        return self.cells.loc[self.cells["group_id"] == group_id].reset_index(drop=True)


def find_left_behind(
    table: pd.DataFrame,
    analysis: Analysis,
    *,
    min_gap: float | None = None,
    furthest_groups: Iterable[str] = (),
    tree_leaves: Mapping[str, Iterable[str]] | None = None,
) -> LeftBehind:
    """Judge every cell of the disaggregation `table` and rank the groups left behind.

    `min_gap` defaults to `settings.left_behind.min_gap`. `furthest_groups` are the ids of
    groups that are, or contain, the furthest-behind leaf of some indicator's tree (see
    `furthest.groups_containing_leaves`); they are marked `furthest_behind`. `tree_leaves`
    gives, per indicator, the ids of the groups that are exactly its tree's furthest-behind
    leaf (`furthest.groups_matching_leaves`); they count in `n_trees`.
    """
    threshold = analysis.settings.left_behind.min_gap if min_gap is None else float(min_gap)
    cells = group_gaps(table, analysis)
    shown = cells["flag"].to_numpy() != FLAG_SUPPRESSED
    favourable = cells["favourable_indicator"].to_numpy() == 1
    national = cells["setting_average"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        outside = np.where(favourable, cells["ci_ub"].to_numpy(dtype=float) < national,
                           cells["ci_lb"].to_numpy(dtype=float) > national)
        # a tiny tolerance so that a gap of exactly min_gap counts despite rounding
        big = cells["gap"].to_numpy(dtype=float) >= threshold * 100 - 1e-9
    cells["left_behind"] = shown & outside & big
    cells = cells[CELL_COLUMNS]
    furthest = set(furthest_groups)
    in_trees = pd.Series([g for ids in (tree_leaves or {}).values() for g in set(ids)], dtype="str").value_counts()
    return LeftBehind(cells, _rank(cells, furthest, in_trees), threshold, frozenset(furthest))


def _rank(cells: pd.DataFrame, furthest: set[str], in_trees: pd.Series) -> pd.DataFrame:
    hits = cells.loc[cells["left_behind"]]
    if hits.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in GROUP_COLUMNS})
    grouped = hits.groupby("group_id", sort=False)
    groups = grouped.agg(
        subgroup=("subgroup", "first"),
        n_indicators=("indicator_abbr", "nunique"),
        indicators=("indicator_abbr", lambda s: ";".join(dict.fromkeys(s))),
        factors=("factors", "first"),
        max_gap=("gap", "max"),
        mean_gap=("gap", "mean"),
        population_share=("share", "mean"),
    ).reset_index()
    groups["factors"] = groups["factors"].map(canonical_factors)
    groups["n_factors"] = groups["factors"].map(lambda f: len([x for x in f.split(";") if x]))
    groups["n_trees"] = groups["group_id"].map(in_trees).fillna(0).astype(int)
    groups["label"] = groups["group_id"].map(group_id_label)
    groups["furthest_behind"] = groups["group_id"].isin(furthest)
    return rank_groups(groups[GROUP_COLUMNS])


def rank_groups(groups: pd.DataFrame) -> pd.DataFrame:
    """Left-behind groups (Step 1's table or `left_behind.csv`) in the order of `RANKING`.

    A `left_behind.csv` written before `n_trees` existed is ranked on the other columns.
    """
    keys = [(c, d) for c, d in RANKING if c in groups.columns]
    ordered = groups.sort_values([c for c, _ in keys], ascending=[not d for _, d in keys], kind="stable")
    return ordered.reset_index(drop=True)


def furthest_behind_group(groups: pd.DataFrame) -> pd.Series | None:
    """The one furthest-behind group, by `RANKING_RULE`: the first of the ranked `groups`; None when
    no group is left behind. Step 1's list, its summary and Step 2 all name this group."""
    return None if groups.empty else rank_groups(groups).iloc[0]


def canonical_factors(factors: str) -> str:
    """Factor tags in the guide's order, each once."""
    present = set(filter(None, str(factors).split(";")))
    return ";".join(f for f in FACTORS if f in present)
