"""The MPI of an analysis: household deprivations built from its indicators and circumstances.

`mpi.multidimensional_poverty` needs one 0/1 deprivation column per MPI indicator. A
survey round holds person-level indicators (stunting of children, NEET youth, the
household's water source) and circumstances (education). `mpi.yaml` in the analysis
folder says how each MPI indicator is made from them:

* `indicator` (an indicator id) or `circumstance` (a circumstance id) and the values that
  mean "deprived" (`deprived: [0]` for a favourable 0/1 indicator, `[1]` for an adverse one,
  category labels for a circumstance);
* `members`: "any" - the household is deprived when any member with a value is (a
  household with no such member, e.g. no child under five, is not deprived, as in the
  global MPI); "all" - deprived when every member with a value is (none: missing);
* `stands_in_for`: when the data lack what the global MPI asks for, what this source
  replaces and why; these substitutions are shown wherever the MPI is.

Every member then carries the household's deprivations, so the MPI is computed over
persons with their survey weights (H = share of people who are poor) and can be broken
down by any circumstance, including personal ones such as sex or disability.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from ..config import Scalar, Strict
from ..data import read_data_file
from ..errors import InputError
from ..rounds import RoundData
from ..yamlstore import load_model
from .mpi import MPIConfig, MPIResult, multidimensional_poverty

MPI_FILE = "mpi.yaml"
_WEIGHT = "__weight"


class DeprivationSource(Strict):
    """How one MPI indicator is read off the members of a household."""

    indicator: str | None = None
    circumstance: str | None = None
    deprived: list[Scalar] = Field(min_length=1)
    members: Literal["any", "all"] = "any"
    stands_in_for: str = ""

    @model_validator(mode="after")
    def _one_source(self) -> "DeprivationSource":
        if (self.indicator is None) == (self.circumstance is None):
            raise ValueError("give exactly one of `indicator` or `circumstance`")
        return self


class AnalysisMPI(Strict):
    """The content of `mpi.yaml`: which file, which household id, the index and its sources."""

    file: str = Field(description="Key of the person-level data file in analysis.yaml.")
    household: str = Field(description="Raw column identifying the household.")
    index: MPIConfig
    sources: dict[str, DeprivationSource]

    @model_validator(mode="after")
    def _sources_match(self) -> "AnalysisMPI":
        names = [i.name for i in self.index.indicators]
        missing = [n for n in names if n not in self.sources]
        extra = [s for s in self.sources if s not in names]
        if missing or extra:
            raise ValueError("`sources` must name each index indicator once"
                             + (f"; missing: {', '.join(missing)}" if missing else "")
                             + (f"; not in the index: {', '.join(extra)}" if extra else ""))
        return self

    def substitutions(self) -> pd.DataFrame:
        """The stand-ins used where the data lack a global-MPI indicator (one row each)."""
        rows = [{"mpi_indicator": name, "source": s.indicator or s.circumstance, "stands_in_for": s.stands_in_for}
                for name, s in self.sources.items() if s.stands_in_for]
        return pd.DataFrame(rows, columns=["mpi_indicator", "source", "stands_in_for"])


def load_analysis_mpi(folder: str | Path) -> AnalysisMPI | None:
    """`mpi.yaml` of an analysis folder, or None when the analysis defines no MPI."""
    path = Path(folder) / MPI_FILE
    return load_model(path, AnalysisMPI) if path.exists() else None


def household_deprivations(data: RoundData, spec: AnalysisMPI) -> pd.DataFrame:
    """Per person: the household's 0/1 (or missing) deprivation in each MPI indicator."""
    a = data.analysis
    if spec.file not in data.files:
        raise InputError(f"{MPI_FILE}: file '{spec.file}' is not a data file of round {data.year} that "
                         f"indicators use; expected one of {', '.join(data.files)}.")
    frame = data.files[spec.file].frame
    household = _household_ids(data, spec)
    columns = {}
    for name, source in spec.sources.items():
        key = source.indicator or source.circumstance
        known = [i.id for i in a.indicators] if source.indicator else [c.id for c in a.circumstances]
        if key not in known or key not in frame.columns:
            kind = "indicator" if source.indicator else "circumstance"
            raise InputError(f"{MPI_FILE}: sources.{name}: {kind} '{key}' is not in analysis.yaml for file "
                             f"'{spec.file}'; expected one of {', '.join(known)}.")
        values = frame[key]
        wanted = [str(v) for v in source.deprived] if source.circumstance else [float(v) for v in source.deprived]
        matched = (values.astype("str") if source.circumstance else values).isin(wanted)
        member = pd.Series(np.where(values.isna(), np.nan, matched.astype(float)), index=frame.index)
        by_household = member.groupby(household)
        if source.members == "any":
            columns[name] = by_household.transform("max").fillna(0.0)
        else:
            columns[name] = by_household.transform("min")
    return pd.DataFrame(columns, index=frame.index)


def _household_ids(data: RoundData, spec: AnalysisMPI) -> np.ndarray:
    file_spec = data.round.files[spec.file]
    raw = read_data_file(data.analysis, file_spec, [spec.household]).frame
    if spec.household not in raw.columns:
        raise InputError(f"{MPI_FILE}: household column '{spec.household}' is not in {file_spec.path}.")
    ids = raw[spec.household]
    if ids.isna().any():
        raise InputError(f"{file_spec.path}: household column '{spec.household}' has "
                         f"{int(ids.isna().sum())} empty value(s); every person needs a household.")
    return pd.factorize(ids)[0]


@dataclass(frozen=True)
class RoundMPI:
    """The MPI of one round, overall and by each requested circumstance (aggregates only)."""

    year: int
    results: dict[str, MPIResult]  # circumstance id -> result; key "national" when none was asked for
    substitutions: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """Tidy rows: year, dimension, group, measure, indicator, value, n, population, flag."""
        frames = [r.to_frame() for r in self.results.values()]
        table = pd.concat(frames, ignore_index=True).drop_duplicates(["dimension", "group", "measure", "indicator"])
        return table.assign(year=self.year)[["year", *table.columns]].reset_index(drop=True)

    def decomposition(self) -> pd.DataFrame:
        """Per circumstance: how far the population-weighted group M0 sum is from the national M0."""
        return pd.DataFrame([{"year": self.year, "dimension": key, "gap": r.decomposition_gap,
                              "adds_up": r.check_decomposition(1e-9)} for key, r in self.results.items()])


def round_mpi(data: RoundData, spec: AnalysisMPI, by: Sequence[str] = ()) -> RoundMPI:
    """The MPI of one round over persons, overall and by each circumstance id in `by`."""
    deprivations = household_deprivations(data, spec)
    file = data.files[spec.file]
    table = deprivations.assign(**{_WEIGHT: file.design.weights})
    suppression = data.analysis.settings.suppression
    results = {}
    for circumstance in file.held(by) or [None]:
        if circumstance is not None:
            table[circumstance] = file.frame[circumstance]
        results[circumstance or "national"] = multidimensional_poverty(
            table, spec.index, weights=_WEIGHT, by=circumstance, suppression=suppression)
    return RoundMPI(data.year, results, spec.substitutions())
