"""Problem trees as tables and diagrams.

The diagram reads left to right, as the guide's "why?" chain does (UNSDG, "Operationalizing
Leaving No One Behind", Figure 5): the manifestation, then immediate, underlying and root causes
in columns. Each cause sits level with the middle of the causes that explain it, so branches
never cross and boxes never overlap; the figure grows taller with the number of causes.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pandas as pd

from ..style import BEHIND, CAUTION, NATIONAL, PALETTE, finish_figure
from .models import CAUSE_LEVELS, ProblemTree

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LEVEL_COLOURS = {"manifestation": BEHIND, "immediate": CAUTION, "underlying": PALETTE["cyan"], "root": PALETTE["purple"]}
COLUMN_TITLES = ("Problem (manifestation)", "Immediate causes", "Underlying causes", "Root causes")
WRAP_CHARS = 30
LINE_HEIGHT_IN = 0.16
BOX_WIDTH = 0.8


def tree_frame(tree: ProblemTree) -> pd.DataFrame:
    """One row per cause: id, level, text, parent (None for immediate causes) and evidence."""
    return pd.DataFrame(
        [(c.id, c.level, c.text, c.parent, "; ".join(c.evidence)) for c in tree.causes],
        columns=["cause_id", "level", "text", "parent", "evidence"],
    )


MANIFESTATION = ""


def layout(tree: ProblemTree) -> pd.DataFrame:
    """Column (0 = manifestation) and row of every box; a cause sits at the mean row of its causes.

    The manifestation's node id is "" and every immediate cause has it as parent.
    """
    kids: dict[str, list[str]] = {}
    for cause in tree.causes:
        kids.setdefault(cause.parent or MANIFESTATION, []).append(cause.id)
    rows: dict[str, float] = {}
    next_slot = 0

    def place(node: str) -> float:
        nonlocal next_slot
        below = [place(k) for k in kids.get(node, [])]
        if below:
            rows[node] = sum(below) / len(below)
        else:
            rows[node] = float(next_slot)
            next_slot += 1
        return rows[node]

    place(MANIFESTATION)
    column = {c.id: CAUSE_LEVELS.index(c.level) + 1 for c in tree.causes}
    parent = {c.id: c.parent or MANIFESTATION for c in tree.causes}
    text = {c.id: c.text for c in tree.causes}
    return pd.DataFrame({
        "node": list(rows),
        "row": list(rows.values()),
        "column": [column.get(n, 0) for n in rows],
        "parent": [parent.get(n) for n in rows],
        "text": [text.get(n, tree.manifestation) for n in rows],
    })


def _label(text: str) -> str:
    return "\n".join(textwrap.wrap(text, WRAP_CHARS)) or " "


def plot_problem_tree(tree: ProblemTree, source: str = "Team analysis, step2_why.yaml") -> Figure:
    """Draw `tree` with one coloured column per level; returns the Figure."""
    boxes = layout(tree)
    if tree.rights:
        boxes.loc[boxes["node"] == MANIFESTATION, "text"] = (
            tree.manifestation + " Rights implicated: " + "; ".join(tree.rights) + ".")
    boxes["label"] = boxes["text"].map(_label)
    boxes["lines"] = boxes["label"].str.count("\n") + 1
    slots = int(boxes["row"].max()) + 1
    cause_lines = int(boxes["lines"][boxes["column"] > 0].max()) if len(boxes) > 1 else 1
    slot_in = cause_lines * LINE_HEIGHT_IN + 0.3
    manifestation_in = int(boxes["lines"].iloc[-1]) * LINE_HEIGHT_IN + 0.3
    span = max(slots, manifestation_in / slot_in)
    import matplotlib.pyplot as plt  # here: computing Step 2 (the report's summary does) draws nothing
    from matplotlib.patches import FancyBboxPatch

    fig, ax = plt.subplots(figsize=(12, span * slot_in + 1.5))
    centre = (slots - 1) / 2
    ax.set_xlim(-0.5, 3.5)
    ax.set_ylim(centre + span / 2 + 0.1, centre - span / 2 - 0.75 / slot_in)
    ax.axis("off")
    position = dict(zip(boxes["node"], zip(boxes["column"], boxes["row"])))
    for row in boxes[boxes["node"] != MANIFESTATION].itertuples():
        parent_col, parent_row = position[row.parent]
        ax.annotate("", xy=(parent_col + BOX_WIDTH / 2, parent_row), xytext=(row.column - BOX_WIDTH / 2, row.row),
                    arrowprops=dict(arrowstyle="->", color="#777777", lw=0.8, shrinkA=0, shrinkB=2))
    for row in boxes.itertuples():
        level = "manifestation" if row.column == 0 else CAUSE_LEVELS[row.column - 1]
        box_h = (row.lines * LINE_HEIGHT_IN + 0.18) / slot_in
        ax.add_patch(FancyBboxPatch((row.column - BOX_WIDTH / 2, row.row - box_h / 2), BOX_WIDTH, box_h,
                                    boxstyle="round,pad=0,rounding_size=0.03", linewidth=1.2,
                                    edgecolor=LEVEL_COLOURS[level], facecolor=LEVEL_COLOURS[level] + "33"))
        ax.text(row.column, row.row, row.label, ha="center", va="center", fontsize=8, color=NATIONAL,
                gid=f"box-{row.node or 'manifestation'}")
    top = centre - span / 2 - 0.35 / slot_in
    for column, heading in enumerate(COLUMN_TITLES):
        ax.text(column, top, heading, ha="center", va="center", fontsize=9, fontweight="bold")
    return finish_figure(fig, f"Problem tree: {tree.title}", source)
