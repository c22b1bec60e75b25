"""Small-cell suppression, applied to every table before it leaves the package.

Following the human-rights-based approach to data in the UNSDG guide, estimates that
rest on too few people are withheld, so that nobody can be singled out and nobody
reads noise as a finding. The flag travels with the table: `ok`, `caution`
(fewer than `caution_n` unweighted cases) or `suppressed` (fewer than `min_n`). A shown
estimate that cannot carry an interval (0% or 100%, or a standard error of 0: no one in
the sample differs) is flagged `no variation` instead of `ok`; it is shown, with a note.

Two further rules stop a withheld value from being worked out from what is shown:
- a withheld cell withholds its count, population and share too (`withhold_counts`), so
  nobody can weight the published estimates back to the hidden one;
- complementary suppression (`complementary_suppression`): where the cells of a set add up
  to a published total and exactly one of them is withheld, the next-smallest is withheld
  as well (or, when there is none, the total), as statistical offices do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .config import Suppression

FLAG_OK = "ok"
FLAG_CAUTION = "caution"
FLAG_SUPPRESSED = "suppressed"
FLAG_NO_VARIATION = "no variation"


def flag_counts(n: np.ndarray | pd.Series, rule: Suppression) -> np.ndarray:
    """The flag for each unweighted count under `rule`."""
    n = np.asarray(n, dtype=float)
    return np.where(
        n < rule.min_n, FLAG_SUPPRESSED, np.where(n < rule.caution_n, FLAG_CAUTION, FLAG_OK)
    ).astype(object)


def suppress(
    table: pd.DataFrame,
    rule: Suppression,
    n_column: str = "n",
    value_columns: Iterable[str] = ("estimate", "se", "ci_lb", "ci_ub"),
) -> pd.DataFrame:
    """Set `flag` from the counts and blank the values of suppressed rows (returns a copy)."""
    out = table.copy()
    out["flag"] = flag_counts(out[n_column].to_numpy(), rule)
    hidden = out["flag"].to_numpy() == FLAG_SUPPRESSED
    for col in value_columns:
        if col in out.columns:
            out.loc[hidden, col] = np.nan
    return out


def assert_no_small_cells(table: pd.DataFrame, rule: Suppression, n_column: str = "n",
                          value_columns: Iterable[str] = ("estimate", "se", "ci_lb", "ci_ub", "rate", "value")) -> None:
    """Guard used before any export: no shown value may rest on fewer than `min_n` cases."""
    if n_column not in table.columns:
        return
    small = table[n_column].to_numpy(dtype=float) < rule.min_n
    for col in value_columns:
        if col in table.columns and table.loc[small, col].notna().any():
            raise ValueError(
                f"internal check failed: column '{col}' shows a value based on fewer than "
                f"{rule.min_n} cases; refusing to export it"
            )


COUNT_COLUMNS = ("n", "population", "share")


def withhold_counts(table: pd.DataFrame, count_columns: Iterable[str] = COUNT_COLUMNS) -> pd.DataFrame:
    """A copy whose suppressed rows show no count, population or share either.

    A withheld estimate with its population still shown can be recomputed from the total
    and the other groups; with n = 1 the population is one respondent's own weight.
    """
    out = table.copy()
    if "flag" not in out.columns:
        return out
    hidden = out["flag"].to_numpy() == FLAG_SUPPRESSED
    for col in count_columns:
        if col in out.columns and hidden.any():
            whole = pd.api.types.is_integer_dtype(out[col])
            out[col] = out[col].astype("Int64" if whole else float)  # counts stay whole numbers
            out.loc[hidden, col] = pd.NA if whole else np.nan
    return out


def complementary_suppression(withheld: np.ndarray, n: np.ndarray,
                              lines: Sequence[tuple[np.ndarray, int]]) -> np.ndarray:
    """Rows to withhold as well, so that no withheld cell can be recomputed from its line.

    `withheld` marks the cells already withheld, `n` their unweighted counts. A line is a
    set of cells whose values combine into a published total: `(cell rows, total row)`,
    the total row being -1 when the total is not in the table (then the line is safe).
    A line is at risk when its total is shown and exactly one of its cells with any cases
    is withheld. The shown cell with the fewest cases is then withheld too, or the total
    when no cell is left to take. Repeats until no line is at risk; returns the new mask.
    """
    hidden = np.asarray(withheld, dtype=bool).copy()
    n = np.asarray(n, dtype=float)
    informative = n > 0  # an empty cell adds nothing to the total, so hiding it protects nothing
    changed = True
    while changed:
        changed = False
        for cells, total in lines:
            if total < 0 or hidden[total]:
                continue
            at_risk = hidden[cells] & informative[cells]
            if at_risk.sum() != 1:
                continue
            candidates = cells[~hidden[cells] & informative[cells]]
            pick = candidates[np.argmin(n[candidates])] if len(candidates) else total
            hidden[pick] = True
            changed = True
    return hidden
