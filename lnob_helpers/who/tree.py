"""Furthest-behind trees: ESCAP's regression-tree (CART) method for Step 1.

The guide's Step 1 and its Annex 3 describe how ESCAP finds the groups furthest behind: a
regression tree on a 0/1 access indicator, grown on survey weights, splits the population
again and again on the circumstance that best separates people with and without access.
The leaves are groups defined by intersecting circumstances; the leaf with the worst rate is
the furthest-behind group and the leaf with the best rate the furthest-ahead group.

The algorithm here is R rpart's `method="anova"` with case weights, step for step:
- a split is the one with the largest drop in weighted sum of squares; the first
  circumstance in the given order wins a tie, and so does the first cut point;
- an ordered circumstance splits at a threshold between two of its levels; a nominal one
  into any two sets of categories (sorting categories by weighted mean and trying each cut
  finds the best of all two-set partitions, exactly, for this criterion);
- the child with the lower rate is numbered 2k, the other 2k+1 (node 1 is the whole
  population), as rpart does;
- `min_gain` is rpart's `cp`, applied the way rpart applies it: a subtree is kept when its
  splits reduce the weighted sum of squares by more than `min_gain` x the root's weighted sum
  of squares per split (so a weak split survives if strong splits below it pay for it).

Because every circumstance is categorical, the tree never needs the rows: the data are first
reduced to one line per cell of the cross-classification (sum of weights, of weight x outcome,
of weight x outcome squared, and the unweighted count), and every split search works on
those cell sums. That is what makes a tree take milliseconds.

Missing values: rows without the outcome are outside the reference population and are left
out. A missing nominal circumstance becomes its own category, "Missing", so the tree can show
that people without the information differ. Rows missing an ordered circumstance are left
out (a missing value has no place on a scale); their number is reported on the result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

# The stopping rules are analysis settings, with their defaults and bounds in one home.
from lnob_helpers.config import TreeSettings as TreeRules
from lnob_helpers.errors import InputError

Direction = Literal["adverse", "favourable"]
DIRECTIONS = ("adverse", "favourable")
MISSING_LABEL = "Missing"

# Labels too generic to stand alone in a group's description ("Yes" of what?).
_GENERIC_LABELS = {"yes", "no", "true", "false", "missing", "other", "none", "unknown"}


# --------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class Circumstance:
    """One disaggregating characteristic and its categories, in their order.

    `values` are the categories as they appear in the data (None stands for the "Missing"
    category of a nominal circumstance); `labels` are the same categories as text.
    """

    name: str
    display_name: str
    values: tuple[Any, ...]
    labels: tuple[str, ...]
    ordered: bool

    def describe(self, labels: Sequence[str]) -> str:
        """A set of this circumstance's categories in plain words, e.g. "Region: North, East"."""
        chosen = [lab for lab in self.labels if lab in set(labels)]
        if len(chosen) == 1 and _speaks_for_itself(chosen[0]):
            return chosen[0]
        if self.ordered and len(chosen) >= 3:
            positions = [self.labels.index(lab) for lab in chosen]
            if positions == list(range(positions[0], positions[-1] + 1)):
                return f"{self.display_name}: {chosen[0]} to {chosen[-1]}"
        return f"{self.display_name}: {', '.join(chosen)}"


def _speaks_for_itself(label: str) -> bool:
    """True for labels like "Rural" or "Poorest 40%", false for codes, intervals, "Yes"."""
    return (
        any(ch.isalpha() for ch in label)
        and label[:1] not in "([" and label[-1:] not in ")]"
        and label.strip().lower() not in _GENERIC_LABELS
    )


@dataclass(frozen=True)
class CellTable:
    """Weighted sums per cell of the cross-classification of the circumstances.

    Everything a tree or a D-index needs, and no microdata: `codes[i, j]` is the category
    (position in `circumstances[j].values`) of cell i; `n` its unweighted rows, `w` its sum
    of weights, `wy` and `wyy` its sums of weight x outcome and weight x outcome squared.
    """

    circumstances: tuple[Circumstance, ...]
    codes: np.ndarray
    n: np.ndarray
    w: np.ndarray
    wy: np.ndarray
    wyy: np.ndarray
    n_rows: int
    n_dropped_missing: int = 0


