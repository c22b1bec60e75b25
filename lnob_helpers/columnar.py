"""Projected, streaming reads of a data file: only the columns asked for, a bounded number of rows at a time.

Census-size files do not fit in memory as pandas frames, and most of their columns are never
used. Parquet is read batch by batch with pyarrow (`ParquetFile.iter_batches`, which on
measurement beat pyarrow's dataset API on peak memory, polars on time and DuckDB on both);
a CSV is converted once into a Parquet file under `outputs/.cache/`, keyed by the SHA-256 of
its bytes and of the reading options, so later runs stream it too; SPSS and Stata files are
read in row ranges by pyreadstat. The input file is only ever opened for reading.

Each column of a batch can be `encode`d as small integer codes and the values they stand
for, so text categories are never turned into one Python object per row.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .errors import InputError

CACHE_FOLDER = ".cache"
# Parsing a CSV the way `data.read_microdata` does; part of the cache key, so a change of
# these options (or of how columns are typed below) makes a new cached file.
CSV_OPTIONS = "pandas.read_csv(low_memory=False); per-column types unified over chunks; v1"
CSV_CHUNK_ROWS = 500_000
SMALL_RANGE = 1 << 16  # integers spanning at most this many values are coded by subtraction


@dataclass
class Batch:
    """Some consecutive rows of a file: Arrow columns, where they start, and the file's value labels."""

    columns: dict[str, pa.Array]
    start: int
    n_rows: int
    value_labels: dict[str, dict] = field(default_factory=dict)


