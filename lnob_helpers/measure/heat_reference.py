"""The reference of a gap: the subgroup a summary measure compares the others with.

HEAT Plus and WHO's healthequal take the best-performing, the most advantaged or the marked
subgroup whatever its size, so a cell of 48 people can set the gap and, through it, an equity
target. Here a subgroup may serve as the reference only when it has at least `caution_n`
unweighted cases (the analysis' small-cell rule, `config.Suppression`), is not suppressed, and
its estimate varies in the sample: a cell flagged "no variation" (0% or 100%, standard error 0)
would give a gap whose interval carries only the other group's uncertainty. Among the
subgroups that qualify, the reference is chosen as HEAT chooses it:

- "compared" (D, R): the most advantaged subgroup of an ordered dimension; on a non-ordered
  one the marked reference subgroup when one is marked, otherwise the best-performing one;
- "attributable" (PAF, PAR): the most advantaged subgroup of an ordered dimension, otherwise
  the best-performing one;
- "best" (MDBU, MDBW): the best-performing subgroup;
- "marked" (MDRU, MDRW): the marked reference subgroup.

Best-performing is the highest estimate for a favourable indicator, the lowest for an adverse
one. A subgroup is never its own reference: when the only one that qualifies is the end it
would be compared with (the worst-off, or the most disadvantaged), there is no reference. A
marked reference that does not qualify is not replaced, since the team chose it. Without a
reference the measure is not given and its note says why in one sentence; with one, the note
names it and the rule ("Reference: the best-off group with at least 50 unweighted cases (Urban)").

The choice reads unweighted counts, flags and estimates only, so it is the same whatever
constant the survey weights were multiplied by. `summary_measures(..., suppression=None)` lets
every subgroup compete, as HEAT Plus does; only the tests that check healthequal's published
values use it.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ..config import Suppression
from ..privacy import FLAG_CAUTION, FLAG_NO_VARIATION, FLAG_SUPPRESSED
from .heat_groups import SubgroupSets

ReferenceKind = Literal["compared", "attributable", "best", "marked"]


def reference_standing(rows: int, rule: Suppression | None, n: np.ndarray | None = None,
                       flag: np.ndarray | None = None) -> np.ndarray:
    """Why each subgroup cannot serve as a reference under `rule`, "" where it can.

    `n` holds the unweighted counts (None: not known, NaN: missing for that row) and `flag`
    the small-cell flags (None: none given). Without a rule every subgroup can serve.
    """
    why = np.full(rows, "", dtype=object)
    if rule is None:
        return why
    if flag is not None:
        flag = np.asarray(flag, dtype=object).astype(str)
        for value, text in ((FLAG_NO_VARIATION, "shows no variation in the sample"),
                            (FLAG_CAUTION, f"is flagged for caution (fewer than {rule.caution_n} unweighted cases)"),
                            (FLAG_SUPPRESSED, "is suppressed")):
            why = np.where(flag == value, text, why)
    if n is not None:
        n = np.asarray(n, dtype=float)
        why = np.where(n < rule.caution_n, f"has fewer than {rule.caution_n} unweighted cases", why)
        why = np.where(np.isnan(n), "has no unweighted count", why)
    return why.astype(object)


def reference_rows(sets: SubgroupSets, kind: ReferenceKind) -> np.ndarray:
    """Row of each set's reference subgroup under `kind`; -1 where no subgroup qualifies."""
    marked = sets.first_row_where(sets.reference)
    marked_fit = np.where((marked >= 0) & sets.fit[np.maximum(marked, 0)], marked, -1)
    if kind == "marked":
        return marked_fit
    by_order = _by_order(sets, kind)
    chosen = np.where(by_order, _last_fit_row(sets), _best_fit_row(sets))
    other = _compared_end(sets, by_order)
    alone = (chosen == other) & (sets.total(sets.fit.astype(float)) == 1)
    chosen = np.where(alone, -1, chosen)
    if kind == "compared":
        chosen = np.where(~sets.ordered & (marked >= 0), marked_fit, chosen)
    return chosen


def compared_end(sets: SubgroupSets) -> np.ndarray:
    """Row each set's reference is compared with in D and R: the most disadvantaged subgroup of an
    ordered dimension, otherwise the worst-performing one."""
    return _compared_end(sets, sets.ordered)


