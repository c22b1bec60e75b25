"""The dissimilarity index (D-index), the Human Opportunity Index (HOI) and who drives D.

ESCAP pairs its furthest-behind trees with the D-index from the World Bank's Human
Opportunity Index work (Barros and others): how unequally an opportunity is spread over
groups of people who share circumstances they did not choose.

    D   = sum_i s_i |p_i - p| / (2 p)      s_i population share of group i, p_i its rate,
                                           p = sum_i s_i p_i the overall rate (coverage)
    HOI = p (1 - D)

D is the share of all opportunities that would have to move between groups for every group
to have the national rate; 0 means equal access. The groups are the leaves of a tree, or the
cells of chosen circumstances. For an adverse indicator (a barrier such as stunting) the
D-index is computed on its complement (not stunted), as ESCAP does: D of a barrier has no
meaning as "opportunities to move". When nobody has the opportunity, D is taken as 0.

Which circumstances drive D: the Shapley decomposition of the dissimilarity index, as in the
HOI literature (Hoyos and Narayan; Shorrocks). D is computed on the cells of every subset of
the circumstances (the empty set gives 0); a circumstance's contribution is its marginal
effect on D averaged over all orders in which circumstances can be added. Contributions add
up to the D of all circumstances together, and a circumstance that never separates anyone
contributes exactly 0. The exact computation visits all 2^K subsets: fine for up to about 12
circumstances (the cell sums are regrouped, never the rows).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config import Suppression
from ..errors import InputError
from ..privacy import FLAG_SUPPRESSED, flag_counts
from .tree import DIRECTIONS, CellTable, Direction, FurthestBehindTree, aggregate_cells

MAX_SHAPLEY_CIRCUMSTANCES = 12


@dataclass(frozen=True)
class DIndex:
    """D-index and HOI over a set of groups.

    `coverage` is the overall rate on the opportunity scale (for an adverse indicator, the
    share without the barrier). `groups` has one row per group: `group`, `n` (unweighted),
    `weight`, `share`, `rate` (of the indicator as measured) and `contribution` (the group's
    term of D; the terms add up to D). `n` is empty when only rates and sizes were given.
    """

    d_index: float
    hoi: float
    coverage: float
    direction: Direction
    groups: pd.DataFrame

    def to_frame(self, suppression: Suppression | None = None) -> pd.DataFrame:
        """The groups, flagged by the analysis's small-cell rule; withheld groups show no rate."""
        table = self.groups.copy()
        table["flag"] = flag_counts(table["n"].to_numpy(dtype=float, na_value=np.nan), suppression or Suppression())
        table.loc[table["flag"] == FLAG_SUPPRESSED, ["rate", "contribution"]] = np.nan
        return table

    def summary(self) -> dict[str, Any]:
        return {"d_index": self.d_index, "hoi": self.hoi, "coverage": self.coverage, "direction": self.direction}


