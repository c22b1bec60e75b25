"""Step 4 of the guide, from an analysis folder: measure and monitor progress.

For every survey round it takes the Step-1 one-way table (every indicator by every
circumstance, in HEAT Plus columns), computes WHO's 21 summary measures on it and, for the
ranked (ordered socio-economic) circumstances, SII/RII/ACI/RCI from the microdata with
design-based errors. Across rounds it follows every group: rates of change, gaps to the
national value, projections to the target year and whether each is on track. It suggests
equity targets from the latest round (the worst-off group of each indicator x circumstance
halves its gap), reads the targets and the indicator framework the country team keeps, and
computes the multidimensional poverty index (`mpi.yaml`) of every round with its
breakdown by group.

A best-off, most advantaged or reference group (of the summary measures and of the trends
behind the targets) is never a caution, suppressed or no-variation cell: it is the best group
with at least the analysis' `caution_n` unweighted cases, and the notes say so (heat_reference).

`Step4Result.write` saves the aggregates under `<analysis>/outputs/step4/`. Suppressed
estimates stay missing everywhere; no microdata row leaves this module.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..config import Analysis, EstimationSettings, load_analysis
from ..disaggregate import disaggregate
from ..heat_format import GROUP_KEYS, write_heat_template
from ..exports import write_table, write_tables
from ..privacy import FLAG_SUPPRESSED
from ..rounds import load_round
from .framework import IndicatorFramework, load_framework
from .heat import summary_measures
from .heat_microdata import Model, microdata_measures
from .mpi_sources import RoundMPI, load_analysis_mpi, round_mpi
from .targets import TargetSet, load_targets, worst_off_targets
from .trends import NATIONAL, TrendResult, rounds_from_heat, trends

OUTPUT_FOLDER = "step4"
MEASURE_COLUMNS = [
    "year", "indicator", "dimension", "dimension_id", "ordered", "basis", "measure", "estimate", "se", "ci_lb",
    "ci_ub", "n_subgroups", "convention", "meaning", "note",
]


@dataclass(frozen=True)
class Step4Result:
    """Everything Step 4 shows and saves; tables are aggregates only."""

    analysis: Analysis
    tables: dict[int, pd.DataFrame]          # Step-1 one-way table per round (HEAT Plus columns)
    measures: pd.DataFrame                   # MEASURE_COLUMNS: aggregated and microdata measures
    trends: TrendResult | None               # None with a single round
    suggested_targets: TargetSet             # worst-off-faster targets from the latest round
    targets: TargetSet                       # the team's targets (step4_targets.yaml)
    framework: IndicatorFramework            # the team's indicator framework (step4_framework.yaml)
    mpi: dict[int, RoundMPI] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def years(self) -> list[int]:
        return sorted(self.tables)

    def to_frame(self) -> pd.DataFrame:
        """The summary measures of every round (the main table of Step 4)."""
        return self.measures.copy()

    def mpi_frame(self) -> pd.DataFrame:
        """MPI of every round: year, dimension, group, measure, indicator, value, n, population, flag."""
        frames = [m.to_frame() for m in self.mpi.values()]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def mpi_decomposition(self) -> pd.DataFrame:
        frames = [m.decomposition() for m in self.mpi.values()]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The aggregate tables of Step 4, by output file name (the HEAT Plus files come on top)."""
        frames = {"summary_measures.csv": self.measures}
        if self.trends is not None:
            frames["trends.csv"] = self.trends.to_frame()
            frames["suggested_targets.csv"] = self.suggested_targets.to_frame()
        frames["targets.csv"] = self.targets.to_frame()
        frames["framework.csv"] = self.framework.to_frame()
        if self.mpi:
            frames["mpi.csv"] = self.mpi_frame()
            frames["mpi_decomposition.csv"] = self.mpi_decomposition()
        return frames

    def write(self, folder: Path | None = None) -> list[Path]:
        """Save the aggregates of Step 4 in `folder` (`<analysis>/outputs/step4/`), atomically."""
        a = self.analysis
        folder = Path(folder) if folder is not None else a.outputs / OUTPUT_FOLDER
        paths = write_tables(self.to_frames(), folder, a.settings.suppression)
        left_out = []
        for year, table in self.tables.items():
            export, dropped = heat_export_table(table)
            paths.append(write_heat_template(export, folder / f"heat_plus_{year}.csv"))
            left_out.append(dropped)
        log = pd.concat(left_out, ignore_index=True)
        paths.append(write_table(log, folder / "heat_plus_left_out.csv"))
        return paths


