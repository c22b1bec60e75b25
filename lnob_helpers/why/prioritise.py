"""Step 2.1: rank Step 1's left-behind groups to decide where the causal analysis starts.

The guide (UNSDG, "Operationalizing Leaving No One Behind", Step 2.1) asks who faces severe or
multiple deprivations and who is most vulnerable - exposed to shocks, without voice. Five
criteria, each on a 0-1 scale:

- severity: the group's largest gap to the national value as a share of the largest gap of
  any group (negative gaps count as 0);
- multiplicity: the mean of (indicators on which it is behind / the most of any group) and
  (factors involved / 5);
- size: population share as a share of the largest population share of any group;
- shocks: 1 if the group is tagged with the "shocks" factor or is defined by a category of a
  shock circumstance (by default disaster or displacement), else 0. A category the
  circumstance marks `not_disadvantaged` ("Not affected", "Non-migrant") counts for neither:
  Step 1 leaves its factor out of the group's tags, and it defines no shock here;
- voice (lack of it): 0 when the group itself has consultation or citizen-generated evidence
  or took part in a logged consultation, 0.5 when only a broader or narrower group did, 1 when
  nobody in it has been heard.

The score is the weighted mean (weights rescaled to sum to one); ties are broken by severity.
The ranking informs the team's discussion; it does not replace it.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..config import FACTORS
from ..errors import InputError
from ..groups import has_tag, read_left_behind, related, split_group_id
from ..scoring import Ranking, share_of_max, weighted_scores
from .models import PriorityWeights

VOICE_SOURCES = ("consultation", "citizen_generated")
SHOCK_CIRCUMSTANCES = ("disaster", "displacement")


def heard_groups(evidence: pd.DataFrame | Sequence[dict] | None, consulted_groups: Iterable[str] = ()) -> list[str]:
    """Group ids with first-hand voice: consultation or citizen-generated evidence, or a logged consultation."""
    groups = list(consulted_groups)
    if evidence is not None:
        frame = pd.DataFrame(evidence)
        if len(frame):
            missing = {"group_id", "source_type"} - set(frame.columns)
            if missing:
                raise InputError(f"evidence log: columns {', '.join(sorted(missing))} are missing; "
                                 "expected entries with `group_id` and `source_type`.")
            voiced = frame.loc[frame["source_type"].isin(VOICE_SOURCES), "group_id"].dropna()
            groups += voiced.astype("str").tolist()
    return list(dict.fromkeys(groups))


def voice_gap(group_ids: pd.Series, heard: Sequence[str]) -> pd.Series:
    """1 when no one in the group has been heard, 0.5 when only a related group, 0 when the group itself."""
    links = related(group_ids, heard)
    direct = set(links.loc[links["relation"] == "same", "a"])
    partial = set(links["a"])
    return pd.Series(np.where(group_ids.isin(direct), 0.0, np.where(group_ids.isin(partial), 0.5, 1.0)),
                     index=group_ids.index)


def shock_category(group_id: str, shock_circumstances: Collection[str],
                   not_disadvantaged: Mapping[str, Collection[str]]) -> str | None:
    """The group's first category of a shock circumstance that is not marked `not_disadvantaged`
    ("Displaced", never "Non-migrant"); None when it has none."""
    return next((v for c, v in split_group_id(group_id).items()
                 if c in shock_circumstances and v not in not_disadvantaged.get(c, ())), None)


def prioritise_groups(
    left_behind: str | os.PathLike | pd.DataFrame,
    weights: PriorityWeights | None = None,
    evidence: pd.DataFrame | Sequence[dict] | None = None,
    consulted_groups: Iterable[str] = (),
    shock_circumstances: Sequence[str] = SHOCK_CIRCUMSTANCES,
    not_disadvantaged: Mapping[str, Collection[str]] | None = None,
) -> Ranking:
    """Score and rank the left-behind groups on severity, multiplicity, size, shocks and voice.

    `left_behind` is Step 1's `left_behind.csv` (path or frame); `evidence` the evidence log
    (entries with `group_id` and `source_type`); `consulted_groups` the groups reached by the
    participation log; `not_disadvantaged` the categories each circumstance marks as its
    reference (circumstance id -> category labels), which define no shock.
    """
    groups = read_left_behind(left_behind)
    weights = weights or PriorityWeights()
    if groups.empty:
        raise InputError("left_behind table: it has no groups; expected at least one left-behind group from Step 1.")
    gap = groups["max_gap"].fillna(0.0)
    n_ind, n_fac = groups["n_indicators"].fillna(0.0), groups["n_factors"].fillna(0.0)
    share = groups["population_share"].fillna(0.0)
    tagged = has_tag(groups["factors"], "shocks")
    defined_by = groups["group_id"].map(
        lambda g: shock_category(g, shock_circumstances, not_disadvantaged or {}))
    heard = heard_groups(evidence, consulted_groups)
    criteria = pd.DataFrame({
        "severity": share_of_max(gap),
        "multiplicity": 0.5 * share_of_max(n_ind) + 0.5 * (n_fac / len(FACTORS)).clip(upper=1.0),
        "size": share_of_max(share),
        "shocks": (tagged | defined_by.notna()).astype(float),
        "voice": voice_gap(groups["group_id"], heard),
    })
    notes = pd.DataFrame({
        "severity": "gap " + pd.Series(np.char.mod("%.1f", gap.to_numpy()), index=groups.index) + " pp",
        "multiplicity": (n_ind.astype(int).astype("str") + f" of up to {int(n_ind.max())} indicators, "
                         + n_fac.astype(int).astype("str") + f" of {len(FACTORS)} factors"),
        "size": pd.Series(np.char.mod("%.1f%% of the population", 100 * share.to_numpy()), index=groups.index),
        "shocks": np.where(tagged, "in a category exposed to shocks or fragility",
                           np.where(defined_by.notna(), "defined by " + defined_by.fillna(""),
                                    "no shock exposure recorded")),
        "voice": np.select(
            [criteria["voice"] == 0.0, criteria["voice"] == 0.5],
            ["heard directly", "heard only through a broader or narrower group"],
            "no consultation or citizen-generated evidence"),
    }, index=groups.index)
    scored = weighted_scores(criteria, weights, notes)
    table = pd.concat([groups[["group_id", "label"]], scored["score"], criteria,
                       groups[["furthest_behind", "max_gap", "n_indicators", "n_factors", "population_share"]],
                       scored["explanation"]], axis=1)
    return Ranking.rank(table, weights, key="group_id", tie_break="severity")