def reference_notes(sets: SubgroupSets, kind: ReferenceKind, rule: Suppression | None,
                    counts_known: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per set: the note naming the reference and the rule, and why the measure is withheld.

    Both are "" where there is nothing to say; `counts_known` is False when the table gave
    no unweighted counts, so that the note does not claim a rule it could not check.
    """
    rows = reference_rows(sets, kind)
    notes = np.full(sets.n_sets, "", dtype=object)
    withheld = np.full(sets.n_sets, "", dtype=object)
    if rule is None:
        return notes, withheld
    marked = sets.first_row_where(sets.reference)
    by_order = _by_order(sets, kind)
    score = np.where(sets.per_row(sets.favourable), sets.estimate, -sets.estimate)
    for k in range(sets.n_sets):
        block = np.arange(sets.starts[k], sets.starts[k] + sets.size[k])
        uses_mark = kind == "marked" or (kind == "compared" and not sets.ordered[k] and marked[k] >= 0)
        if rows[k] >= 0:
            notes[k] = _chosen_note(sets, rows[k], block, uses_mark, by_order[k], score, rule, counts_known)
        elif uses_mark:  # none marked: heat.py says so already
            if marked[k] >= 0:
                withheld[k] = (f"n/a: the marked reference subgroup{_named(sets.label[marked[k]])} "
                               f"{sets.standing[marked[k]]}, so it cannot serve as the reference")
        elif sets.fit[block].any():
            end = "most disadvantaged" if by_order[k] else "worst-off"
            withheld[k] = (f"n/a: only {_quoted(sets.label[block][sets.fit[block]][0])} can serve as the "
                           f"reference, and it is the {end} group, so there is nothing to compare it with")
        else:
            withheld[k] = (f"n/a: no subgroup can serve as the reference, which needs at least {rule.caution_n} "
                           "unweighted cases and an estimate that varies in the sample, so this measure is not given")
    return notes, withheld


def _chosen_note(sets, row, block, uses_mark, by_order, score, rule, counts_known) -> str:
    """"Reference: the best-off group with at least 50 unweighted cases (Urban)", naming any
    better-placed subgroup passed over and why."""
    what = ("the marked reference subgroup" if uses_mark else
            "the most advantaged group" if by_order else "the best-off group")
    if counts_known:
        note = f"Reference: {what} with at least {rule.caution_n} unweighted cases{_named(sets.label[row])}"
    else:
        note = (f"Reference: {what}{_named(sets.label[row])}; the table gives no unweighted counts, so the "
                f"rule of at least {rule.caution_n} cases could not be checked")
    if uses_mark:
        return note
    ahead = block > row if by_order else score[block] > score[row]
    passed = block[ahead & ~sets.fit[block]]
    place = "more advantaged" if by_order else "better placed"
    return "; ".join([note, *(f"{_quoted(sets.label[r])} is {place} but {sets.standing[r]}" for r in passed)])


def _by_order(sets: SubgroupSets, kind: ReferenceKind) -> np.ndarray:
    """Per set: the reference is the most advantaged subgroup (ordered dimensions, D/R and PAF/PAR)."""
    return sets.ordered & (kind in ("compared", "attributable"))


def _compared_end(sets: SubgroupSets, by_order: np.ndarray) -> np.ndarray:
    worst = sets.row_of_extreme(sets.estimate, ~sets.favourable)
    return np.where(by_order, sets.starts, worst)


def _best_fit_row(sets: SubgroupSets) -> np.ndarray:
    """Per set, the best-performing row among those fit to be a reference (-1 where none)."""
    score = np.where(sets.per_row(sets.favourable), sets.estimate, -sets.estimate)
    score = np.where(sets.fit, score, -np.inf)
    top = sets.largest(score)
    return sets.first_row_where(sets.fit & (score == sets.per_row(top)))


def _last_fit_row(sets: SubgroupSets) -> np.ndarray:
    """Per set, the last row (most advantaged, rows being in subgroup order) fit to be a reference."""
    return sets.largest(np.where(sets.fit, np.arange(len(sets.fit)), -1))


def _named(label: str) -> str:
    return f" ({label})" if label else ""


def _quoted(label: str) -> str:
    return f"'{label}'" if label else "one subgroup"
