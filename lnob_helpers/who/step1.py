"""Step 1 from start to finish: who is left behind, who is furthest behind, and what we miss.

`run_step1` computes everything the Step 1 page and report show, on one survey round:

1. the disaggregation table (every indicator by every circumstance and two-way
   intersection), extended with the intersections the evidence points at: the single-
   category leaves of the furthest-behind trees, and three-way groups formed from the
   leading two-way groups when they span three different factors;
2. the furthest-behind tree of every 0/1 indicator, with engine CIs, D-index and HOI;
3. the left-behind groups, ranked;
4. overlapping deprivations and the groups at the centre of the five factors;
5. the evidence log and partner aggregates, triangulated with the survey;
6. the data-gap inventory.

`Step1Result.write` saves the aggregates Step 2 reads under `<analysis>/outputs/step1/`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..config import Analysis
from ..disaggregate import disaggregate, disaggregate_groups, protect_cells, save_disaggregation
from ..exports import write_tables
from ..privacy import FLAG_CAUTION, FLAG_SUPPRESSED
from ..rounds import RoundData, load_round
from ..yamlstore import atomic_write_bytes
from .evidence import (EvidenceLog, EvidenceMatrix, evidence_matrix, load_evidence, partner_files,
                       read_partner_aggregates)
from .furthest import (IndicatorTree, furthest_behind_trees, furthest_table, groups_containing_leaves,
                       groups_matching_leaves)
from .gaps import DataGaps, data_gaps
from .left_behind import LeftBehind, find_left_behind, parse_group_id
from .overlaps import Overlaps, centre_groups, overlapping_deprivations
from .tree import TreeRules

TOP_INTERSECTIONS = 12  # leading two-way groups combined into three-way candidates
OVERLAP_GROUPS = 10     # leading intersections whose overlapping deprivations are shown


@dataclass(frozen=True)
class Step1Result:
    """Everything Step 1 found on one round; every table holds aggregates only."""

    analysis: Analysis
    data: RoundData
    indicators: list[str]
    table: pd.DataFrame
    trees: dict[str, IndicatorTree]
    furthest: pd.DataFrame
    left_behind: LeftBehind
    overlaps: Overlaps
    centre: pd.DataFrame
    evidence: EvidenceLog
    partners: pd.DataFrame
    matrix: EvidenceMatrix
    gaps: DataGaps

    @property
    def year(self) -> int:
        return self.data.year

    @property
    def source(self) -> str:
        """The source line of every figure and table: survey and round."""
        return f"{self.data.round.name} ({self.analysis.country.name}, round {self.year}); LNOB Workbook"

    def summary(self) -> dict:
        national = self.table.loc[self.table["group_id"] == "national"]
        return {
            "country": self.analysis.country.name,
            "round": self.year,
            "survey": self.data.round.name,
            "indicators": self.indicators,
            "national": {
                r.indicator_abbr: {"estimate": r.estimate, "ci_lb": r.ci_lb, "ci_ub": r.ci_ub, "n": int(r.n),
                                   "scale": int(r.indicator_scale)}
                for r in national.itertuples(index=False)
            },
            "counts": {
                "estimates": int(len(self.table)),
                "suppressed": int((self.table["flag"] == FLAG_SUPPRESSED).sum()),
                "caution": int((self.table["flag"] == FLAG_CAUTION).sum()),
                "groups_assessed": int(self.table["group_id"].nunique() - 1),
                "left_behind_groups": int(len(self.left_behind.groups)),
                "furthest_behind_groups": int(self.left_behind.groups["furthest_behind"].sum()),
                "centre_groups": int(len(self.centre)),
                "evidence_entries": len(self.evidence.entries),
                "partner_rows": int(len(self.partners)),
                "data_gaps": self.gaps.counts(),
            },
            "min_gap": self.left_behind.min_gap,
            "trees": [it.summary() for it in self.trees.values()],
        }

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The aggregate tables Step 1 hands on, by output file name."""
        return {
            "left_behind.csv": self.left_behind.to_frame(),
            "furthest_behind.csv": self.furthest,
            "overlaps.csv": self.overlaps.to_frame(),
            "data_gaps.csv": self.gaps.to_frame(),
        }

    def write(self, folder: Path | None = None, spreadsheet_apart: bool = False) -> list[Path]:
        """Save the aggregates Steps 2-5 and the report read, in `folder` (`outputs/step1/`).

        Called in the app and in report mode alike, so later steps always find them. The small
        tables later steps read come first, the large disaggregation table last; an app passes
        `spreadsheet_apart` so its XLSX copy is written outside the kernel.
        """
        a = self.analysis
        rule = a.settings.suppression
        out = Path(folder) if folder is not None else a.outputs / "step1"
        written = write_tables(self.to_frames(), out, rule)
        summary = json.dumps(self.summary(), indent=2, default=_json_default, allow_nan=False)
        written.append(atomic_write_bytes(out / "step1_summary.json", summary.encode("utf-8")))
        return written + save_disaggregation(self.table, a, self.year, spreadsheet_apart)


