"""The trajectory chart: are the furthest behind catching up by 2030?

In the spirit of Figure 7 of the guide (after WHO and UNICEF, 2013): the worst-off group,
the best-off group and the national average over the survey rounds, each projected to the
target year at its past pace (dashed), with the target line and the gap between the
worst-off and best-off groups at the latest round marked. The best-off group is the trend
analysis' reference (at least `caution_n` cases in both rounds); where no group qualifies the
chart shows the worst-off group and the national average only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..errors import InputError
from ..style import AHEAD, BEHIND, NATIONAL, NEUTRAL, finish_figure
from .trends import TrendResult


def _projection_path(row: pd.Series, result: TrendResult) -> tuple[np.ndarray, np.ndarray]:
    years = np.arange(row["latest_year"], result.target_year + 1)
    ahead = years - row["latest_year"]
    if result.on_track_by == "aarc":
        values = row["latest"] * (1 + row["aarc"]) ** ahead
    else:
        values = row["latest"] + row["annual_change"] * ahead
    if result.bounds is not None:
        values = np.clip(values, *result.bounds)
    return years, values


def trajectory_chart(
    result: TrendResult,
    indicator: str,
    dimension: str,
    source: str,
    title: str | None = None,
    unit: str = "",
    target: float | None = None,
    target_label: str = "Target",
) -> Figure:
    """Worst-off, best-off and national trajectories of `indicator` by `dimension`, to the target year.

    The target line is `target` when given (e.g. the worst-off group's equity target, with
    `target_label` naming whose), otherwise the indicator's target in the trend analysis.
    Without a best-off reference (`reference_note` says why) there is no best-off line or gap.
    """
    table = result.table[result.table["indicator"] == indicator]
    groups = table[(table["dimension"] == dimension) & (table["worst_off"] | table["best_off"])]
    national = table[table["dimension"] == "national"]
    if not groups["worst_off"].any() or national.empty:
        raise InputError(f"trajectory chart: no trend for indicator '{indicator}' by '{dimension}'; "
                         "expected at least two subgroups with a baseline value.")
    worst = groups[groups["worst_off"]].iloc[0]
    best = groups[groups["best_off"]].iloc[0] if groups["best_off"].any() else None
    lines = [(worst, f"{worst['subgroup']} (worst off)", BEHIND),
             *([] if best is None else [(best, f"{best['subgroup']} (best off)", AHEAD)]),
             (national.iloc[0], "National", NATIONAL)]

    fig = Figure(figsize=(8, 4.8))
    ax = fig.add_subplot()
    rounds = result.rounds[result.rounds["indicator"] == indicator]
    for row, label, colour in lines:
        series = rounds[(rounds["dimension"] == row["dimension"]) & (rounds["subgroup"] == row["subgroup"])]
        series = series.sort_values("year")
        ax.plot(series["year"], series["estimate"], marker="o", color=colour, label=label)
        if np.isfinite(row["latest"]):
            years, values = _projection_path(row, result)
            ax.plot(years, values, linestyle="--", color=colour, label=f"_{label} projected")
    if target is None:
        target, target_label = worst["target"], "Target"
    if np.isfinite(target):
        ax.axhline(target, color=NEUTRAL, linestyle=":", linewidth=1.5)
        ax.annotate(f"{target_label} {target:g}{unit} by {result.target_year}", (result.target_year, target),
                    xytext=(0, 4), textcoords="offset points", ha="right", fontsize=8)
    if best is not None and np.isfinite(worst["latest"]) and np.isfinite(best["latest"]):
        year = worst["latest_year"]
        ax.annotate("", xy=(year, best["latest"]), xytext=(year, worst["latest"]),
                    arrowprops={"arrowstyle": "<->", "color": "#555555"})
        ax.annotate(f"gap {abs(best['latest'] - worst['latest']):.1f}",
                    (year, worst["latest"] + 0.3 * (best["latest"] - worst["latest"])), xytext=(-5, 0),
                    textcoords="offset points", va="center", ha="right", fontsize=8,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.axvline(worst["latest_year"], color=NEUTRAL, linewidth=0.8)
    ax.set_xlabel("Year (dashed: projected at the pace of past rounds)")
    ax.set_ylabel(f"{indicator}{f' ({unit})' if unit else ''}")
    ax.legend(loc="best", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    status = worst["status"] or worst["convergence"]
    default_title = f"{indicator} by {dimension}: worst-off group {status}"
    return finish_figure(fig, title or default_title, source)
