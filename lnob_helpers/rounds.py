"""A survey round made ready for analysis: one tidy frame and one design per data file.

The analysis frame holds only what the analysis needs, named by the ids in
analysis.yaml: each circumstance as a categorical column and each indicator as a
float column (NaN outside its reference population). Raw microdata columns stay
behind, which keeps identifiers and free text away from every later step.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from .config import Analysis, DataFile, Round
from .data import Microdata, read_data_file
from .derive import circumstance_values, indicator_values
from .errors import InputError
from .survey import SurveyDesign


@dataclass
class FileData:
    key: str
    frame: pd.DataFrame
    design: SurveyDesign


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
    """Raw columns a file must provide: design, circumstances and its indicators' sources."""
    cols: list[str] = [spec.design.weight]
    cols += [c for c in (spec.design.strata, spec.design.psu) if c]
    for circ in analysis.circumstances:
        cols += circ.source_columns
    for ind in analysis.indicators:
        if ind.file == file_key:
            cols += ind.source_columns + [cond.column for cond in ind.population]
    return list(dict.fromkeys(cols))


def analysis_frame(analysis: Analysis, file_key: str, md: Microdata) -> pd.DataFrame:
    """Circumstances (categorical) and this file's indicators (float) for every row."""
    columns = {c.id: circumstance_values(md, c) for c in analysis.circumstances}
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
        md = read_data_file(analysis, spec, needed_columns(analysis, key, spec))
        frame = analysis_frame(analysis, key, md)
        d = spec.design
        design = SurveyDesign.from_frame(
            md.frame, d.weight, d.strata, d.psu, d.lonely_psu or analysis.estimation.lonely_psu, source=f"{spec.path} (round {rnd.year})"
        )
        files[key] = FileData(key, frame, _with_data(design, frame))
    return RoundData(analysis, rnd, files)


def _with_data(design: SurveyDesign, frame: pd.DataFrame) -> SurveyDesign:
    """The same design, looking at the analysis frame instead of the raw microdata."""
    return replace(design, data=frame)
