"""Writing tables for people to open: CSV and XLSX that are safe to open and disclose nothing.

Every table the workbook hands over goes through `write_table`, so three promises hold
in one place:
- no shown value rests on fewer cases than the analysis allows, and a withheld cell
  shows no count or population either (`lnob_helpers.privacy`);
- no text cell is run as a spreadsheet formula. Following OWASP's advice on CSV
  injection, a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
  return is written with a leading apostrophe in CSV; in XLSX it is stored as a text
  cell, which spreadsheets never evaluate;
- the file is replaced atomically, so a reader sees the old or the new table, never half.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .config import Suppression
from .errors import InputError, LnobError
from .privacy import assert_no_small_cells, withhold_counts
from .yamlstore import atomic_write_bytes

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SPREADSHEET_TIMEOUT = 600  # seconds for `write_table_apart`; the sample's Step 1 table takes about 3
CSV_ESCAPE = "'"


def formula_safe_text(value: object) -> object:
    """`value` with a leading apostrophe when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return CSV_ESCAPE + value
    return value


def unescape_text(value: object) -> object:
    """Undo `formula_safe_text` when a file the workbook wrote is read back."""
    if isinstance(value, str) and len(value) > 1 and value[0] == CSV_ESCAPE and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns
            if pd.api.types.is_string_dtype(frame[c]) or pd.api.types.is_object_dtype(frame[c])
            or isinstance(frame[c].dtype, pd.CategoricalDtype)]


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells (and headers) cannot start a formula in a spreadsheet (CSV)."""
    out = frame.copy()
    for col in _text_columns(out):
        out[col] = out[col].astype(object).map(formula_safe_text)
    out.columns = [formula_safe_text(str(c)) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV of `frame` with formula-safe text cells.

    Lines end in CRLF (RFC 4180), so a text cell holding a line break is quoted.
    """
    return formula_safe(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook, one sheet per table; every text cell is stored as text, never a formula."""
    from openpyxl import Workbook  # only report and export paths pay for openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)

    def cell(sheet, value: object):
        if isinstance(value, str):
            if not value.startswith("="):
                return value
            text = WriteOnlyCell(sheet, value=value)
            text.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
            return text
        if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
            return None
        return value.item() if hasattr(value, "item") else value

    for name, frame in sheets.items():
        sheet = book.create_sheet(_sheet_title(name))
        sheet.append([cell(sheet, str(c)) for c in frame.columns])
        for row in frame.astype(object).itertuples(index=False, name=None):
            sheet.append([cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(name: str) -> str:
    cleaned = "".join("_" if ch in '[]:*?/\\' else ch for ch in name).strip("'") or "table"
    return cleaned[:31]


def write_table(frame: pd.DataFrame, path: str | os.PathLike, suppression: Suppression | None = None,
                sheet: str = "data") -> Path:
    """Write an aggregate table as `.csv` or `.xlsx` (by suffix): checked, withheld, formula-safe, atomic.

    With `suppression`, the table is first checked to show no value from a small cell.
    """
    path = Path(path)
    if suppression is not None:
        assert_no_small_cells(frame, suppression)
    table = withhold_counts(frame)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return atomic_write_bytes(path, csv_bytes(table))
    if suffix == ".xlsx":
        return atomic_write_bytes(path, xlsx_bytes({sheet: table}))
    raise InputError(f"{path.name}: cannot write a table as '{suffix}'; expected .csv or .xlsx.")


def write_table_apart(frame: pd.DataFrame, path: str | os.PathLike, suppression: Suppression | None = None,
                      sheet: str = "data", timeout: float = SPREADSHEET_TIMEOUT) -> Path:
    """`write_table` in a Python process of its own, waited for.

    A spreadsheet takes seconds of pure-Python work; done in a thread of an app's kernel it
    would hold the interpreter lock and slow every reaction of the page meanwhile. The table is
    handed over as a file beside the output, so nothing but two paths crosses to the child.
    """
    path = Path(path)
    if suppression is not None:
        assert_no_small_cells(frame, suppression)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".apart-") as handover:
        table = Path(handover) / "table.pkl"
        frame.to_pickle(table)
        try:
            done = subprocess.run([sys.executable, "-m", __name__, str(table), str(path), sheet],
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise LnobError(f"{path.name}: not written within {timeout:.0f} s; the CSV beside it holds the same "
                            "table.") from None
    if done.returncode != 0:
        raise LnobError(f"{path.name}: could not be written (the process writing it stopped with code "
                        f"{done.returncode}); the CSV beside it holds the same table.")
    return path


def write_tables(frames: Mapping[str, pd.DataFrame], folder: str | os.PathLike,
                 suppression: Suppression | None = None) -> list[Path]:
    """`write_table` for each `file name -> table` of a step result, into `folder`."""
    return [write_table(frame, Path(folder) / name, suppression) for name, frame in frames.items()]


if __name__ == "__main__":  # the child of `write_table_apart`: TABLE.pkl OUT.xlsx SHEET
    os.nice(10)  # a background chore: the app's kernel and browser come first on a small machine
    write_table(pd.read_pickle(sys.argv[1]), sys.argv[2], sheet=sys.argv[3])
