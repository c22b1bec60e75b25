"""A readable diagram of a furthest-behind tree.

The tree is drawn from left to right: the whole population on the left, the leaves stacked
in a column on the right, so long group labels fit and nothing overlaps (every group has its
own row band and depth column). The furthest-behind group is framed in the workbook's
"behind" colour and the furthest-ahead group in its "ahead" colour.
"""

from __future__ import annotations

import textwrap

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Patch

from lnob_helpers import style
from lnob_helpers.who.tree import FurthestBehindTree, TreeNode

COLUMN_INCHES = 2.9
ROW_INCHES = 1.0
BOX_WIDTH = 0.86  # share of a depth column
BOX_HEIGHT = 0.8  # share of a leaf row
WRAP_CHARS = 34
MAX_LABEL_LINES = 3


def plot_tree(tree: FurthestBehindTree, title: str, source: str, rate_label: str = "Rate") -> Figure:
    """Draw `tree`; each box shows the group's defining split, its rate and population share."""
    position = _layout(tree)
    n_rows = len(tree.leaves)
    depth = max(node.depth for node in tree.nodes)
    fig = Figure(figsize=(COLUMN_INCHES * (depth + 1) + 0.4, ROW_INCHES * n_rows + 1.3))
    ax = fig.add_subplot()
    ax.set_xlim(-0.5, depth + 0.5)
    ax.set_ylim(-(n_rows - 1) - 0.5, 0.5)
    ax.axis("off")

    behind, ahead = tree.furthest_behind.node_id, tree.furthest_ahead.node_id
    has_roles = behind != ahead
    for node in tree.nodes:
        x, y = position[node.node_id]
        if node.parent_id is not None:
            px, py = position[node.parent_id]
            middle = px + 0.5
            ax.plot([px + BOX_WIDTH / 2, middle, middle, x - BOX_WIDTH / 2], [py, py, y, y],
                    color=style.NEUTRAL, linewidth=1.2, zorder=1)
        edge, face, width = style.NEUTRAL, "white", 1.0
        if has_roles and node.node_id == behind:
            edge, face, width = style.BEHIND, _tint(style.BEHIND), 2.5
        elif has_roles and node.node_id == ahead:
            edge, face, width = style.AHEAD, _tint(style.AHEAD), 2.5
        ax.add_patch(
            FancyBboxPatch(
                (x - BOX_WIDTH / 2, y - BOX_HEIGHT / 2), BOX_WIDTH, BOX_HEIGHT,
                boxstyle="round,pad=0,rounding_size=0.05", mutation_aspect=1 / 3,
                facecolor=face, edgecolor=edge, linewidth=width, zorder=2,
            )
        )
        ax.text(x, y, _box_text(node, rate_label), ha="center", va="center", fontsize=8,
                linespacing=1.25, zorder=3, gid=f"node-{node.node_id}")

    if has_roles:
        ax.legend(
            handles=[
                Patch(facecolor=_tint(style.BEHIND), edgecolor=style.BEHIND, linewidth=2, label="Furthest behind"),
                Patch(facecolor=_tint(style.AHEAD), edgecolor=style.AHEAD, linewidth=2, label="Furthest ahead"),
            ],
            loc="upper left", fontsize=8, frameon=False,
        )
    return style.finish_figure(fig, title, source)


def _layout(tree: FurthestBehindTree) -> dict[int, tuple[float, float]]:
    """x = depth; leaves on rows 0, -1, -2, ... in tree order; a parent sits between its children."""
    position: dict[int, tuple[float, float]] = {}
    leaf_rows = {leaf.node_id: -row for row, leaf in enumerate(tree.leaves)}
    for node in sorted(tree.nodes, key=lambda nd: -nd.depth):
        if node.is_leaf:
            y = leaf_rows[node.node_id]
        else:
            y = (position[2 * node.node_id][1] + position[2 * node.node_id + 1][1]) / 2
        position[node.node_id] = (float(node.depth), float(y))
    return position


def _box_text(node: TreeNode, rate_label: str) -> str:
    lines = textwrap.wrap(node.label, WRAP_CHARS) or [""]
    if len(lines) > MAX_LABEL_LINES:
        lines = lines[:MAX_LABEL_LINES]
        lines[-1] = lines[-1][: WRAP_CHARS - 1] + "…"
    return "\n".join(
        [*lines, f"{rate_label}: {node.rate:.1%}", f"Share: {node.share:.1%}  (n = {node.n:,})"]
    )


def _tint(colour: str) -> str:
    """A light version of a hex colour, for box backgrounds that keep black text readable."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mix = [round(c + (255 - c) * 0.75) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)
