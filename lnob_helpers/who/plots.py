"""Step 1 figures: estimates by group with their intervals, and the gap heatmap.

- `dot_plot`: one indicator, the groups of one dimension, each a dot with its confidence
  interval against a line at the national value. Suppressed groups are not drawn but named
  under the chart; caution groups are drawn hollow and marked "(c)".
- `gap_heatmap`: indicators x groups, coloured by the gap to the national value with
  opportunities and barriers harmonised, so "behind" is always the same colour. Suppressed
  cells are greyed, hatched and marked "s"; caution cells marked "c".
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .. import style
from ..groups import group_id_label
from ..privacy import FLAG_CAUTION, FLAG_NO_VARIATION, FLAG_SUPPRESSED

MAX_GAP_COLOUR = 30.0  # percentage points at which the heatmap colours saturate


def dot_plot(table: pd.DataFrame, indicator: str, dimension_id: str, source: str,
             title: str | None = None) -> Figure:
    """Estimates of `indicator` for the groups of `dimension_id` (rows of the disaggregation table)."""
    rows = table.loc[(table["indicator_abbr"] == indicator) & (table["dimension_id"] == dimension_id)]
    if rows.empty:
        raise ValueError(f"no rows for indicator '{indicator}' and dimension '{dimension_id}'")
    name = rows["indicator_name"].iloc[0]
    national = float(rows["setting_average"].iloc[0])
    hidden = rows["flag"].to_numpy() == FLAG_SUPPRESSED
    shown = rows.loc[~hidden].reset_index(drop=True)
    fig = Figure(figsize=(7.5, 1.2 + 0.38 * max(len(shown), 1)))
    ax = fig.add_subplot()
    y = np.arange(len(shown))[::-1]
    caution = shown["flag"].to_numpy() == FLAG_CAUTION
    favourable = int(rows["favourable_indicator"].iloc[0]) == 1
    worse = (shown["estimate"] < national) if favourable else (shown["estimate"] > national)
    colours = np.where(worse, style.BEHIND, style.AHEAD)
    ax.errorbar(shown["estimate"], y, xerr=[shown["estimate"] - shown["ci_lb"], shown["ci_ub"] - shown["estimate"]],
                fmt="none", ecolor=style.NEUTRAL, elinewidth=2, capsize=3, zorder=1)
    ax.scatter(shown["estimate"][~caution], y[~caution], c=colours[~caution], s=45, zorder=2)
    ax.scatter(shown["estimate"][caution], y[caution], facecolors="white", edgecolors=colours[caution],
               linewidths=1.8, s=45, zorder=2)
    ax.axvline(national, color=style.NATIONAL, linestyle="--", linewidth=1)
    ax.annotate(f"National {national:.1f}", (national, 1.0), xycoords=("data", "axes fraction"),
                ha="left", va="bottom", fontsize=8, color=style.NATIONAL)
    no_variation = shown["flag"].to_numpy() == FLAG_NO_VARIATION
    marks = np.where(caution, " (c)", np.where(no_variation, " (nv)", ""))
    labels = [group_id_label(g) + m for g, m in zip(shown["group_id"], marks)]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(-0.7, len(shown) - 0.3)
    scale = int(rows["indicator_scale"].iloc[0])
    xlabel = f"{name} ({'%' if scale == 100 else 'value'}, with confidence interval)"
    ax.spines[["top", "right"]].set_visible(False)
    notes = ["(c), hollow dot = few cases: read with caution." if caution.any() else "",
             "(nv) = no variation in the sample, so no interval." if no_variation.any() else ""]
    if hidden.any():
        names = ", ".join(group_id_label(g) for g in rows.loc[hidden, "group_id"])
        notes.append(textwrap.shorten(f"Not shown (too few cases): {names}", 160))
    note = textwrap.fill(" ".join(n for n in notes if n), 110)
    ax.set_xlabel(xlabel + ("\n" + note if note else ""), fontsize=8)
    dimension = rows["dimension"].iloc[0]
    return style.finish_figure(fig, textwrap.fill(title or f"{name} by {dimension.lower()}", 70), source)


def gap_heatmap(cells: pd.DataFrame, source: str, groups: Sequence[str] | None = None,
                indicators: Sequence[str] | None = None, title: str = "Gap to the national value") -> Figure:
    """Indicators x groups, coloured by the gap in points (positive = behind), from `LeftBehind.cells`."""
    data = cells if groups is None else cells.loc[cells["group_id"].isin(groups)]
    if indicators is not None:
        data = data.loc[data["indicator_abbr"].isin(indicators)]
    if data.empty:
        raise ValueError("no cells to draw")
    group_order = list(dict.fromkeys(groups or data["group_id"]))
    group_order = [g for g in group_order if g in set(data["group_id"])]
    ind_order = list(dict.fromkeys(indicators or data["indicator_abbr"]))
    gap = data.pivot_table(index="indicator_abbr", columns="group_id", values="gap", aggfunc="first", dropna=False)
    flag = data.pivot_table(index="indicator_abbr", columns="group_id", values="flag", aggfunc="first")
    gap = gap.reindex(index=ind_order, columns=group_order)
    flag = flag.reindex(index=ind_order, columns=group_order)
    labels = {g: group_id_label(g) for g in group_order}

    fig = Figure(figsize=(1.6 + 0.55 * len(group_order), 1.6 + 0.4 * len(ind_order)))
    ax = fig.add_subplot()
    # "behind" (positive gap) takes the red end of RdYlBu, so reverse the sign for the colour map.
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-MAX_GAP_COLOUR, vmax=MAX_GAP_COLOUR)
    values = -gap.to_numpy(dtype=float)
    image = ax.imshow(np.ma.masked_invalid(values), cmap=style.DIVERGING_CMAP, norm=norm, aspect="auto")
    flags = flag.to_numpy(dtype=object)
    for i, j in zip(*np.nonzero(np.isin(flags, [FLAG_SUPPRESSED]) | pd.isna(values))):
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#DDDDDD", hatch="///", edgecolor="white"))
        ax.text(j, i, "s", ha="center", va="center", fontsize=8, color="#333333")
    for i, j in zip(*np.nonzero(flags == FLAG_CAUTION)):
        ax.text(j, i, "c", ha="center", va="center", fontsize=8, color="#333333")
    ax.set_xticks(range(len(group_order)), [textwrap.shorten(labels.get(g, g), 28) for g in group_order],
                  rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(ind_order)), ind_order, fontsize=8)
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    bar.set_label("points behind (red) / ahead (blue) of national", fontsize=7)
    bar.set_ticks([-MAX_GAP_COLOUR, 0, MAX_GAP_COLOUR],
                  labels=[f"{MAX_GAP_COLOUR:.0f}+ behind", "0", f"{MAX_GAP_COLOUR:.0f}+ ahead"])
    ax.set_xlabel("s = suppressed (too few cases to publish); c = read with caution (few cases)", fontsize=7)
    return style.finish_figure(fig, textwrap.fill(title, 70), source)
