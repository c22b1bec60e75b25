"""Overlapping deprivations, and groups at the "centre of the five circles".

The guide says the furthest behind are often those who face several deprivations at once,
and those at the centre of its five factors. Two views of that:

- Per person, the number of applicable indicators on which they are deprived. An indicator
  applies to a person who is in its reference population and has a value; "deprived" is the
  unfavourable value (0 for an opportunity, 1 for a barrier). Only 0/1 indicators from the
  same data file are combined, because only there does a row describe one person. For each
  group the engine then estimates the share deprived on 2 or more, and on 3 or more, among
  the people with at least that many applicable indicators (a person covered by one
  indicator cannot be deprived on two). Estimates come with CIs, n and the small-cell flag.
- Groups that combine disadvantages across factors: intersections that are themselves left
  behind and whose component groups are each left behind, on different factors (say "Rural"
  for geography and "Tamar" for discrimination).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import Analysis
from ..disaggregate import group_id
from ..groups import group_id_label
from ..rounds import FileData, RoundData
from ..survey import estimate_domains
from .left_behind import LeftBehind, canonical_factors, group_masks, parse_group_id

THRESHOLDS = (2, 3)
OVERLAP_COLUMNS = [
    "file", "group_id", "label", "measure", "indicators", "estimate", "se", "ci_lb", "ci_ub",
    "n", "share", "flag",
]
CENTRE_COLUMNS = ["group_id", "label", "factors", "n_factors", "components", "n_indicators", "mean_gap"]


def deprivation_counts(frame: pd.DataFrame, indicators: Mapping[str, bool]) -> tuple[np.ndarray, np.ndarray]:
    """Per row: (number of indicators deprived on, number applicable).

    `indicators` maps each 0/1 indicator column to True when it is favourable.
    """
    deprived = np.zeros(len(frame), dtype=np.int64)
    applicable = np.zeros(len(frame), dtype=np.int64)
    for column, favourable in indicators.items():
        values = frame[column].to_numpy(dtype=float)
        seen = ~np.isnan(values)
        applicable += seen
        deprived += seen & (values == (0.0 if favourable else 1.0))
    return deprived, applicable


def one_way_groups(analysis: Analysis, frame: pd.DataFrame) -> list[str]:
    """The id of every category of every circumstance the frame has, in analysis.yaml's order."""
    return [group_id([c.id], [str(v)]) for c in analysis.circumstances if c.id in frame.columns
            for v in frame[c.id].cat.categories]


@dataclass(frozen=True)
class Overlaps:
    """Shares deprived on 2+ and 3+ indicators by group (aggregates only; see OVERLAP_COLUMNS)."""

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def overlapping_deprivations(data: RoundData, extra_groups: Sequence[str] = (),
                             indicators: Sequence[str] | None = None) -> Overlaps:
    """Shares deprived on several indicators, for every circumstance category and `extra_groups`."""
    a = data.analysis
    chosen = set(indicators or [i.id for i in a.indicators])
    parts = []
    for key, fd in data.files.items():
        binary = {i.id: i.favourable for i in a.indicators
                  if i.file == key and i.type == "binary" and i.id in chosen}
        if len(binary) < 2:
            continue
        groups = ["national", *one_way_groups(a, fd.frame), *dict.fromkeys(extra_groups)]
        parts.append(_file_overlaps(a, key, fd, binary, groups))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=OVERLAP_COLUMNS)
    return Overlaps(table)


def _file_overlaps(a: Analysis, key: str, fd: FileData, binary: dict[str, bool], groups: list[str]) -> pd.DataFrame:
    deprived, applicable = deprivation_counts(fd.frame, binary)
    masks = group_masks(fd.frame, [g for g in groups if g != "national"])
    masks = {"national": np.ones(len(fd.frame), dtype=bool), **masks}
    labels = {g: "National" if g == "national" else group_id_label(g) for g in masks}
    out = []
    for k in THRESHOLDS:
        if len(binary) < k:
            continue
        y = np.where(applicable >= k, (deprived >= k).astype(float), np.nan)
        table = estimate_domains(fd.design, y, masks, settings=a.estimation).to_frame()
        table.insert(0, "measure", f"deprived on {k}+")
        out.append(table)
    table = pd.concat(out, ignore_index=True).rename(columns={"domain": "group_id"})
    table["file"] = key
    table["label"] = table["group_id"].map(labels)
    table["indicators"] = ";".join(binary)
    return table[OVERLAP_COLUMNS]


def centre_groups(left_behind: LeftBehind, analysis: Analysis, min_factors: int = 2) -> pd.DataFrame:
    """Left-behind intersections whose component groups are left behind on `min_factors`+ factors.

    `components` lists each component group with the factor of its circumstance, e.g.
    "Rural (geography); Tamar (discrimination)"; only components that are themselves left
    behind on some indicator count.
    """
    groups = left_behind.groups
    flagged = set(groups["group_id"])
    rows = []
    for row in groups.itertuples(index=False):
        parts = parse_group_id(row.group_id)
        if len(parts) < 2:
            continue
        behind = {c: v for c, v in parts.items() if group_id([c], [v]) in flagged}
        factors = canonical_factors(";".join(analysis.circumstance(c).factor for c in behind))
        n_factors = len([f for f in factors.split(";") if f])
        if n_factors >= min_factors:
            rows.append({
                "group_id": row.group_id,
                "label": row.label,
                "factors": factors,
                "n_factors": n_factors,
                "components": "; ".join(f"{v} ({analysis.circumstance(c).factor})" for c, v in behind.items()),
                "n_indicators": row.n_indicators,
                "mean_gap": row.mean_gap,
            })
    out = pd.DataFrame(rows, columns=CENTRE_COLUMNS)
    return out.sort_values(["n_factors", "n_indicators", "mean_gap"], ascending=False, kind="stable").reset_index(drop=True)