def aggregate_cells(
    frame: pd.DataFrame,
    outcome: str,
    circumstances: Sequence[str],
    weight: str,
    *,
    ordered: Mapping[str, Sequence[Any]] | None = None,
    names: Mapping[str, str] | None = None,
    source: str = "data",
) -> CellTable:
    """Reduce survey rows to weighted sums per cell of the circumstances.

    A circumstance is ordered when its column is an ordered pandas Categorical or when
    `ordered` gives its levels from lowest to highest; otherwise it is nominal, with the
    categories of an unordered Categorical, or else the sorted distinct values. `names` maps
    columns to the names shown to readers. `source` names the data in error messages.
    """
    circumstances = list(circumstances)
    ordered = dict(ordered or {})
    names = dict(names or {})
    _check_columns(frame, outcome, circumstances, weight, ordered, source)

    y_all = _numeric(frame[outcome], outcome, source)
    keep = ~np.isnan(y_all)
    if not keep.any():
        raise InputError(
            f"{source}: column `{outcome}` has no non-missing values; expected a 0/1 indicator "
            "observed for at least one row."
        )
    y = y_all[keep]
    if ((y < 0) | (y > 1)).any():
        bad = y[(y < 0) | (y > 1)][0]
        raise InputError(f"{source}: column `{outcome}` contains {bad:g}; expected 0/1 values (1 = has access).")
    w = _numeric(frame[weight], weight, source)[keep]
    if np.isnan(w).any():
        raise InputError(
            f"{source}: column `{weight}` is missing on {int(np.isnan(w).sum())} rows with a value of "
            f"`{outcome}`; expected a positive survey weight on every such row."
        )
    if (w <= 0).any() or not np.isfinite(w).all():
        raise InputError(
            f"{source}: column `{weight}` has {int((~(w > 0) | ~np.isfinite(w)).sum())} zero, negative or "
            "infinite weights; expected positive survey weights."
        )

    encoded = [
        _encode(frame[name][keep], name, names.get(name, name), ordered.get(name), source)
        for name in circumstances
    ]
    circs = tuple(c for c, _ in encoded)
    codes = np.column_stack([codes for _, codes in encoded])
    usable = (codes >= 0).all(axis=1)
    n_dropped = int((~usable).sum())
    if not usable.any():
        raise InputError(
            f"{source}: every row with a value of `{outcome}` misses an ordered circumstance; "
            "expected at least one complete row."
        )
    codes, y, w = codes[usable], y[usable], w[usable]

    dims = [len(c.values) for c in circs]
    if math.prod(dims) < 2**62:
        keys = np.ravel_multi_index(tuple(codes.T), dims)
        unique_keys, cell_of_row = np.unique(keys, return_inverse=True)
        cell_codes = np.column_stack(np.unravel_index(unique_keys, dims))
    else:
        cell_codes, cell_of_row = np.unique(codes, axis=0, return_inverse=True)
        cell_of_row = cell_of_row.ravel()
    n_cells = len(cell_codes)
    wy = w * y
    return CellTable(
        circumstances=circs,
        codes=cell_codes.astype(np.int64),
        n=np.bincount(cell_of_row, minlength=n_cells).astype(float),
        w=np.bincount(cell_of_row, weights=w, minlength=n_cells),
        wy=np.bincount(cell_of_row, weights=wy, minlength=n_cells),
        wyy=np.bincount(cell_of_row, weights=wy * y, minlength=n_cells),
        n_rows=int(usable.sum()),
        n_dropped_missing=n_dropped,
    )


