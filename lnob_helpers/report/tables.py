"""The full tables behind a report, as one workbook attached beside it (`tables.xlsx`).

The printed report shows readable extracts; people who want every row get the tables the steps
wrote, one sheet each, with a contents sheet saying where each came from.
"""

from __future__ import annotations

from pathlib import Path

from ..yamlstore import atomic_write_bytes

TABLES_FILE = "tables.xlsx"
SHEET_NAME_MAX = 31  # Excel's limit


def sheet_name(step: int, stem: str) -> str:
    """The sheet of `outputs/step<step>/<stem>.csv` in the workbook (before any clash is numbered)."""
    return f"{step} {stem}"[:SHEET_NAME_MAX]


def step_tables(folder: Path) -> list[tuple[int, Path]]:
    """The tables the steps wrote, (step, path) in step order: what the workbook gathers."""
    outputs = Path(folder) / "outputs"
    return [(step, path) for step in range(1, 6) for path in sorted((outputs / f"step{step}").glob("*.csv"))]


def tables_workbook(folder: Path, out_dir: Path | None = None) -> Path | None:
    """One XLSX sheet per table the steps wrote (`outputs/step*/*.csv`), plus a contents sheet.

    Written to `out_dir` (default `<folder>/outputs/report/`). The tables were checked for small
    cells when the steps wrote them; the workbook only gathers them, with text stored as text.
    None when no step has written a table yet.
    """
    import pandas as pd  # the app's start page imports this module: only a finished build pays for pandas

    from ..exports import unescape_text, xlsx_bytes

    outputs = Path(folder) / "outputs"
    sheets = {}
    contents = []
    for step, path in step_tables(folder):
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
        frame.columns = [unescape_text(c) for c in frame.columns]
        for col in frame.columns:
            if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
                frame[col] = frame[col].astype(object).map(unescape_text)
        title = _unique(sheet_name(step, path.stem), sheets)
        sheets[title] = frame
        contents.append({"sheet": title, "step": step, "file": f"outputs/step{step}/{path.name}"})
    if not sheets:
        return None
    book = {"contents": pd.DataFrame(contents), **sheets}
    target = Path(out_dir) if out_dir is not None else outputs / "report"
    target.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(target / TABLES_FILE, xlsx_bytes(book))


def _unique(title: str, taken: dict) -> str:
    n = 2
    while title in taken or title == "contents":
        suffix = f" ({n})"
        title = title[:SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    return title