def compute_step1(
    analysis: Analysis,
    year: int | None = None,
    *,
    indicators: Sequence[str] | None = None,
    rules: TreeRules | None = None,
    depth: int = 2,
    data: RoundData | None = None,
) -> Step1Result:
    """Compute Step 1 for one round (the latest when `year` is None); see the module docstring.

    `rules=None` uses `settings.tree` of analysis.yaml. Pass `data` to reuse a loaded round.
    """
    data = data or load_round(analysis, year)
    ids = list(indicators or [i.id for i in analysis.indicators])
    trees = furthest_behind_trees(data, ids, rules)
    base = disaggregate(data, ids, depth=depth)
    first = find_left_behind(base, analysis)
    extra = _candidate_groups(first, trees, analysis)
    table = protect_cells(pd.concat([base, disaggregate_groups(data, extra, ids)], ignore_index=True)) if extra else base
    preliminary = find_left_behind(table, analysis)
    group_ids = list(preliminary.groups["group_id"])
    left_behind = find_left_behind(table, analysis,
                                   furthest_groups=groups_containing_leaves(trees, data, group_ids),
                                   tree_leaves=groups_matching_leaves(trees, data, group_ids))

    intersections = [g for g in left_behind.groups["group_id"] if len(parse_group_id(g)) > 1]
    overlaps = overlapping_deprivations(data, intersections[:OVERLAP_GROUPS], ids)
    log = load_evidence(analysis.folder)
    partners = _partner_aggregates(analysis)
    return Step1Result(
        analysis=analysis, data=data, indicators=ids, table=table, trees=trees,
        furthest=furthest_table(trees), left_behind=left_behind, overlaps=overlaps,
        centre=centre_groups(left_behind, analysis), evidence=log, partners=partners,
        matrix=evidence_matrix(left_behind, log, analysis, partners),
        gaps=data_gaps(table, analysis, log),
    )


def _candidate_groups(first: LeftBehind, trees: dict[str, IndicatorTree], a: Analysis) -> list[dict[str, str]]:
    """Intersections beyond the two-way table that deserve an estimate of their own."""
    candidates: list[dict[str, str]] = []
    for it in trees.values():
        conditions = it.behind.conditions
        if len(conditions) > 2 and all(len(v) == 1 and v[0] is not None for v in conditions.values()):
            candidates.append({c: str(v[0]) for c, v in conditions.items()})
    two_way = [parse_group_id(g) for g in first.groups["group_id"] if len(parse_group_id(g)) == 2]
    for left, right in itertools.combinations(two_way[:TOP_INTERSECTIONS], 2):
        merged = {**left, **right}
        consistent = all(left[c] == right[c] for c in set(left) & set(right))
        factors = {a.circumstance(c).factor_of(v) for c, v in merged.items()}
        if consistent and len(merged) == 3 and len(factors - {None}) == 3:
            candidates.append(merged)
    unique = {tuple(sorted(c.items())): c for c in candidates}
    return list(unique.values())


def _partner_aggregates(analysis: Analysis) -> pd.DataFrame:
    files = partner_files(analysis.folder)
    if not files:
        return pd.DataFrame()
    return pd.concat([read_partner_aggregates(p, analysis) for p in files], ignore_index=True)


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