def compute_step4(
    analysis: Analysis | str | Path,
    rounds: Sequence[int] | None = None,
    indicators: Sequence[str] | None = None,
    dimensions: Sequence[str] | None = None,
    gap_reduction: float = 0.5,
    target_year: int = 2030,
    model: Model | Literal["auto"] = "auto",
) -> Step4Result:
    """Run Step 4 on an analysis (all rounds, indicators and circumstances unless narrowed).

    `model` is the microdata SII/RII model (see `heat_microdata.microdata_measures`); the
    `convention` column of every measure says which was used.
    """
    start = time.perf_counter()
    a = analysis if isinstance(analysis, Analysis) else load_analysis(analysis)
    years = sorted(rounds or [r.year for r in a.rounds])
    targets = load_targets(a.folder)
    mpi_spec = load_analysis_mpi(a.folder)
    tables, measures, mpi = {}, [], {}
    for year in years:
        data = load_round(a, year)
        table = disaggregate(data, indicators, dimensions, depth=1)
        tables[year] = table
        measures.append(_aggregated_measures(table, a.estimation))
        measures.append(_microdata_rows(microdata_measures(data, indicators, dimensions, model)))
        if mpi_spec is not None:
            mpi[year] = round_mpi(data, mpi_spec, by=list(dimensions or [c.id for c in a.circumstances]))
    trend = _trends(a, tables, targets, target_year) if len(years) > 1 else None
    suggested = TargetSet(targets=worst_off_targets(trend, gap_reduction)) if trend is not None else TargetSet()
    return Step4Result(
        analysis=a, tables=tables, measures=pd.concat(measures, ignore_index=True)[MEASURE_COLUMNS],
        trends=trend, suggested_targets=suggested, targets=targets, framework=load_framework(a.folder),
        mpi=mpi, seconds=time.perf_counter() - start,
    )


def _aggregated_measures(table: pd.DataFrame, settings: EstimationSettings) -> pd.DataFrame:
    """The 21 WHO measures of each indicator x circumstance (the national row is no subgroup); a
    reference subgroup needs the analysis' `caution_n` unweighted cases (heat_reference)."""
    groups = table[table["dimension_id"] != "national"]
    result = summary_measures(groups, level=settings.level, suppression=settings.suppression)
    keys = groups.drop_duplicates(list(GROUP_KEYS))[[*GROUP_KEYS, "dimension_id", "ordered_dimension"]]
    result = result.merge(keys, on=list(GROUP_KEYS), how="left")
    return pd.DataFrame({
        "year": result["date"], "indicator": result["indicator_abbr"], "dimension": result["dimension"],
        "dimension_id": result["dimension_id"], "ordered": result["ordered_dimension"] == 1,
        "basis": "aggregated", **{c: result[c] for c in MEASURE_COLUMNS[6:]},
    })


def _microdata_rows(micro: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "year": micro["date"], "indicator": micro["indicator_abbr"], "dimension": micro["dimension"],
        "dimension_id": micro["dimension_id"], "ordered": True, "basis": "microdata",
        **{c: micro[c] for c in MEASURE_COLUMNS[6:]},
    })


def _trends(a: Analysis, tables: dict[int, pd.DataFrame], targets: TargetSet, target_year: int) -> TrendResult:
    """Trends of every group; national targets of the team (step4_targets.yaml) set the on-track test."""
    rounds, direction = rounds_from_heat(pd.concat(tables.values(), ignore_index=True))
    national = {t.indicator: t.target for t in targets.targets
                if t.dimension == NATIONAL and t.target_year == target_year and t.indicator in direction}
    percentages = all(i.type == "binary" and i.scale == 100 for i in a.indicators)
    return trends(rounds, direction, targets=national, target_year=target_year,
                  bounds=(0.0, 100.0) if percentages else None, suppression=a.estimation.suppression)


# --- export ------------------------------------------------------------------------------

def heat_export_table(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Step-1 table made ready for HEAT Plus, and what was left out and why.

    HEAT Plus needs an estimate in every row and ordered subgroups numbered 1..k. So
    subgroups with no one in the reference population (n = 0) are left out and the rest
    renumbered; a suppressed subgroup of a non-ordered dimension is left out (its estimate
    stays unpublished); an ordered dimension with a suppressed subgroup is left out whole,
    because its ends could not be compared honestly.
    """
    keys = list(GROUP_KEYS)
    present = table[table["n"] > 0].copy()
    suppressed = present["flag"] == FLAG_SUPPRESSED
    ordered = present["ordered_dimension"] == 1
    spoiled = (suppressed & ordered).groupby([present[k] for k in keys]).transform("any")
    keep = ~suppressed & ~spoiled
    out = present[keep].copy()
    on_order = out["ordered_dimension"] == 1
    out.loc[on_order, "subgroup_order"] = (out[on_order].groupby(keys)["subgroup_order"].rank(method="first")
                                           .astype("int64"))
    reasons = np.select([table["n"] == 0, table.index.isin(present.index[suppressed & ~ordered]),
                         table.index.isin(present.index[spoiled & ~keep])],
                        ["no one of the reference population in this subgroup",
                         "suppressed: too few cases to publish",
                         "ordered dimension with a suppressed subgroup"], default="")
    left_out = table.loc[reasons != "", ["date", "indicator_abbr", "dimension", "subgroup"]]  # no counts: see privacy
    return out.reset_index(drop=True), left_out.assign(reason=reasons[reasons != ""]).reset_index(drop=True)
