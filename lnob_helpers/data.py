"""Reading survey microdata (CSV, Parquet, SPSS .sav, Stata .dta) without changing it.

MICS ships SPSS files and DHS ships Stata files; both carry value labels, which become
the category names people see. Files are only ever opened for reading.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .config import Analysis, Computed, DataFile
from .errors import InputError

OPERATIONS = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}


@dataclass
class Microdata:
    """A data file's rows plus the value labels it carried (column -> {code: label})."""

    frame: pd.DataFrame
    value_labels: dict[str, dict] = field(default_factory=dict)
    path: Path = Path(".")
    # Each row's place in the file (from 0) once rows outside its universe are dropped, so
    # messages can still count rows as the file does; None while every row is kept.
    file_rows: np.ndarray | None = None

    @property
    def name(self) -> str:
        return self.path.name


def read_microdata(path: str | Path, fmt: str | None = None, columns: list[str] | None = None) -> Microdata:
    """Read one file; `columns` limits what is loaded (faster for wide survey files)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: data file not found.")
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    try:
        if fmt == "csv":
            frame = pd.read_csv(path, usecols=_usecols(columns), low_memory=False)
            return Microdata(frame, {}, path)
        if fmt == "parquet":
            return Microdata(pd.read_parquet(path, columns=columns), {}, path)
        if fmt in ("sav", "dta"):
            import pyreadstat

            reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
            frame, meta = reader(str(path), usecols=columns, user_missing=False)
            labels = {col: dict(vl) for col, vl in meta.variable_value_labels.items()}
            return Microdata(tidy_numeric(frame), labels, path)
    except InputError:
        raise
    except ValueError as e:
        if columns and ("Usecols" in str(e) or "not found" in str(e) or "usecols" in str(e)):
            raise InputError(f"{path}: {e}") from None
        raise InputError(f"{path}: could not be read as {fmt}: {e}") from None
    except Exception as e:  # parser errors of the underlying libraries
        raise InputError(f"{path}: could not be read as {fmt}: {type(e).__name__}: {e}") from None
    raise InputError(f"{path}: unknown format '{fmt}'; expected csv, parquet, sav or dta.")


def _usecols(columns: list[str] | None):
    return None if columns is None else (lambda c: c in set(columns))


def tidy_numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """pyreadstat returns integers as float64; give whole-number columns back a nullable int."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_float_dtype(s) and s.notna().any():
            vals = s.dropna()
            if (vals == vals.round()).all() and vals.abs().max() < 2**53:
                s = s.astype("Int64")
        out[col] = s
    return pd.DataFrame(out, index=frame.index)


def read_data_file(analysis: Analysis, spec: DataFile, columns: list[str] | None = None) -> Microdata:
    """Read a file named in analysis.yaml, resolving its path inside the analysis folder."""
    return read_microdata(analysis.data_path(spec), spec.format, columns)


def file_columns(analysis: Analysis, spec: DataFile) -> list[str]:
    """The column names of a data file, read cheaply (header or metadata only)."""
    path = analysis.data_path(spec)
    if not path.exists():
        raise InputError(f"{path}: data file not found (named in analysis.yaml as '{spec.path}').")
    if spec.format == "csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return next(csv.reader(fh), [])  # as written: pandas would rename a repeated name
    if spec.format == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    import pyreadstat

    reader = pyreadstat.read_sav if spec.format == "sav" else pyreadstat.read_dta
    _, meta = reader(str(path), metadataonly=True)
    return list(meta.column_names)


def with_computed(md: Microdata, computed: Mapping[str, Computed]) -> Microdata:
    """The data with each `computed:` column added under its name, in the order written.

    Files store some quantities apart (interview and birth dates as century-month codes);
    the arithmetic happens here, once, so conditions, indicators and circumstances can use
    the result like any column. A missing input, or a division by zero, gives missing.
    """
    frame = md.frame
    for name, c in computed.items():
        left, right = (_numbers(frame, col, name, md.name) for col in c.columns)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            values = OPERATIONS[c.op](left, right) / c.divide_by
        frame = frame.assign(**{name: np.where(np.isfinite(values), values, np.nan)})
    return replace(md, frame=frame)


def _numbers(frame: pd.DataFrame, col: str, name: str, file: str) -> np.ndarray:
    if col not in frame.columns:
        raise InputError(f"{file}: column '{col}', an input of computed column '{name}', is not in the data.")
    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(values).all() and frame[col].notna().any():
        raise InputError(f"{file}: computed column '{name}' needs numbers, but its input column '{col}' holds none.")
    return values
