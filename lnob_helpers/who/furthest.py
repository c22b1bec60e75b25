"""Furthest-behind trees for the indicators of an analysis, with design-based intervals.

`lnob_helpers.who.tree` grows ESCAP's tree on weighted cell sums; here each tree is grown
from an analysis (rules from `settings.tree`, direction from the indicator, circumstances
ordered where analysis.yaml says so), and every group of the tree is then estimated again
as a survey domain by the estimation engine, so its rate comes with a confidence interval
and the small-cell rule, like every other number in the workbook. The D-index over the
leaves, the Human Opportunity Index and each circumstance's Shapley share of D complete
the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..privacy import FLAG_SUPPRESSED
from ..rounds import RoundData
from ..survey import estimate_domains
from .dindex import DIndex, ShapleyDecomposition, shapley_from_cells, tree_d_index
from .left_behind import group_masks
from .tree import CellTable, FurthestBehindTree, TreeNode, TreeRules, aggregate_cells, tree_from_cells

WEIGHT_COLUMN = "__weight__"
FURTHEST_COLUMNS = [
    "indicator", "indicator_name", "direction", "role", "label", "path", "rate", "ci_lb", "ci_ub",
    "ci", "n", "share", "gap", "flag",
]


@dataclass(frozen=True)
class IndicatorTree:
    """One indicator's tree, its groups with engine estimates, D-index, HOI and Shapley shares.

    `nodes`: one row per group of the tree (node, depth, leaf, label, path, n, share, rate from
    the tree, and estimate/ci_lb/ci_ub/flag from the engine; suppressed groups carry no rate).
    `cells`: the weighted cell sums the tree was grown on (aggregates, kept for `shapley`).
    """

    indicator: str
    indicator_name: str
    tree: FurthestBehindTree
    nodes: pd.DataFrame
    dindex: DIndex
    cells: CellTable

    @cached_property
    def shapley(self) -> ShapleyDecomposition:
        """Each circumstance's share of D, computed on first use.

        It visits every subset of circumstances (about 0.15 s per indicator with 12 of them),
        which the report needs for every tree but the app only for the tree on screen.
        """
        return shapley_from_cells(self.cells, direction=self.tree.direction)

    @property
    def behind(self) -> TreeNode:
        return self.tree.furthest_behind

    @property
    def ahead(self) -> TreeNode:
        return self.tree.furthest_ahead

    @property
    def gap(self) -> float:
        """Furthest ahead minus furthest behind, in percentage points (>= 0)."""
        return self.tree.gap * 100

    def to_frame(self) -> pd.DataFrame:
        return self.nodes.copy()

    def summary(self) -> dict:
        return {
            "indicator": self.indicator,
            "direction": self.tree.direction,
            "leaves": len(self.tree.leaves),
            "furthest_behind": self.behind.path,
            "furthest_ahead": self.ahead.path,
            "gap_pp": self.gap,
            "d_index": self.dindex.d_index,
            "hoi": self.dindex.hoi,
        }


def grow_indicator_tree(data: RoundData, indicator: str, rules: TreeRules | None = None,
                        circumstances: Sequence[str] | None = None) -> IndicatorTree:
    """Grow the furthest-behind tree of one binary indicator and estimate its groups.

    `rules=None` takes analysis.yaml's `settings.tree`.
    """
    a = data.analysis
    ind = a.indicator(indicator)
    fd = data.for_indicator(indicator)
    circ_ids = fd.held(circumstances or [c.id for c in a.circumstances])
    # Rows of weight 0 stand for no one, so they stay out of the cells and their case counts.
    frame = fd.frame[[*circ_ids, indicator]].assign(**{WEIGHT_COLUMN: fd.design.weights})[fd.design.weights > 0]
    cells = aggregate_cells(
        frame, indicator, circ_ids, WEIGHT_COLUMN,
        names={c: a.circumstance(c).label for c in circ_ids}, source=fd.design.source,
    )
    tree = tree_from_cells(cells, outcome=indicator, rules=rules or a.settings.tree, direction=ind.direction)
    masks = {nd.node_id: tree.node_mask(nd.node_id, fd.frame) for nd in tree.nodes}
    engine = estimate_domains(fd.design, indicator, masks, settings=a.estimation).to_frame()
    nodes = tree.to_frame().assign(
        estimate=engine["estimate"].to_numpy(),
        ci_lb=engine["ci_lb"].to_numpy(),
        ci_ub=engine["ci_ub"].to_numpy(),
        flag=engine["flag"].to_numpy(),
    )
    hidden = nodes["flag"].to_numpy() == FLAG_SUPPRESSED
    nodes.loc[hidden, ["rate", "weight", "deviance"]] = np.nan
    return IndicatorTree(ind.id, ind.label, tree, nodes, tree_d_index(tree), cells)


def furthest_behind_trees(data: RoundData, indicators: Sequence[str] | None = None,
                          rules: TreeRules | None = None) -> dict[str, IndicatorTree]:
    """A tree for every binary indicator (or those listed), keyed by indicator id."""
    a = data.analysis
    ids = list(indicators or [i.id for i in a.indicators])
    return {i: grow_indicator_tree(data, i, rules) for i in ids if a.indicator(i).type == "binary"}


def furthest_table(trees: dict[str, IndicatorTree]) -> pd.DataFrame:
    """Furthest-behind and furthest-ahead group of every tree, with engine CIs (aggregates only)."""
    rows = []
    for it in trees.values():
        by_node = it.nodes.set_index("node")
        for role, node in (("furthest behind", it.behind), ("furthest ahead", it.ahead)):
            est = by_node.loc[node.node_id]
            shown = est["flag"] != FLAG_SUPPRESSED
            rows.append({
                "indicator": it.indicator,
                "indicator_name": it.indicator_name,
                "direction": it.tree.direction,
                "role": role,
                "label": node.label,
                "path": node.path,
                "rate": est["estimate"] * 100 if shown else np.nan,
                "ci_lb": est["ci_lb"] * 100 if shown else np.nan,
                "ci_ub": est["ci_ub"] * 100 if shown else np.nan,
                "ci": f"{est['ci_lb'] * 100:.1f}-{est['ci_ub'] * 100:.1f}" if shown else "suppressed",
                "n": node.n,
                "share": node.share,
                "gap": it.gap if shown else np.nan,
                "flag": est["flag"],
            })
    return pd.DataFrame(rows, columns=FURTHEST_COLUMNS)


def groups_containing_leaves(trees: dict[str, IndicatorTree], data: RoundData,
                             group_ids: Sequence[str]) -> set[str]:
    """Ids of the groups that are, or contain, some tree's furthest-behind leaf.

    A group *contains* a leaf when every person of the leaf (in the indicator's reference
    population) belongs to the group: "Rural, Tamar" contains the leaf "Bottom 40%, Rural,
    Tamar", and a group defined by wealth quintiles Poorest or Second is the same as one
    defined as the bottom 40%. Decided on the rows, so equivalent definitions agree.
    """
    found: set[str] = set()
    for _, leaf, masks, _ in _leaves_and_groups(trees, data, group_ids):
        if leaf.any():
            found.update(g for g, m in masks.items() if g not in found and not (leaf & ~m).any())
    return found


def groups_matching_leaves(trees: dict[str, IndicatorTree], data: RoundData,
                           group_ids: Sequence[str]) -> dict[str, set[str]]:
    """For each tree (by indicator id), the ids of the groups that are exactly its furthest-behind leaf.

    Exactly: the same people among those the tree was grown on (the indicator's reference
    population with an outcome and every ordered circumstance known), so the leaf "Rural;
    Wealth quintile: Poorest, Second; Tamar" matches the group "Bottom 40%, Rural, Tamar".
    Step 1's ranking and the one furthest-behind group (`furthest_summary`) count trees this way.
    """
    return {indicator: {g for g, m in masks.items() if leaf.any() and np.array_equal(leaf, m & grown_on)}
            for indicator, leaf, masks, grown_on in _leaves_and_groups(trees, data, group_ids)}


def _leaves_and_groups(trees: dict[str, IndicatorTree], data: RoundData, group_ids: Sequence[str]):
    """Per tree: its indicator, the rows of its furthest-behind leaf that have an outcome, the groups'
    row masks (shared by the trees of one data file) and the rows the tree was grown on."""
    masks_by_file: dict[str, dict[str, np.ndarray]] = {}
    for it in trees.values():
        fd = data.for_indicator(it.indicator)
        if fd.key not in masks_by_file:
            masks_by_file[fd.key] = group_masks(fd.frame, group_ids)
        observed = fd.frame[it.indicator].notna().to_numpy()
        leaf = it.tree.node_mask(it.behind.node_id, fd.frame) & observed
        yield it.indicator, leaf, masks_by_file[fd.key], it.tree.node_mask(it.tree.root.node_id, fd.frame) & observed
