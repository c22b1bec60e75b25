"""One figure style for the whole workbook: a colour-blind-safe palette and a source line.

The palette is Paul Tol's "bright" qualitative scheme, which stays distinguishable
under the common colour-vision deficiencies. Every figure gets a title and a
source line through `finish_figure`, so no chart leaves the workbook unlabelled.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.text import Text

PALETTE = {
    "blue": "#4477AA",
    "cyan": "#66CCEE",
    "green": "#228833",
    "yellow": "#CCBB44",
    "red": "#EE6677",
    "purple": "#AA3377",
    "grey": "#BBBBBB",
}
SEQUENCE = [PALETTE[k] for k in ("blue", "red", "green", "yellow", "cyan", "purple", "grey")]

# Semantic roles used across steps, so "furthest behind" looks the same everywhere.
BEHIND = PALETTE["red"]
AHEAD = PALETTE["blue"]
NATIONAL = "#333333"
NEUTRAL = PALETTE["grey"]
CAUTION = PALETTE["yellow"]
# Diverging map for gaps to the national value; ColorBrewer RdYlBu is colour-blind safe.
DIVERGING_CMAP = "RdYlBu"


def finish_figure(fig: Figure, title: str, source: str) -> Figure:
    """Put the title on top and the source line at the bottom-left of `fig`.

    Every text is drawn as written: labels come from data files, and matplotlib would
    otherwise read `$...$` in them as a formula (and stop on a malformed one).
    """
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    fig.text(0.01, 0.005, f"Source: {source}", ha="left", va="bottom", fontsize=8, color="#555555")
    for text in fig.findobj(Text):
        text.set_parse_math(False)
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    return fig
