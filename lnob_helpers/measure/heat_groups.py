"""Many sets of subgroups held as flat numpy arrays, one contiguous block per set.

A set is one (setting, date, source, indicator, dimension). Summary measures are
computed for all sets at once with segment sums (`np.add.reduceat`) instead of a
Python loop per set; a 2-D array (rows x simulation replicates) works the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

_Z95 = float(ndtri(0.975))


@dataclass(frozen=True)
class SubgroupSets:
    """Rows sorted by set and, within a set, by subgroup_order (1 = most disadvantaged)."""

    estimate: np.ndarray
    se: np.ndarray
    population: np.ndarray
    reference: np.ndarray  # bool per row: the row is the set's reference subgroup
    group: np.ndarray  # set number of each row
    starts: np.ndarray  # first row of each set
    size: np.ndarray  # rows per set
    ordered: np.ndarray  # bool per set
    favourable: np.ndarray  # bool per set
    scale: np.ndarray  # indicator_scale per set
    count: np.ndarray  # subgroup sizes as head counts, for the formulas that need counts (heat.py)
    label: np.ndarray  # subgroup names, for notes ("" where the table has none)
    standing: np.ndarray  # why a row cannot be a reference, "" where it can (heat_reference)

    @classmethod
    def from_rows(cls, *, estimate, se, population, subgroup_order, reference, group,
                  ordered, favourable, scale, count=None, label=None, standing=None) -> SubgroupSets:
        """Sort rows into blocks; `group` numbers sets 0..k-1 and every set has a row.

        `count` defaults to `population`, read as a head count (HEAT's and healthequal's reading);
        `standing` defaults to every row being fit to serve as a reference.
        """
        group = np.asarray(group, dtype=np.int64)
        sort = np.lexsort((np.asarray(subgroup_order, dtype=float), group))
        group = group[sort]
        size = np.bincount(group, minlength=len(ordered))
        starts = np.cumsum(size) - size
        blank = np.full(len(group), "", dtype=object)
        return cls(
            estimate=np.asarray(estimate, dtype=float)[sort],
            se=np.asarray(se, dtype=float)[sort],
            population=np.asarray(population, dtype=float)[sort],
            reference=np.asarray(reference, dtype=bool)[sort],
            group=group,
            starts=starts,
            size=size,
            ordered=np.asarray(ordered, dtype=bool),
            favourable=np.asarray(favourable, dtype=bool),
            scale=np.asarray(scale, dtype=float),
            count=np.asarray(population if count is None else count, dtype=float)[sort],
            label=blank if label is None else np.asarray(label, dtype=object)[sort],
            standing=blank if standing is None else np.asarray(standing, dtype=object)[sort],
        )

    @property
    def n_sets(self) -> int:
        return len(self.starts)

    @property
    def fit(self) -> np.ndarray:
        """Per row: may serve as a set's reference subgroup (heat_reference)."""
        return self.standing == ""

    def total(self, x: np.ndarray) -> np.ndarray:
        return np.add.reduceat(x, self.starts, axis=0)

    def largest(self, x: np.ndarray) -> np.ndarray:
        return np.maximum.reduceat(x, self.starts, axis=0)

    def smallest(self, x: np.ndarray) -> np.ndarray:
        return np.minimum.reduceat(x, self.starts, axis=0)

    def per_row(self, per_set: np.ndarray) -> np.ndarray:
        """Repeat a per-set value on each row of its set."""
        return per_set[self.group]

    def rows_like(self, per_row: np.ndarray, like: np.ndarray) -> np.ndarray:
        """A per-row vector shaped to broadcast against `like` (1-D or rows x replicates)."""
        return per_row if like.ndim == 1 else per_row[:, None]

    @property
    def share(self) -> np.ndarray:
        """Population share of each row within its set."""
        return self.population / self.per_row(self.total(self.population))

    def weighted_mean(self, values: np.ndarray) -> np.ndarray:
        return self.total(self.rows_like(self.share, values) * values)

    def first_row_where(self, mask: np.ndarray) -> np.ndarray:
        """Index of the first row in each set where `mask` holds; -1 where none."""
        rows = np.where(mask, np.arange(len(mask)), len(mask))
        first = np.minimum.reduceat(rows, self.starts)
        return np.where(first < len(mask), first, -1)

    def row_of_extreme(self, values: np.ndarray, largest: np.ndarray) -> np.ndarray:
        """Row of the highest (where `largest`) or lowest value of each set."""
        target = np.where(largest, self.largest(values), self.smallest(values))
        return self.first_row_where(values == self.per_row(target))

    @property
    def rank(self) -> np.ndarray:
        """Relative rank: cumulative population share up to the middle of each subgroup."""
        return self.rank_by(self.population)

    def rank_by(self, sizes: np.ndarray) -> np.ndarray:
        """Relative rank with the subgroups sized by `sizes` (e.g. rounded head counts)."""
        cumulative = np.cumsum(sizes)
        before_set = self.per_row(cumulative[self.starts] - sizes[self.starts])
        total = self.per_row(self.total(sizes))
        return (cumulative - before_set - sizes / 2) / total


@dataclass
class SetResults:
    """One measure for every set: estimate, standard error, interval, and a note per set."""

    estimate: np.ndarray
    se: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    note: np.ndarray | None = None  # one text per set; "" when there is nothing to say

    def __post_init__(self) -> None:
        if self.note is None:
            self.note = np.full(len(self.estimate), "", dtype=object)

    def add_note(self, where: np.ndarray, text: str) -> None:
        self.note = append_note(self.note, where, text)


def subgroups_in_words(names: Sequence[str], listed: int = 5) -> str:
    """"the subgroup 'Other'", "the subgroups 'A' and 'B'", "the subgroups 'A', ..., 'E' and 2 more":
    notes name the subgroups a measure had to do without."""
    quoted = [f"'{name}'" for name in names[:listed]]
    more = len(names) - len(quoted)
    if len(names) == 1:
        return f"the subgroup {quoted[0]}"
    if more:
        return f"the subgroups {', '.join(quoted)} and {more} more"
    return f"the subgroups {', '.join(quoted[:-1])} and {quoted[-1]}"


RATIO_LIMIT = 100.0


def unstable_ratio(ratio: np.ndarray) -> np.ndarray:
    """Where a ratio measure divides by a level near zero: above `RATIO_LIMIT` or below its inverse.

    One level under 1% of the other makes the ratio swing with noise in the smaller one (an
    RII in the millions), so such ratios are marked rather than read as ok.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.isfinite(ratio) & (np.abs(np.log(ratio)) > np.log(RATIO_LIMIT))


def unstable_ratio_note(difference: str) -> str:
    """The note of an unstable ratio; `difference` names the measure to read instead (D, SII)."""
    return (f"unstable: one compared level is under 1% of the other, so the ratio divides by a level near "
            f"zero; read {difference} instead")


def normal_interval(estimate: np.ndarray, se: np.ndarray, factor: float | np.ndarray = 1.0,
                    z: float = _Z95) -> tuple[np.ndarray, np.ndarray]:
    """estimate +/- z * se * factor; `factor` puts an unscaled se on the estimate's scale."""
    half = z * se * factor
    return estimate - half, estimate + half


def append_note(notes: np.ndarray, where: np.ndarray, text: str | np.ndarray) -> np.ndarray:
    """Add `text` (one for all, or one per note) to the notes selected by `where`, separated by "; "."""
    texts = np.broadcast_to(np.asarray(text, dtype=object), len(notes))
    joined = np.array([f"{old}; {new}" if old else new for old, new in zip(notes, texts)], dtype=object)
    return np.where(where, joined, notes)
