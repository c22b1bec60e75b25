"""Small-cell suppression, applied to every table before it leaves the package.

Following the human-rights-based approach to data in the UNSDG guide, estimates that
rest on too few people are withheld, so that nobody can be singled out and nobody
reads noise as a finding. The flag travels with the table: `ok`, `caution`
(fewer than `caution_n` unweighted cases) or `suppressed` (fewer than `min_n`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .config import Suppression

FLAG_OK = "ok"
FLAG_CAUTION = "caution"
FLAG_SUPPRESSED = "suppressed"


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
                          value_columns: Iterable[str] = ("estimate", "se", "ci_lb", "ci_ub")) -> None:
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
