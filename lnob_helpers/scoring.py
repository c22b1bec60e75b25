"""Weighted scores that explain themselves, shared by Step 2 (groups) and Step 3 (actions).

Each criterion is already on a 0-1 scale; weights are non-negative and are rescaled to sum
to one, so a score is a weighted mean and also lies between 0 and 1. The explanation spells
out every term, e.g. "severity 0.80 (gap 23 pp) x weight 0.30 = 0.24; ...". A `Ranking` holds
the scored rows best first, with the weights that made the scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import model_validator

from .entries import Record


class Weights(Record):
    """Base for criterion weights: every field is a non-negative number; not all may be zero."""

    @model_validator(mode="after")
    def _check(self) -> "Weights":
        values = self.model_dump()
        negative = [k for k, v in values.items() if v < 0]
        if negative:
            raise ValueError(f"weights {', '.join(negative)} are negative; expected numbers of 0 or more")
        if sum(values.values()) <= 0:
            raise ValueError("all weights are zero; expected at least one positive weight")
        return self

    def normalised(self) -> dict[str, float]:
        """The weights rescaled to sum to one, in field order."""
        values = self.model_dump()
        total = sum(values.values())
        return {k: v / total for k, v in values.items()}


def _fmt(values: pd.Series) -> np.ndarray:
    return np.char.mod("%.2f", values.to_numpy(dtype=float))


def weighted_scores(criteria: pd.DataFrame, weights: Weights, notes: pd.DataFrame) -> pd.DataFrame:
    """Score and explanation for each row of `criteria` (0-1 columns named like the weights).

    `notes` holds, per criterion, the plain-words basis of the value ("gap 23 pp"); empty
    notes are left out of the explanation.
    """
    w = weights.normalised()
    terms = pd.DataFrame({k: criteria[k].to_numpy(dtype=float) * v for k, v in w.items()}, index=criteria.index)
    parts = []
    for name, weight in w.items():
        note = notes[name].astype("str")
        basis = pd.Series(np.where(note != "", " (" + note + ")", ""), index=criteria.index)
        parts.append(
            f"{name.replace('_', ' ')} " + pd.Series(_fmt(criteria[name]), index=criteria.index) + basis
            + f" x weight {weight:.2f} = " + pd.Series(_fmt(terms[name]), index=criteria.index)
        )
    explanation = parts[0]
    for part in parts[1:]:
        explanation = explanation + "; " + part
    score = terms.sum(axis=1)
    return pd.DataFrame({"score": score, "explanation": explanation + "; total " + _fmt(score)},
                        index=criteria.index)


def share_of_max(values: pd.Series) -> pd.Series:
    """Values divided by the largest one (negatives count as 0); all zeros stay zero."""
    clipped = values.astype(float).clip(lower=0).fillna(0.0)
    top = clipped.max() if len(clipped) else 0.0
    return clipped / top if top > 0 else clipped * 0.0


@dataclass(frozen=True)
class Ranking:
    """Rows ranked by a weighted score, best first: Step 2's groups, Step 3's action plan.

    `table` has a `rank` column (1 = best), the `key` column of ids, `score`, each criterion
    and its `explanation`; `weights` are the normalised weights that made the scores.
    """

    table: pd.DataFrame
    weights: dict[str, float]
    key: str

    @classmethod
    def rank(cls, scored: pd.DataFrame, weights: Weights, key: str, tie_break: str) -> Ranking:
        """Order `scored` by score, then `tie_break` (both highest first), then `key`, and number the rows."""
        table = scored.sort_values(["score", tie_break, key], ascending=[False, False, True], kind="stable")
        table.insert(0, "rank", np.arange(1, len(table) + 1))
        return cls(table.reset_index(drop=True), weights.normalised(), key)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def top(self, n: int = 5) -> list[str]:
        """Ids of the `n` highest-ranked rows."""
        return self.table[self.key].head(n).tolist()
