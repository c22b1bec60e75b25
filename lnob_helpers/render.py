"""One way to show results, in the app and in the report: figures as PNG, tables as HTML.

A workshop team and the readers of the country report must see the same thing: the same
picture at the same resolution, the same table with the same marks. Estimates withheld for
privacy read "suppressed", estimates from few cases carry "(c)", as in the Step 1 figures,
and estimates without variation in the sample (0%, 100%, se 0: no interval) carry "(nv)",
with a one-line key under the table. Labels, notes and group names come from files people
wrote, so every cell and header is escaped.
"""

from __future__ import annotations

import html
import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .privacy import FLAG_CAUTION, FLAG_NO_VARIATION, FLAG_SUPPRESSED, withhold_counts

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 100
SUPPRESSED_MARK = "suppressed"
CAUTION_MARK = "(c)"
NO_VARIATION_MARK = "(nv)"
MARK_KEY = (f'{CAUTION_MARK}: few cases, read with caution. {NO_VARIATION_MARK}: no variation in the sample, '
            f'so no interval. "{SUPPRESSED_MARK}": too few cases to show.')
MARKS = {FLAG_CAUTION: CAUTION_MARK, FLAG_NO_VARIATION: NO_VARIATION_MARK}  # on the estimate itself
# Values withheld in a suppressed row; the caution mark goes on the estimate itself.
HIDDEN_COLUMNS = ("estimate", "rate", "se", "ci_lb", "ci_ub", "gap")
MARKED_COLUMNS = ("estimate", "rate")
TABLE_STYLE = ("table.lnob-table{border-collapse:collapse;font-size:0.9em}"
               "table.lnob-table th,table.lnob-table td{text-align:left !important;padding:2px 8px;"
               "vertical-align:top}.lnob-key{font-size:0.85em;color:#555}")
TABLE_CSS = f"<style>{TABLE_STYLE}</style>"  # the report keeps TABLE_STYLE in its own style sheet


def number(value: object, digits: int = 1) -> str:
    """A number with `digits` decimals; empty for a missing value."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return f"{v:,.{digits}f}" if np.isfinite(v) else ""


def interval(estimate: object, low: object, high: object, flag: str = "", digits: int = 1,
             factor: float = 1.0) -> str:
    """"67.1 (64.2-69.8)", the estimate times `factor`; "suppressed" for a withheld estimate; the
    caution and no-variation marks after it (no interval with no variation)."""
    if flag == FLAG_SUPPRESSED:
        return SUPPRESSED_MARK
    est = number(_times(estimate, factor), digits)
    if not est:
        return ""
    lo, hi = number(_times(low, factor), digits), number(_times(high, factor), digits)
    shown = f"{est} ({lo}-{hi})" if lo and hi and flag != FLAG_NO_VARIATION else est
    return f"{shown} {MARKS[flag]}" if flag in MARKS else shown


def _times(value: object, factor: float) -> object:
    try:
        return float(value) * factor
    except (TypeError, ValueError):
        return value


def figure_png(fig: Figure) -> bytes:
    """`fig` as PNG bytes (for an Image widget or a static output); the figure is freed."""
    import matplotlib.pyplot as plt  # here, so that a process that draws nothing does not load pyplot

    buffer = io.BytesIO()
    with plt.rc_context({"text.parse_math": False}):  # tick labels made while drawing show `$` as typed
        fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _text(value: object, digits: int | None) -> str:
    if pd.isna(value):
        return ""
    if digits is not None and isinstance(value, (float, np.floating)):
        return f"{value:.{digits}f}"
    return str(value)


def mark_flags(frame: pd.DataFrame, digits: int | None = 2) -> pd.DataFrame:
    """A copy of `frame` for reading: suppressed rows' values read "suppressed", caution estimates end
    in "(c)" and estimates without variation in "(nv)".

    The marks follow the `flag` column (see `privacy`); a frame without one is returned as it is.
    """
    if "flag" not in frame.columns:
        return frame
    shown = withhold_counts(frame)  # a withheld row shows no count or population either
    flags = shown["flag"].to_numpy()
    for column in HIDDEN_COLUMNS:
        if column not in shown.columns:
            continue
        text = shown[column].map(lambda v: _text(v, digits)).astype(object)
        text[flags == FLAG_SUPPRESSED] = SUPPRESSED_MARK
        if column in MARKED_COLUMNS:
            for flag, mark in MARKS.items():
                marked = (flags == flag) & (text != "").to_numpy()
                text[marked] = text[marked] + f" {mark}"
        shown[column] = text
    return shown


def yes_no(value: object) -> str:
    """A true/false value as a reader says it: "Yes" or "No"; empty when missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return "Yes" if bool(value) else "No"


def _said(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its true/false columns read "Yes"/"No", so no table ever shows True or False."""
    logical = [c for c in frame.columns if pd.api.types.is_bool_dtype(frame[c]) or (
        frame[c].dtype == object and len(frame[c].dropna())
        and frame[c].dropna().map(lambda v: isinstance(v, (bool, np.bool_))).all())]
    if not logical:
        return frame
    shown = frame.copy()
    for column in logical:
        shown[column] = frame[column].map(yes_no).astype(object)
    return shown


def table_html(frame: pd.DataFrame, *, digits: int | None = 2, css_class: str = "lnob-table",
               empty: str = "Nothing recorded yet.") -> str:
    """`frame` as an escaped HTML table (no index) with the suppression marks, or `empty` as a note.

    `digits` rounds the numbers for display (None keeps them as they are); true/false columns
    read "Yes"/"No".
    """
    if frame.empty:
        return f'<p class="{html.escape(css_class)} lnob-empty"><em>{html.escape(empty)}</em></p>'
    shown = mark_flags(_said(frame), digits)
    marked = (any(c in frame.columns for c in HIDDEN_COLUMNS) and "flag" in frame.columns
              and frame["flag"].isin([FLAG_SUPPRESSED, *MARKS]).any())
    table = shown.to_html(index=False, escape=True, na_rep="", border=0, classes=css_class,
                          float_format=None if digits is None else (lambda v: f"{v:.{digits}f}"))
    key = f'<p class="lnob-key">{html.escape(MARK_KEY)}</p>' if marked else ""
    return TABLE_CSS + table + key