@dataclass
class Source:
    """A data file opened for streaming; `path` is the file read (the cached Parquet of a CSV)."""

    path: Path
    fmt: str

    @functools.cached_property
    def group_rows(self) -> int:
        """The most rows in a row group: pyarrow decodes a Parquet file a row group at a time."""
        if self.fmt != "parquet":
            return 0
        meta = pq.ParquetFile(self.path).metadata
        return max((meta.row_group(i).num_rows for i in range(meta.num_row_groups)), default=0)

    def row_bytes(self, column: str) -> int:
        """About how many bytes a row of `column` takes once read (for sizing chunks)."""
        if self.fmt != "parquet":
            return 8
        kind = self._schema.field(column).type
        if pa.types.is_dictionary(kind):
            kind = kind.index_type
        try:
            return max(1, kind.bit_width // 8)
        except ValueError:  # text: a guess of its average width
            return 24

    @functools.cached_property
    def _schema(self) -> pa.Schema:
        return pq.read_schema(self.path)

    def batches(self, columns: list[str], rows: int) -> Iterator[Batch]:
        """The file's rows `rows` at a time, with only `columns`."""
        read = _parquet_batches if self.fmt == "parquet" else _readstat_batches
        try:
            yield from read(self.path, self.fmt, columns, rows)
        except (OSError, ValueError, pa.ArrowException) as e:  # a damaged file, found part way through
            raise InputError(f"{self.path}: could not be read as {self.fmt}: {type(e).__name__}: {e}") from None


def open_source(path: Path, fmt: str, cache: Path) -> Source:
    """A streaming view of a data file; a CSV is converted (once) into `cache`."""
    if not path.exists():
        raise InputError(f"{path}: data file not found.")
    try:
        if fmt == "csv":
            return Source(csv_as_parquet(path, cache), "parquet")
        if fmt == "parquet":
            pq.read_schema(path)  # refuse a file that is not Parquet now, in one sentence
            return Source(path, fmt)
        if fmt in ("sav", "dta"):
            return Source(path, fmt)
    except InputError:
        raise
    except Exception as e:  # parser errors of the underlying libraries
        raise InputError(f"{path}: could not be read as {fmt}: {type(e).__name__}: {e}") from None
    raise InputError(f"{path}: unknown format '{fmt}'; expected csv, parquet, sav or dta.")


def _parquet_batches(path: Path, fmt: str, columns: list[str], rows: int) -> Iterator[Batch]:
    # Without pre-buffering, pyarrow holds a row group's pages as it decodes them rather than the
    # whole row group's columns at once: less than half the memory on the benchmark, no slower.
    start = 0
    pool = pa.default_memory_pool()
    for batch in pq.ParquetFile(path, pre_buffer=False).iter_batches(batch_size=rows, columns=columns):
        n_rows = batch.num_rows
        yield Batch({c: batch.column(c) for c in columns}, start, n_rows)
        del batch
        pool.release_unused()  # give what the batch took back, so the ceiling holds for the process
        start += n_rows


def _readstat_batches(path: Path, fmt: str, columns: list[str], rows: int) -> Iterator[Batch]:
    import pyreadstat

    from .data import tidy_numeric

    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    start = 0
    for frame, meta in pyreadstat.read_file_in_chunks(reader, str(path), chunksize=rows, usecols=columns,
                                                      user_missing=False):
        labels = {col: dict(vl) for col, vl in meta.variable_value_labels.items()}
        frame = tidy_numeric(frame)
        yield Batch({c: pa.Array.from_pandas(frame[c]) for c in columns}, start, len(frame), labels)
        start += len(frame)


def encode(array: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Codes 0..k-1 per row (-1 where null), as small integers, and the k values they stand for.

    Dictionary columns give their own indices; small-range integers are coded by subtracting
    their minimum; anything else is hashed once by Arrow.
    """
    if pa.types.is_integer(array.type) and len(array) > array.null_count:
        low, high = (v.as_py() for v in pc.min_max(array).values())
        if high - low < SMALL_RANGE:
            wide = array.cast(pa.int32()) if array.null_count and low - 1 < _lowest(array.type) else array
            # nulls become low - 1, so code -1
            raw = (wide if wide.null_count == 0 else pc.fill_null(wide, low - 1)).to_numpy(zero_copy_only=False)
            return np.subtract(raw, low, dtype=np.int32), pa.array(np.arange(low, high + 1)).cast(array.type)
    if not pa.types.is_dictionary(array.type):
        array = pc.dictionary_encode(array)
    indices = array.indices
    return (indices if indices.null_count == 0 else pc.fill_null(indices, -1)).to_numpy(zero_copy_only=False), \
        array.dictionary


def _lowest(kind: pa.DataType) -> int:
    return -(1 << (kind.bit_width - 1)) if pa.types.is_signed_integer(kind) else 0


def numbers(array: pa.Array) -> np.ndarray:
    """A numeric column as float64, NaN where null or not a number (as `pd.to_numeric` reads it)."""
    if pa.types.is_floating(array.type) or pa.types.is_integer(array.type) or pa.types.is_boolean(array.type):
        return pc.fill_null(array.cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False)
    return pd.to_numeric(pd.Series(array.to_pandas()), errors="coerce").to_numpy(dtype=float, na_value=np.nan)


# --- CSV, converted once ----------------------------------------------------------------------

def csv_as_parquet(path: Path, cache: Path) -> Path:
    """The Parquet copy of a CSV under `cache` (or, if that cannot be written, the temporary
    folder), made on first use and named by the file's SHA-256.

    Columns are typed as pandas types them when reading the whole file at once: a column
    with text anywhere is text (as written), numbers with a gap anywhere are floats.
    """
    name = f"{file_sha256(path)}-{hashlib.sha256(CSV_OPTIONS.encode()).hexdigest()[:12]}.parquet"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        probe = cache / f".{os.getpid()}.probe"
        probe.touch()
        probe.unlink()
    except OSError:  # an analysis folder we may not write to: the user's temporary folder serves
        cache = Path(tempfile.gettempdir()) / "lnob-cache"
        cache.mkdir(parents=True, exist_ok=True)
    target = cache / name
    if target.exists():
        return target
    kinds: dict[str, set[str]] = {}
    for chunk in pd.read_csv(path, chunksize=CSV_CHUNK_ROWS, low_memory=False):
        for col in chunk.columns:
            kinds.setdefault(col, set()).add(_kind(chunk[col]))
    text = [c for c, k in kinds.items() if "text" in k or ("bool" in k and k != {"bool"})]
    floats = [c for c, k in kinds.items() if c not in text and "float" in k]
    partial = target.with_suffix(f".{os.getpid()}.part")
    writer = None
    try:
        for chunk in pd.read_csv(path, chunksize=CSV_CHUNK_ROWS, low_memory=False, dtype={c: "str" for c in text}):
            chunk = chunk.astype({c: "float64" for c in floats})
            table = pa.Table.from_pandas(chunk, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(partial, table.schema)
            writer.write_table(table.cast(writer.schema))
        if writer is None:  # a header and no rows
            pq.write_table(pa.Table.from_pandas(pd.read_csv(path), preserve_index=False), partial)
    finally:
        if writer is not None:
            writer.close()
    partial.replace(target)
    return target


def _kind(col: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(col):
        return "bool"
    if pd.api.types.is_integer_dtype(col):
        return "int"
    if pd.api.types.is_float_dtype(col):
        return "float"
    return "text"


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (names the cached copy; the report's provenance lists it)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()
