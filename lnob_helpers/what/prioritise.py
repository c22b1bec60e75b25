"""Step 3: rank the action catalogue into a prioritised action plan.

The guide (UNSDG, "Operationalizing Leaving No One Behind", Step 3, "Prioritizing actions") puts
first the actions with the greatest effect on root causes for the furthest behind, especially
those that also help other groups and goals. Six criteria, each on a 0-1 scale:

- impact: 1 if the action is targeted at a furthest-behind group, 0.5 if it reaches other
  left-behind groups or everyone ("all"), 0 if it reaches no left-behind group;
- depth: the deepest cause it addresses - root 1, underlying 2/3, immediate 1/3, none 0;
- multiplier: mean of (left-behind groups reached / the most of any action) and (SDG targets
  linked / the most of any action);
- feasibility, cost, time_horizon: the team's 1-5 rating mapped to (rating - 1) / 4, where 5 is
  very feasible, low cost, quick results; an unrated action counts as 3 (0.5) until rated.

The score is the weighted mean, weights rescaled to sum to one.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from ..groups import read_left_behind
from ..scoring import Ranking, share_of_max, weighted_scores
from ..why.models import CAUSE_LEVELS, Step2Why
from .coverage import action_reach
from .models import ACTION_AREAS, ActionWeights, Step3What

RATED = ("feasibility", "cost", "time_horizon")
PLAN_COLUMNS = ["rank", "action_id", "title", "area", "score", "impact", "depth", "multiplier", *RATED,
                "groups", "causes", "duty_bearers", "sdg_targets", "lead", "explanation"]


def prioritise_actions(step3: Step3What, step2: Step2Why, left_behind: str | os.PathLike | pd.DataFrame,
                       weights: ActionWeights | None = None) -> Ranking:
    """The prioritised action plan: every action scored on impact, depth, multiplier,
    feasibility, cost and time horizon, highest score first."""
    weights = weights or step3.priority_weights
    groups = read_left_behind(left_behind)
    actions = pd.DataFrame({
        "action_id": [a.id for a in step3.actions],
        "title": [a.title for a in step3.actions],
        "area": [ACTION_AREAS[a.area] for a in step3.actions],
        "lead": [a.lead for a in step3.actions],
        "sdg_targets": ["; ".join(a.sdg_targets) for a in step3.actions],
        "n_targets": [len(set(a.sdg_targets)) for a in step3.actions],
        **{r: [getattr(a, r) for a in step3.actions] for r in RATED},
    }, columns=["action_id", "title", "area", "lead", "sdg_targets", "n_targets", *RATED])
    if actions.empty:
        return Ranking(pd.DataFrame(columns=PLAN_COLUMNS), weights.normalised(), key="action_id")

    reach = action_reach(step3, groups["group_id"].tolist()).merge(
        groups[["group_id", "label", "furthest_behind"]], on="group_id")
    reach["targeted_fb"] = reach["furthest_behind"] & ~reach["universal"]
    per_action = reach.groupby("action_id").agg(
        n_groups=("group_id", "nunique"), any_fb=("targeted_fb", "any"),
        only_universal=("universal", "all"), groups=("label", "; ".join))
    per_action = per_action.reindex(actions["action_id"])
    n_groups = per_action["n_groups"].fillna(0).to_numpy()
    any_fb = per_action["any_fb"].fillna(False).astype(bool).to_numpy()
    universal = per_action["only_universal"].fillna(False).astype(bool).to_numpy()
    impact = np.where(any_fb, 1.0, np.where(n_groups > 0, 0.5, 0.0))

    deepest = [_deepest_cause(a.cause_ids, step2) for a in step3.actions]
    depth = pd.Series([d for d, _ in deepest])
    deepest_id = pd.Series([c for _, c in deepest])
    criteria = pd.DataFrame({
        "impact": impact,
        "depth": depth / len(CAUSE_LEVELS),
        "multiplier": 0.5 * share_of_max(pd.Series(n_groups)) + 0.5 * share_of_max(actions["n_targets"]),
        **{r: (actions[r].astype(float).fillna(3.0) - 1) / 4 for r in RATED},
    })
    level_names = np.array(["no cause linked", *[f"{lvl} cause" for lvl in CAUSE_LEVELS]], dtype=object)
    notes = pd.DataFrame({
        "impact": np.where(any_fb, "targets a furthest-behind group",
                           np.where(universal, "universal action, not targeted",
                                    np.where(n_groups > 0, "reaches left-behind groups", "reaches no left-behind group"))),
        "depth": np.where(depth > 0, "addresses " + level_names[depth] + " `" + deepest_id + "`",
                          "no cause linked"),
        "multiplier": (pd.Series(n_groups.astype(int)).astype("str") + " left-behind groups, "
                       + actions["n_targets"].astype("str") + " SDG targets"),
        **{r: np.where(actions[r].isna(), "not rated yet, counted as 3",
                       "rated " + actions[r].astype("str").str.replace(".0", "", regex=False) + " of 5")
           for r in RATED},
    })
    scored = weighted_scores(criteria, weights, notes)
    names = {a.id: a.name for a in step2.actors}
    table = pd.concat([actions[["action_id", "title", "area"]], scored["score"], criteria], axis=1)
    table["groups"] = per_action["groups"].fillna("").to_numpy()
    table["causes"] = ["; ".join(a.cause_ids) for a in step3.actions]
    table["duty_bearers"] = ["; ".join(names.get(d, d) for d in a.duty_bearer_ids) for a in step3.actions]
    table["sdg_targets"] = actions["sdg_targets"]
    table["lead"] = actions["lead"]
    table["explanation"] = scored["explanation"]
    return Ranking.rank(table[PLAN_COLUMNS[1:]], weights, key="action_id", tie_break="impact")


def _deepest_cause(cause_ids: list[str], step2: Step2Why) -> tuple[int, str]:
    """(1-3 for immediate-root, cause id) of the deepest linked cause; (0, "") when none is linked."""
    causes = step2.causes()
    linked = [(CAUSE_LEVELS.index(causes[c].level) + 1, c) for c in cause_ids if c in causes]
    return max(linked, key=lambda pair: pair[0], default=(0, ""))
