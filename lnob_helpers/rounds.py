"""A survey round made ready for analysis: one tidy frame and one design per data file.

The analysis frame holds only what the analysis needs, named by the ids in
analysis.yaml: each circumstance as a categorical column and each indicator as a
float column (NaN outside its reference population). Raw microdata columns stay
behind, which keeps identifiers and free text away from every later step. A
circumstance a file has no column for is not in that file's frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .config import Analysis, DataFile, LonelyRule, Round
from .data import Microdata, read_data_file, with_computed
from .derive import circumstance_values, indicator_values, population_mask
from .errors import InputError
from .survey import SurveyDesign


@dataclass
class FileData:
    key: str
    frame: pd.DataFrame
    design: SurveyDesign

    def held(self, circumstances: Sequence[str]) -> list[str]:
        """Those of `circumstances` this file has, in the order given; its tables leave out the
        others (circumstances given per file, with no column for this one)."""
        return [c for c in circumstances if c in self.frame.columns]


@dataclass
class RoundData:
    analysis: Analysis
    round: Round
    files: dict[str, FileData]

    @property
    def year(self) -> int:
        return self.round.year

    def for_indicator(self, ind_id: str) -> FileData:
        return self.files[self.analysis.indicator(ind_id).file]


def needed_columns(analysis: Analysis, file_key: str, spec: DataFile) -> list[str]:
    """Raw columns a file must provide: design, universe, circumstances, its indicators' sources
    and the inputs of its computed columns (which are made on load, not read)."""
    cols: list[str] = [spec.design.weight]
    cols += [c for c in (spec.design.strata, spec.design.psu) if c]
    cols += [cond.column for cond in spec.universe]
    for circ in analysis.circumstances_for(file_key):
        cols += circ.source_columns
    for ind in analysis.indicators:
        if ind.file == file_key:
            cols += ind.source_columns + ind.condition_columns
    cols += [c for computed in spec.computed.values() for c in computed.columns]
    return [c for c in dict.fromkeys(cols) if c not in spec.computed]


def analysis_frame(analysis: Analysis, file_key: str, md: Microdata) -> pd.DataFrame:
    """The circumstances this file has (categorical) and its indicators (float) for every row."""
    columns = {c.id: circumstance_values(md, c) for c in analysis.circumstances_for(file_key)}
    for ind in analysis.indicators:
        if ind.file == file_key:
            columns[ind.id] = indicator_values(md, ind)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(md.frame)))


def load_round(analysis: Analysis, year: int | None = None) -> RoundData:
    """Read and prepare every file of a round (the latest when `year` is None)."""
    try:
        rnd = analysis.round(year)
    except KeyError:
        years = ", ".join(str(r.year) for r in analysis.rounds)
        raise InputError(f"analysis.yaml has no round {year}; the rounds are {years}.") from None
    files = {}
    used = {ind.file for ind in analysis.indicators}
    for key, spec in rnd.files.items():
        if key not in used:
            continue
        md = read_file(analysis, key, spec)
        frame = analysis_frame(analysis, key, md)
        design = file_design(md, spec, analysis.estimation.lonely_psu, source=f"{spec.path} (round {rnd.year})")
        files[key] = FileData(key, frame, _with_data(design, frame))
    return RoundData(analysis, rnd, files)


def read_file(analysis: Analysis, file_key: str, spec: DataFile) -> Microdata:
    """The rows and columns of one data file that the analysis uses.

    Computed columns are made first, so the universe may test them; rows outside the
    universe are then dropped, so they are not in the design at all (like subsetting the
    data before `svydesign` in R), unlike an indicator's population, which is a domain.
    """
    md = with_computed(read_data_file(analysis, spec, needed_columns(analysis, file_key, spec)), spec.computed)
    if not spec.universe:
        return md
    inside = population_mask(md, spec.universe)
    if not inside.any():
        raise InputError(f"{md.name}: no row meets the file's `universe` conditions, so it has no one to analyse.")
    return replace(md, frame=md.frame[inside].reset_index(drop=True), file_rows=np.flatnonzero(inside))


def file_design(md: Microdata, spec: DataFile, lonely_psu: LonelyRule, source: str) -> SurveyDesign:
    """The sample design of a file from `read_file`, weights divided by `weight_divisor`.

    `lonely_psu` is the analysis's rule, used when the file states none. Messages number
    rows as the file does, also when a universe dropped some.
    """
    d = spec.design
    rows = md.frame.set_axis(np.arange(len(md.frame)) if md.file_rows is None else md.file_rows)
    design = SurveyDesign.from_frame(rows, d.weight, d.strata, d.psu, d.lonely_psu or lonely_psu, source=source)
    return design if d.weight_divisor == 1 else replace(design, weights=design.weights / d.weight_divisor)


def _with_data(design: SurveyDesign, frame: pd.DataFrame) -> SurveyDesign:
    """The same design, looking at the analysis frame instead of the raw microdata."""
    return replace(design, data=frame)