def _check_columns(frame, outcome, circumstances, weight, ordered, source) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{source}: got a {type(frame).__name__}; expected a table (pandas DataFrame).")
    problems = []
    if not circumstances:
        problems.append(f"{source}: no circumstances were given; expected at least one column to split on.")
    if len(set(circumstances)) != len(circumstances):
        problems.append(f"{source}: a circumstance is listed twice; expected each column once.")
    if outcome in circumstances or weight in circumstances:
        problems.append(f"{source}: the outcome or weight column is also listed as a circumstance; expected them apart.")
    for column in [outcome, weight, *circumstances]:
        if column not in frame.columns:
            problems.append(f"{source}: column `{column}` is missing; expected it among the data's columns.")
    for column in ordered:
        if column not in circumstances:
            problems.append(f"{source}: ordered levels were given for `{column}`, which is not a circumstance.")
    if problems:
        raise InputError(problems)


def _numeric(column: pd.Series, name: str, source: str) -> np.ndarray:
    try:
        return pd.to_numeric(column, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise InputError(f"{source}: column `{name}` is not numeric; expected numbers.") from None


def _encode(column: pd.Series, name: str, display: str, levels: Sequence[Any] | None, source: str):
    """Category codes for one circumstance: -1 marks a row to leave out."""
    if levels is not None:
        values, is_ordered = list(levels), True
        codes = pd.Categorical(column, categories=values).codes.astype(np.int64)
        unknown = column.notna().to_numpy() & (codes < 0)
        if unknown.any():
            first = column[unknown].iloc[0]
            raise InputError(
                f"{source}: column `{name}` contains {first!r}, which is not among its ordered levels; "
                f"expected one of {', '.join(map(str, values))}."
            )
    elif isinstance(column.dtype, pd.CategoricalDtype):
        values, is_ordered = list(column.cat.categories), bool(column.cat.ordered)
        codes = column.cat.codes.to_numpy().astype(np.int64)
    else:
        distinct = column.dropna().unique()
        try:
            values = sorted(distinct)
        except TypeError:
            values = sorted(distinct, key=str)
        is_ordered = False
        codes = pd.Categorical(column, categories=values).codes.astype(np.int64)
    labels = [_label(v) for v in values]
    if not is_ordered and (codes < 0).any():
        codes = np.where(codes < 0, len(values), codes)
        values.append(None)
        labels.append(MISSING_LABEL)
    if not values:
        raise InputError(f"{source}: column `{name}` has no values; expected at least one category.")
    circ = Circumstance(name, display, tuple(values), tuple(labels), is_ordered)
    return circ, codes


def _label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class TreeNode:
    """One group of the tree. Aggregates only: no row of the data is kept.

    `variable`/`categories`: the split that defines this group (None for the whole
    population), with the categories as rpart reports them (for an ordered circumstance, all
    levels on this side of the threshold). `conditions`: every circumstance restricted on the
    way from the root, with the data values allowed (None = missing), so the group can be
    selected as a survey domain. `split_on`: the circumstance this group is split on, if any.
    """

    node_id: int
    parent_id: int | None
    depth: int
    is_leaf: bool
    variable: str | None
    categories: tuple[str, ...]
    split_on: str | None
    conditions: Mapping[str, tuple[Any, ...]]
    label: str
    path: str
    n: int
    weight: float
    share: float
    rate: float
    deviance: float


@dataclass(frozen=True)
class FurthestBehindTree:
    """A grown tree with its furthest-behind and furthest-ahead groups.

    `direction`: "favourable" (the outcome is an opportunity: furthest behind = lowest rate)
    or "adverse" (a barrier such as stunting: furthest behind = highest rate). `nodes` are in
    rpart's order (depth first, lower-rate child first); rates are weighted means. `rules`
    are the rules the tree was grown with, every default filled in.
    """

    outcome: str
    direction: Direction
    rules: TreeRules
    circumstances: tuple[Circumstance, ...]
    nodes: tuple[TreeNode, ...]
    n_rows: int
    n_dropped_missing: int

    def node(self, node_id: int) -> TreeNode:
        for node in self.nodes:
            if node.node_id == node_id:
                return node
        raise KeyError(node_id)

    @property
    def root(self) -> TreeNode:
        return self.nodes[0]

    @property
    def leaves(self) -> list[TreeNode]:
        return [node for node in self.nodes if node.is_leaf]

    @property
    def furthest_behind(self) -> TreeNode:
        """The leaf with the worst rate (ties: the larger group, then the lower node id)."""
        sign = 1 if self.direction == "adverse" else -1
        return max(self.leaves, key=lambda nd: (sign * nd.rate, nd.weight, -nd.node_id))

    @property
    def furthest_ahead(self) -> TreeNode:
        """The leaf with the best rate (ties: the larger group, then the lower node id)."""
        sign = -1 if self.direction == "adverse" else 1
        return max(self.leaves, key=lambda nd: (sign * nd.rate, nd.weight, -nd.node_id))

    @property
    def gap(self) -> float:
        """Difference in rate between the furthest-ahead and furthest-behind groups (>= 0)."""
        return abs(self.furthest_ahead.rate - self.furthest_behind.rate)

    def node_mask(self, node_id: int, frame: pd.DataFrame) -> np.ndarray:
        """Rows of `frame` in the group `node_id`, for estimating it as a survey domain.

        The mask ignores the outcome: the estimation engine leaves out rows without it.
        Rows missing an ordered circumstance are outside every group, as in the tree.
        """
        mask = np.ones(len(frame), dtype=bool)
        for circ in self.circumstances:
            if circ.ordered:
                mask &= frame[circ.name].notna().to_numpy()
        for name, values in self.node(node_id).conditions.items():
            column = frame[name]
            present = [v for v in values if v is not None]
            allowed = column.isin(present).to_numpy(dtype=bool, na_value=False)
            if len(present) < len(values):
                allowed = allowed | column.isna().to_numpy()
            mask &= allowed
        return mask

    def to_frame(self) -> pd.DataFrame:
        """One row per group: where it sits, how it is defined, its size and rate."""
        behind, ahead = self.furthest_behind.node_id, self.furthest_ahead.node_id
        roles = {behind: "furthest behind", ahead: "furthest ahead"} if behind != ahead else {}
        return pd.DataFrame(
            {
                "node": [nd.node_id for nd in self.nodes],
                "parent": pd.array([nd.parent_id for nd in self.nodes], dtype="Int64"),
                "depth": [nd.depth for nd in self.nodes],
                "leaf": [nd.is_leaf for nd in self.nodes],
                "variable": [nd.variable or "" for nd in self.nodes],
                "categories": [", ".join(nd.categories) for nd in self.nodes],
                "split_on": [nd.split_on or "" for nd in self.nodes],
                "label": [nd.label for nd in self.nodes],
                "path": [nd.path for nd in self.nodes],
                "n": [nd.n for nd in self.nodes],
                "weight": [nd.weight for nd in self.nodes],
                "share": [nd.share for nd in self.nodes],
                "rate": [nd.rate for nd in self.nodes],
                "deviance": [nd.deviance for nd in self.nodes],
                "role": [roles.get(nd.node_id, "") for nd in self.nodes],
            }
        )


# --------------------------------------------------------------------------- growing


def grow_tree(
    frame: pd.DataFrame,
    outcome: str,
    circumstances: Sequence[str],
    *,
    weight: str,
    rules: TreeRules | None = None,
    direction: Direction = "favourable",
    ordered: Mapping[str, Sequence[Any]] | None = None,
    names: Mapping[str, str] | None = None,
    source: str = "data",
) -> FurthestBehindTree:
    """Grow a furthest-behind tree for the 0/1 column `outcome` on survey weights.

    Parameters
    ----------
    frame : pandas.DataFrame
        Survey rows; only the outcome, weight and circumstance columns are read.
    outcome : str
        The 0/1 indicator (1 = has it); rows without a value are outside the population.
    circumstances : sequence of str
        Columns to split on, in order of precedence for ties; `aggregate_cells` tells
        ordered from nominal ones and says how missing values are treated.
    weight : str
        Column of positive survey weights.
    rules : TreeRules, optional
        Stopping rules (`lnob_helpers.config.TreeSettings`); None takes their defaults.
    direction : {"favourable", "adverse"}
        "favourable" for an opportunity (furthest behind = lowest rate), "adverse" for a
        barrier such as stunting (furthest behind = highest rate).
    ordered : mapping of str to sequence, optional
        Levels, lowest first, of circumstances that may split only at a threshold.
    names : mapping of str to str, optional
        Names shown to readers, by column.
    source : str
        Names the data in error messages.

    Returns
    -------
    FurthestBehindTree
        The groups (aggregates only), the furthest-behind and furthest-ahead leaves, and
        the rules resolved.

    Examples
    --------
    >>> grow_tree(df, "sba", ["wealth", "area"], weight="wt").furthest_behind.path  # doctest: +SKIP
    'Wealth: Poorest, Second; Rural'

    Notes
    -----
    CART regression trees (Breiman, Friedman, Olshen and Stone, *Classification and
    Regression Trees*, 1984) as R's rpart grows them with `method="anova"` and case weights
    (Therneau and Atkinson, *An Introduction to Recursive Partitioning Using the RPART
    Routines*), applied the way UN ESCAP finds the furthest behind (UNSDG, *Operationalizing
    Leaving No One Behind: Good Practice Note for UN Country Teams*, 2022, Annex 3). The
    NHANES tree of rpart 4.1.19 is reproduced to 1e-9 (tests/who/test_tree.py).
    """
    cells = aggregate_cells(frame, outcome, circumstances, weight, ordered=ordered, names=names, source=source)
    return tree_from_cells(cells, outcome=outcome, rules=rules, direction=direction)


def tree_from_cells(
    cells: CellTable,
    *,
    outcome: str,
    rules: TreeRules | None = None,
    direction: Direction = "favourable",
) -> FurthestBehindTree:
    """Grow the tree from cell sums (for instance aggregates shared by a partner).

    The same tree as `grow_tree` on the rows the cells were summed from; see there.
    """
    if direction not in DIRECTIONS:
        raise InputError(f"tree: direction is {direction!r}; expected \"adverse\" or \"favourable\".")
    resolved = (rules or TreeRules()).resolved()
    root = _Grower(cells, resolved).grow()
    nodes = _describe_nodes(root, cells)
    return FurthestBehindTree(
        outcome=outcome,
        direction=direction,
        rules=resolved,
        circumstances=cells.circumstances,
        nodes=tuple(nodes),
        n_rows=cells.n_rows,
        n_dropped_missing=cells.n_dropped_missing,
    )


class _Node:
    """A node while growing: its cells, sums, and rpart's complexity bookkeeping."""

    def __init__(self, node_id: int, cells: np.ndarray, table: CellTable):
        self.node_id = node_id
        self.cells = cells
        self.n = float(table.n[cells].sum())
        self.w = float(table.w[cells].sum())
        self.wy = float(table.wy[cells].sum())
        self.mean = self.wy / self.w
        self.risk = max(float(table.wyy[cells].sum()) - self.mean * self.wy, 0.0)
        self.complexity = 0.0
        self.split: tuple[int, np.ndarray] | None = None  # (circumstance, categories going left)
        self.children: tuple[_Node, _Node] | None = None


class _Grower:
    """rpart's recursive partitioning (partition.c, bsplit.c, anova.c) on cell sums."""

    def __init__(self, table: CellTable, rules: TreeRules):
        self.table = table
        self.rules = rules
        self.largest_improvement = 0.0  # rpart's `iscale`, shared by the whole tree

    def grow(self) -> _Node:
        root = _Node(1, np.arange(len(self.table.n)), self.table)
        root.complexity = root.risk
        self.alpha = self.rules.min_gain * root.risk
        self._partition(root, depth=0)
        return root

    def _partition(self, node: _Node, depth: int) -> tuple[int, float]:
        """Split `node` and its descendants; return (number of splits kept, their risk)."""
        alpha = self.alpha
        tempcp = min(node.risk, node.complexity)
        if node.n < self.rules.min_split or tempcp <= alpha or depth >= self.rules.max_depth:
            node.complexity = alpha
            return 0, node.risk
        found = self._best_split(node)
        if found is None:
            node.complexity = alpha
            return 0, node.risk
        node.split = found
        var, goes_left = found
        side = goes_left[self.table.codes[node.cells, var]]
        left = _Node(2 * node.node_id, node.cells[side], self.table)
        right = _Node(2 * node.node_id + 1, node.cells[~side], self.table)

        left.complexity = tempcp - alpha
        left_splits, left_risk = self._partition(left, depth + 1)
        tempcp = max((node.risk - left_risk) / (left_splits + 1), node.risk - left.risk)
        tempcp = min(tempcp, node.complexity)
        right.complexity = tempcp - alpha
        right_splits, right_risk = self._partition(right, depth + 1)

        # Which child subtree would be pruned first as cp rises (rpart's bookkeeping).
        tempcp = (node.risk - (left_risk + right_risk)) / (left_splits + right_splits + 1)
        if right.complexity > left.complexity:
            if tempcp > left.complexity:
                left_risk, left_splits = left.risk, 0
                tempcp = (node.risk - (left_risk + right_risk)) / (left_splits + right_splits + 1)
                if tempcp > right.complexity:
                    right_risk, right_splits = right.risk, 0
        elif tempcp > right.complexity:
            right_risk, right_splits = right.risk, 0
            tempcp = (node.risk - (left_risk + right_risk)) / (left_splits + right_splits + 1)
            if tempcp > left.complexity:
                left_risk, left_splits = left.risk, 0
        node.complexity = (node.risk - (left_risk + right_risk)) / (left_splits + right_splits + 1)
        if node.complexity <= alpha:
            node.split = None
            return 0, node.risk
        node.children = (left, right)
        return left_splits + right_splits + 1, left_risk + right_risk

    def _best_split(self, node: _Node) -> tuple[int, np.ndarray] | None:
        table = self.table
        n, w = table.n[node.cells], table.w[node.cells]
        deviation = table.wy[node.cells] - w * node.mean
        best: tuple[float, int, np.ndarray] | None = None
        for var, circ in enumerate(table.circumstances):
            codes = table.codes[node.cells, var]
            gain, goes_left = _best_cut(codes, len(circ.values), circ.ordered, n, w, deviation, self.rules.min_leaf)
            improve = gain / node.risk if node.risk > 0 else 0.0
            if improve > self.largest_improvement:
                self.largest_improvement = improve
            if not improve > self.largest_improvement * 1e-10:  # tiny gains are rounding noise
                continue
            # rpart keeps the first of equally good splits. Gains within 1e-9 are equal: otherwise rounding
            # (and with it the scale of the weights) picks between two splits of the same people, such as
            # bottom40 and the wealth quintile cut after Second; of those, the coarser circumstance names
            # the groups more simply and is kept.
            if best is None or improve > best[0] * (1 + 1e-9) or (
                    improve >= best[0] * (1 - 1e-9) and len(circ.values) < len(table.circumstances[best[1]].values)
                    and _same_people(goes_left[codes], best[2][table.codes[node.cells, best[1]]])):
                best = (improve, var, goes_left)
        return None if best is None else (best[1], best[2])


def _same_people(left: np.ndarray, other_left: np.ndarray) -> bool:
    """Whether two splits of a node's cells put the same cells together."""
    return bool(np.array_equal(left, other_left) or np.array_equal(left, ~other_left))


def _best_cut(codes, n_levels, is_ordered, n, w, deviation, min_leaf) -> tuple[float, np.ndarray | None]:
    """Best two-way split of one circumstance, as rpart's anova splitter finds it.

    Returns the gain (rpart's un-normalised improvement) and a boolean array over the
    categories: True goes to the left (lower-rate) child.
    """
    count = np.bincount(codes, weights=n, minlength=n_levels)
    weight = np.bincount(codes, weights=w, minlength=n_levels)
    dev = np.bincount(codes, weights=deviation, minlength=n_levels)
    present = np.flatnonzero(count > 0)
    if present.size < 2:
        return 0.0, None
    order = present if is_ordered else present[np.argsort(dev[present] / weight[present], kind="stable")]
    left_n = np.cumsum(count[order])[:-1]
    left_w = np.cumsum(weight[order])[:-1]
    left_s = np.cumsum(dev[order])[:-1]
    right_n = count.sum() - left_n
    right_w = weight.sum() - left_w
    right_s = -left_s
    gain = left_s * left_s / left_w + right_s * right_s / right_w
    gain = np.where((left_n >= min_leaf) & (right_n >= min_leaf), gain, -np.inf)
    cut = int(np.argmax(gain))
    if not gain[cut] > 0:
        return 0.0, None
    if is_ordered:
        lower = np.arange(n_levels) < (order[cut] + order[cut + 1]) / 2
        goes_left = lower if left_s[cut] < right_s[cut] else ~lower
    else:
        goes_left = np.zeros(n_levels, dtype=bool)
        if left_s[cut] / left_w[cut] > right_s[cut] / right_w[cut]:
            goes_left[order[cut + 1:]] = True
        else:
            goes_left[order[: cut + 1]] = True
    return float(gain[cut]), goes_left


# --------------------------------------------------------------------------- describing


def _describe_nodes(root: _Node, table: CellTable) -> list[TreeNode]:
    """Walk the grown tree depth first (rpart's order) and put each group into words."""
    circs = table.circumstances
    out: list[TreeNode] = []
    # Stack items: node, parent id, depth, defining (var, allowed categories), path conditions.
    stack: list[tuple[_Node, int | None, int, tuple[int, np.ndarray] | None, dict[int, np.ndarray]]] = [
        (root, None, 0, None, {})
    ]
    while stack:
        node, parent, depth, defining, conditions = stack.pop()
        categories: tuple[str, ...] = ()
        label = "All"
        if defining is not None:
            var, side = defining
            categories = _labels_of(circs[var], side)
            label = circs[var].describe(_labels_of(circs[var], conditions[var]))
        path = "; ".join(circs[v].describe(_labels_of(circs[v], allowed)) for v, allowed in conditions.items()) or "All"
        out.append(
            TreeNode(
                node_id=node.node_id,
                parent_id=parent,
                depth=depth,
                is_leaf=node.children is None,
                variable=None if defining is None else circs[defining[0]].name,
                categories=categories,
                split_on=None if node.split is None or node.children is None else circs[node.split[0]].name,
                conditions={
                    circs[v].name: tuple(val for val, ok in zip(circs[v].values, allowed) if ok)
                    for v, allowed in conditions.items()
                },
                label=label,
                path=path,
                n=int(node.n),
                weight=node.w,
                share=node.w / root.w,
                rate=node.mean,
                deviance=node.risk,
            )
        )
        if node.children is not None:
            var, goes_left = node.split
            left, right = node.children
            present = np.zeros(len(circs[var].values), dtype=bool)
            present[np.unique(table.codes[node.cells, var])] = True
            goes_right = ~goes_left if circs[var].ordered else present & ~goes_left
            for child, side in ((right, goes_right), (left, goes_left)):  # left is popped first
                child_conditions = dict(conditions)
                child_conditions[var] = conditions.get(var, np.ones_like(side)) & side
                stack.append((child, node.node_id, depth + 1, (var, side), child_conditions))
    return out


def _labels_of(circ: Circumstance, allowed: np.ndarray) -> tuple[str, ...]:
    return tuple(lab for lab, ok in zip(circ.labels, allowed) if ok)
