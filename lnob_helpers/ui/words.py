"""Words and numbers as the step pages show them: labels for ids, formatted numbers and intervals,
tables that never widen the page, and figures drawn without a warning reaching the reader.
"""

from __future__ import annotations

import html
import logging
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..config import FACTOR_LABELS, Analysis
from ..groups import GROUP_SEPARATOR, group_id_label, unique_names
from ..render import CAUTION_MARK, MARK_KEY, NO_VARIATION_MARK, SUPPRESSED_MARK, figure_png, interval, number, table_html
from ..report.tables import TABLES_FILE, sheet_name
from ..who.evidence import SOURCE_LABELS
from ..who.left_behind import parse_group_id

log = logging.getLogger("lnob.app")

MARKS = (CAUTION_MARK, NO_VARIATION_MARK)
SCROLL = '<div class="lnob-scroll" style="max-width:100%;overflow-x:auto">{}</div>'


# --- words, not ids -------------------------------------------------------------------------

class Words:
    """Plain words for the ids of an analysis: indicators, circumstances, groups and factors."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self._indicators = {i.id: i.label or i.id for i in analysis.indicators}
        self._circumstances = {c.id: c.label or c.id for c in analysis.circumstances}

    def indicator(self, ind_id: str) -> str:
        return self._indicators.get(ind_id, ind_id)

    def indicators(self, ids: str | Iterable[str], sep: str = ";") -> str:
        """A ";"-separated list of indicator ids (or a list) as labels joined by "; "."""
        items = ids.split(sep) if isinstance(ids, str) else list(ids)
        return "; ".join(self.indicator(i.strip()) for i in items if i.strip())

    def circumstance(self, c_id: str) -> str:
        return self._circumstances.get(c_id, c_id)

    def dimension(self, dimension_id: str) -> str:
        """'wealth & area' -> 'Wealth quintile × Area of residence'."""
        if dimension_id == "national":
            return "National"
        return " × ".join(self.circumstance(c) for c in dimension_id.split(GROUP_SEPARATOR))

    @staticmethod
    def group(group_id: str) -> str:
        return "Everyone" if group_id in ("national", "all") else (group_id_label(group_id) or group_id)

    def distinct(self, group_ids: Iterable[str]) -> list[str]:
        """Group names, with what each is a group of where two would read the same ("Other")."""
        ids = list(group_ids)
        return unique_names(pd.DataFrame({"group_id": ids, "label": [self.group(g) for g in ids]}),
                            self._circumstances)

    def group_with_circumstances(self, group_id: str) -> str:
        """'Tamar (Ethnicity of the household head)': a group with what it is a group of."""
        parts = parse_group_id(group_id)
        if not parts:
            return self.group(group_id)
        return f"{self.group(group_id)} ({self.dimension(GROUP_SEPARATOR.join(parts))})"

    @staticmethod
    def factors(tags: str | Iterable[str], sep: str = ";") -> str:
        items = tags.split(sep) if isinstance(tags, str) else list(tags)
        return "; ".join(FACTOR_LABELS.get(t.strip(), t.strip()) for t in items if str(t).strip())

    @staticmethod
    def sources(types: str | Iterable[str], sep: str = ";") -> str:
        items = types.split(sep) if isinstance(types, str) else list(types)
        return "; ".join(SOURCE_LABELS.get(t.strip(), t.strip()) for t in items if str(t).strip())


# --- numbers for reading ------------------------------------------------------------------

def percent(share: object, digits: int = 1) -> str:
    """A share (0-1) as "10.7%"; empty for a missing value."""
    shown = number(share * 100 if isinstance(share, (int, float, np.number)) else share, digits)
    return f"{shown}%" if shown else ""


def count(value: object) -> str:
    """A count of cases as "1,414"; empty when withheld."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return f"{int(v):,}" if np.isfinite(v) else ""


def intervals(rows: pd.DataFrame, estimate: str = "estimate", factor: float = 1.0) -> list[str]:
    """`interval` of every row of a table with estimate, ci_lb, ci_ub and flag columns."""
    return [interval(e, lo, hi, f, factor=factor)
            for e, lo, hi, f in zip(rows[estimate], rows["ci_lb"], rows["ci_ub"], rows["flag"])]


def level_text(analysis: Analysis) -> str:
    return f"{analysis.estimation.level * 100:g}%"


def scroll_table(frame: pd.DataFrame, key: bool = False, **options: Any) -> str:
    """`render.table_html` inside a box that scrolls sideways, so no table is ever wider than the page;
    with `key`, the key to the marks under it when a cell carries one."""
    marked = key and frame.astype(str).map(lambda v: v == SUPPRESSED_MARK or v.endswith(MARKS)).to_numpy().any()
    note = f'<p class="lnob-key">{html.escape(MARK_KEY)}</p>' if marked else ""
    return SCROLL.format(table_html(frame, **options) + note)


def html_table(frame: pd.DataFrame, key: bool = False, empty: str = "Nothing to show.") -> str:
    """`scroll_table` of a table whose cells are already formatted for reading (text columns)."""
    return scroll_table(frame, key=key, digits=None, empty=empty)


def full_table(step: int, name: str, what: str = "The full table") -> str:
    """Where a report's shortened table is in full: its sheet in the attached workbook."""
    return f'{what}: sheet "{sheet_name(step, name)}" of the attached workbook {TABLES_FILE}.'


def figure(make: Callable[[], Figure]) -> bytes:
    """The PNG of the figure `make` draws, with no warning reaching the page.

    A figure too short for its labels (matplotlib's "Tight layout not applied") is made taller
    and laid out again, so its texts do not overlap.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = make()
        for _ in range(4):
            if not any("tight layout" in str(c.message).lower() for c in caught):
                break
            caught.clear()
            width, height = fig.get_size_inches()
            fig.set_size_inches(width, height + 1.0)
            fig.tight_layout(rect=(0, 0.04, 1, 0.95))
        png = figure_png(fig)
    for c in caught:
        log.info("figure warning: %s", c.message)
    return png


# --- text of tables and sentences --------------------------------------------------------

def readable(frame: pd.DataFrame, headers: dict[str, str]) -> pd.DataFrame:
    """The columns named in `headers`, in that order, under their plain-language headers."""
    return frame[[c for c in headers if c in frame.columns]].rename(columns=headers)


def quote(text: str, limit: int = 60) -> str:
    """People's text in double quotes, shortened to `limit` characters."""
    text = " ".join(str(text).split())
    return f"\"{text if len(text) <= limit else text[:limit - 1] + '…'}\""


def listed(texts: list[str], most: int = 3) -> str:
    """Up to `most` texts quoted, then how many more: '"A", "B", "C" and 2 more'."""
    shown = ", ".join(quote(t) for t in texts[:most])
    return shown + (f" and {len(texts) - most} more" if len(texts) > most else "")