def d_index(
    rates: Sequence[float] | np.ndarray,
    weights: Sequence[float] | np.ndarray,
    *,
    direction: Direction = "favourable",
    groups: Sequence[str] | None = None,
    n: Sequence[int] | None = None,
) -> DIndex:
    """D-index and Human Opportunity Index from group rates and group sizes.

    Parameters
    ----------
    rates : sequence of float
        Each group's rate of the indicator as measured, a proportion.
    weights : sequence of float
        Each group's size: weighted population or shares (they are rescaled).
    direction : {"favourable", "adverse"}
        An adverse indicator (a barrier) is measured on its complement.
    groups : sequence of str, optional
        Group names for the table.
    n : sequence of int, optional
        Unweighted cases per group, for the small-cell flags of `DIndex.to_frame`.

    Returns
    -------
    DIndex
        D, HOI = coverage x (1 - D), the coverage, and each group's term of D.

    Examples
    --------
    >>> round(d_index([0.8, 0.5, 0.2], [5, 3, 2]).d_index, 3)
    0.178

    Notes
    -----
    Paes de Barros, Ferreira, Molinas Vega and Saavedra Chanduvi, Measuring Inequality of
    Opportunities in Latin America and the Caribbean, World Bank, 2009; paired with
    furthest-behind trees as UN ESCAP does (UNSDG, Operationalizing Leaving No One Behind,
    2022, Annex 3).
    """
    _check_direction(direction)
    rates = np.asarray(rates, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if rates.shape != weights.shape or rates.ndim != 1 or rates.size == 0:
        raise InputError("D-index: rates and weights must be two lists of the same, non-zero length.")
    if np.isnan(rates).any() or ((rates < 0) | (rates > 1)).any():
        raise InputError("D-index: a group rate is missing or outside 0-1; expected proportions.")
    if np.isnan(weights).any() or (weights <= 0).any():
        raise InputError("D-index: a group size is missing, zero or negative; expected positive sizes.")
    total = weights.sum()
    share = weights / total
    p = float(share @ rates)
    numerator = float(np.abs(rates - p) @ share)  # same on the complement scale
    coverage = p if direction == "favourable" else 1.0 - p
    terms = share * np.abs(rates - p) / (2 * coverage) if coverage > 0 else np.zeros_like(share)
    d = _dissimilarity(numerator, coverage)
    table = pd.DataFrame(
        {
            "group": list(groups) if groups is not None else [f"Group {i + 1}" for i in range(rates.size)],
            "n": pd.array(np.asarray(n, dtype=np.int64) if n is not None else [pd.NA] * rates.size, dtype="Int64"),
            "weight": weights,
            "share": share,
            "rate": rates,
            "contribution": terms,
        }
    )
    return DIndex(d_index=d, hoi=coverage * (1 - d), coverage=coverage, direction=direction, groups=table)


def tree_d_index(tree: FurthestBehindTree) -> DIndex:
    """D-index over the leaves of a furthest-behind tree, in the tree's direction.

    Parameters
    ----------
    tree : FurthestBehindTree
        A grown tree; its leaves are the groups.

    Returns
    -------
    DIndex
        As `d_index`, one group per leaf, named by its path.

    Examples
    --------
    >>> tree_d_index(grow_tree(df, "sba", ["wealth", "area"], weight="wt")).hoi  # doctest: +SKIP

    Notes
    -----
    The D-index of `d_index` (Paes de Barros and others, World Bank, 2009) over the leaves
    of a furthest-behind tree, as UN ESCAP pairs them (UNSDG 2022, Annex 3).
    """
    leaves = tree.leaves
    return d_index(
        [leaf.rate for leaf in leaves],
        [leaf.weight for leaf in leaves],
        direction=tree.direction,
        groups=[leaf.path for leaf in leaves],
        n=[leaf.n for leaf in leaves],
    )


def cells_d_index(cells: CellTable, *, direction: Direction = "favourable") -> DIndex:
    """D-index over the cells of all the circumstances in `cells`, one group per cell.

    Parameters as `shapley_from_cells` (without its limit on circumstances); returns as
    `d_index`.
    """
    labels = [
        pd.Series(np.array([circ.describe([lab]) for lab in circ.labels], dtype=object)[cells.codes[:, j]])
        for j, circ in enumerate(cells.circumstances)
    ]
    names = labels[0].str.cat(labels[1:], sep="; ") if len(labels) > 1 else labels[0]
    return d_index(cells.wy / cells.w, cells.w, direction=direction, groups=names.tolist(), n=cells.n)


def circumstance_d_index(
    frame: pd.DataFrame,
    outcome: str,
    circumstances: Sequence[str],
    *,
    weight: str,
    direction: Direction = "favourable",
    ordered: Mapping[str, Sequence[Any]] | None = None,
    names: Mapping[str, str] | None = None,
    source: str = "data",
) -> DIndex:
    """D-index over the cells of `circumstances` (missing values as in `grow_tree`).

    Parameters
    ----------
    frame : pandas.DataFrame
        Survey rows.
    outcome : str
        The 0/1 indicator.
    circumstances : sequence of str
        Columns whose cross-classification defines the groups.
    weight : str
        Column of survey weights.
    direction : {"favourable", "adverse"}
        An adverse indicator is measured on its complement (module docstring).
    ordered, names, source
        As in `lnob_helpers.who.tree.grow_tree`.

    Returns
    -------
    DIndex
        As `d_index`, one group per cell.

    Examples
    --------
    >>> circumstance_d_index(df, "sba", ["wealth", "area"], weight="wt").hoi  # doctest: +SKIP

    Notes
    -----
    See `d_index`.
    """
    cells = aggregate_cells(frame, outcome, circumstances, weight, ordered=ordered, names=names, source=source)
    return cells_d_index(cells, direction=direction)


@dataclass(frozen=True)
class ShapleyDecomposition:
    """Each circumstance's share of the D-index; `contributions` add up to `d_index`."""

    d_index: float
    direction: Direction
    contributions: Mapping[str, float]
    display_names: Mapping[str, str]

    def to_frame(self) -> pd.DataFrame:
        """One row per circumstance, largest contribution first."""
        table = pd.DataFrame(
            {
                "circumstance": list(self.contributions),
                "name": [self.display_names[c] for c in self.contributions],
                "contribution": list(self.contributions.values()),
            }
        )
        table["share_of_d"] = table["contribution"] / self.d_index if self.d_index > 0 else 0.0
        return table.sort_values("contribution", ascending=False, kind="stable").reset_index(drop=True)


def shapley_d_index(
    frame: pd.DataFrame,
    outcome: str,
    circumstances: Sequence[str],
    *,
    weight: str,
    direction: Direction = "favourable",
    ordered: Mapping[str, Sequence[Any]] | None = None,
    names: Mapping[str, str] | None = None,
    source: str = "data",
) -> ShapleyDecomposition:
    """Shapley decomposition of the D-index over `circumstances` (see the module docstring).

    Parameters as `circumstance_d_index`.

    Returns
    -------
    ShapleyDecomposition
        Each circumstance's contribution; they add up to D of all circumstances together.

    Examples
    --------
    >>> shapley_d_index(df, "sba", ["wealth", "area"], weight="wt").to_frame()  # doctest: +SKIP

    Notes
    -----
    Shorrocks, Decomposition procedures for distributional analysis: a unified framework
    based on the Shapley value, J Econ Inequal 11(1):99-126, 2013, applied to D as in the
    Human Opportunity Index literature (Hoyos and Narayan).
    """
    cells = aggregate_cells(frame, outcome, circumstances, weight, ordered=ordered, names=names, source=source)
    return shapley_from_cells(cells, direction=direction)


def shapley_from_cells(cells: CellTable, *, direction: Direction = "favourable") -> ShapleyDecomposition:
    """Shapley decomposition of D from cell sums, for callers that already have the cells.

    Parameters
    ----------
    cells : CellTable
        Weighted sums per cell (`lnob_helpers.who.tree.aggregate_cells`), at most
        `MAX_SHAPLEY_CIRCUMSTANCES` circumstances.
    direction : {"favourable", "adverse"}
        An adverse indicator is measured on its complement.

    Returns
    -------
    ShapleyDecomposition
        As `shapley_d_index`.

    Examples
    --------
    >>> shapley_from_cells(cells).contributions  # doctest: +SKIP

    Notes
    -----
    Shorrocks (2013), as in `shapley_d_index`.
    """
    _check_direction(direction)
    k = len(cells.circumstances)
    if k > MAX_SHAPLEY_CIRCUMSTANCES:
        raise InputError(
            f"D-index: {k} circumstances were given for the Shapley decomposition; "
            f"expected at most {MAX_SHAPLEY_CIRCUMSTANCES} (the exact method visits every subset)."
        )
    d_of_subset = _d_for_every_subset(cells, direction)
    subsets = np.arange(2**k)
    size = np.bitwise_count(subsets).astype(np.int64)
    factorial = np.array([math.factorial(i) for i in range(k + 1)], dtype=float)
    contributions = {}
    for j, circ in enumerate(cells.circumstances):
        without = subsets[(subsets >> j) & 1 == 0]
        order_weight = factorial[size[without]] * factorial[k - size[without] - 1] / factorial[k]
        contributions[circ.name] = float(order_weight @ (d_of_subset[without | (1 << j)] - d_of_subset[without]))
    return ShapleyDecomposition(
        d_index=float(d_of_subset[-1]),
        direction=direction,
        contributions=contributions,
        display_names={c.name: c.display_name for c in cells.circumstances},
    )


def _d_for_every_subset(cells: CellTable, direction: Direction) -> np.ndarray:
    """D on the cells of each subset of circumstances; subset = bitmask over circumstances.

    Subsets are visited depth first, adding one circumstance at a time, and each subset's
    groups are numbered densely from its parent's, so no step sorts and the group numbers
    stay below (cells x categories) however many circumstances there are.
    """
    k = len(cells.circumstances)
    dims = [len(c.values) for c in cells.circumstances]
    total_w = cells.w.sum()
    p = cells.wy.sum() / total_w
    coverage = p if direction == "favourable" else 1.0 - p
    # s_i |p_i - p| = |WY_i - p W_i| / W: only the per-cell excess over the national rate is needed.
    excess = cells.wy - p * cells.w
    d = np.zeros(2**k)
    codes = cells.codes.astype(np.int64)
    # stack items: (subset, dense group of each cell, number of groups, next circumstance to add)
    stack = [(0, np.zeros(len(excess), dtype=np.int64), 1, 0)]
    while stack:
        subset, group, n_groups, start = stack.pop()
        for j in range(start, k):
            key = group * dims[j] + codes[:, j]
            size = n_groups * dims[j]
            group_excess = np.bincount(key, weights=excess, minlength=size)
            child = subset | (1 << j)
            d[child] = _dissimilarity(float(np.abs(group_excess).sum()) / total_w, coverage)
            if j + 1 < k:
                present = np.bincount(key, minlength=size) > 0
                renumber = np.cumsum(present) - 1
                stack.append((child, renumber[key], int(present.sum()), j + 1))
    return d


def _dissimilarity(mean_abs_gap: float, coverage: float) -> float:
    """D from sum_i s_i |p_i - p| and the coverage; 0 when nobody has the opportunity."""
    return mean_abs_gap / (2 * coverage) if coverage > 0 else 0.0


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise InputError(f"D-index: direction is {direction!r}; expected \"adverse\" or \"favourable\".")
