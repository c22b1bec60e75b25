"""The action plan as a chart: each action's score split into what each criterion adds.

A bar per action, longest on top; its segments are the criterion values times their weights,
so the chart shows at a glance whether an action ranks high for its reach to the furthest
behind and its depth, or only because it is cheap and quick.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..scoring import Ranking
from ..style import SEQUENCE, finish_figure

WRAP = 48


def plot_action_plan(plan: Ranking, top: int = 15, source: str = "Team analysis, step3_what.yaml") -> Figure:
    """Stacked horizontal bars of the weighted criteria for the `top` ranked actions of `plan`
    (from `prioritise_actions`)."""
    table = plan.table.head(top)
    fig, ax = plt.subplots(figsize=(11, 1.2 + 0.42 * max(len(table), 1)))
    rows = np.arange(len(table))
    left = np.zeros(len(table))
    for colour, (criterion, weight) in zip(SEQUENCE, plan.weights.items()):
        part = table[criterion].to_numpy(dtype=float) * weight
        ax.barh(rows, part, left=left, color=colour, label=criterion.replace("_", " "), height=0.7)
        left += part
    labels = [t if len(t) <= WRAP else t[: WRAP - 1] + "…" for t in table["title"]]
    ax.set_yticks(rows, [f"{r}. {t}" for r, t in zip(table["rank"], labels)], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("Priority score (0-1): weighted sum of the criteria")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(plan.weights), frameon=False, fontsize=8)
    return finish_figure(fig, "Prioritised actions and what drives each score", source)
