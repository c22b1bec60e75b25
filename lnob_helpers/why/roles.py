"""Step 2.3-2.4: who has to act, and what each actor lacks in order to act.

Role-pattern analysis lists rights holders with their claims, duty-bearers with their
obligations at each level (national, subnational, local, family and community) and other actors
who could help. Capacity-gap analysis sorts each actor's gaps into six categories; an actor with
no gap recorded shows up with zeros, which usually means "not yet assessed" rather than "none".
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .models import ACTOR_KINDS, CAPACITY_CATEGORIES, DUTY_LEVELS, Step2Why

KIND_LABELS = {"rights_holder": "Rights holder", "duty_bearer": "Duty-bearer", "other_actor": "Other actor"}
LEVEL_LABELS = {"national": "National", "subnational": "Subnational", "local": "Local",
                "family_community": "Family and community"}


def role_pattern(step2: Step2Why) -> pd.DataFrame:
    """One row per actor: kind, level, groups, what they claim or owe, and what others could do."""
    rows = [
        {
            "actor_id": a.id,
            "actor": a.name,
            "kind": KIND_LABELS[a.kind],
            "level": LEVEL_LABELS.get(a.level or "", ""),
            "groups": "; ".join(a.group_ids),
            "claims": "; ".join(a.claims),
            "obligations": "; ".join(a.obligations),
            "contribution": a.contribution,
            "problems": "; ".join(a.problem_ids),
            "_kind": ACTOR_KINDS.index(a.kind),
            "_level": DUTY_LEVELS.index(a.level) if a.level else len(DUTY_LEVELS),
        }
        for a in step2.actors
    ]
    columns = ["actor_id", "actor", "kind", "level", "groups", "claims", "obligations", "contribution", "problems"]
    if not rows:
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame(rows).sort_values(["_kind", "_level"], kind="stable")
    return table[columns].reset_index(drop=True)


@dataclass
class CapacityGapAnalysis:
    """Capacity gaps of every actor: a long table, an actor x category matrix and a summary."""

    gaps: pd.DataFrame
    actors: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """One row per gap: actor, kind, level, category (label) and description."""
        return self.gaps.copy()

    def matrix(self) -> pd.DataFrame:
        """Number of gaps per actor (rows, in role-pattern order) and category (columns)."""
        counts = pd.crosstab(self.gaps["actor_id"], self.gaps["category"]) if len(self.gaps) else pd.DataFrame()
        labels = list(CAPACITY_CATEGORIES.values())
        matrix = counts.reindex(index=self.actors["actor_id"], columns=labels, fill_value=0).fillna(0).astype(int)
        matrix.index = pd.Index(self.actors["actor"], name="actor")
        return matrix

    def by_actor(self) -> pd.DataFrame:
        """Per actor: number of gaps and the gaps in words, grouped by category."""
        text = self.gaps.assign(item=self.gaps["category"] + ": " + self.gaps["description"])
        joined = text.groupby("actor_id", sort=False)["item"].agg("; ".join)
        table = self.actors[["actor_id", "actor", "kind", "level"]].copy()
        table["n_gaps"] = table["actor_id"].map(self.gaps["actor_id"].value_counts()).fillna(0).astype(int)
        table["gaps"] = table["actor_id"].map(joined).fillna("(none recorded yet)")
        return table


def capacity_gaps(step2: Step2Why) -> CapacityGapAnalysis:
    """Gather the capacity gaps recorded in Step 2 per actor and category."""
    actors = role_pattern(step2)
    names = {a.id: a.name for a in step2.actors}
    kinds = dict(zip(actors["actor_id"], zip(actors["kind"], actors["level"])))
    gaps = pd.DataFrame(
        [(g.id, g.actor, names[g.actor], *kinds[g.actor], CAPACITY_CATEGORIES[g.category], g.description)
         for g in step2.capacity_gaps],
        columns=["gap_id", "actor_id", "actor", "kind", "level", "category", "description"],
    )
    return CapacityGapAnalysis(gaps=gaps, actors=actors)
