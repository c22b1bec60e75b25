"""WHO HEAT Plus upload template: read, check and write disaggregated estimates.

The workbook stores every disaggregated table in the columns of the HEAT Plus
upload template, so a country team can send its aggregates to HEAT Plus and load
partners' aggregates back. Files are checked on the way in and on the way out;
a problem is reported with the file, the spreadsheet row (the header is row 1)
and the column. Input files are never modified; extra columns are kept.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .exports import csv_bytes, unescape_text, xlsx_bytes
from .yamlstore import atomic_write_bytes

TEMPLATE_COLUMNS = (
    "setting", "date", "source", "indicator_abbr", "indicator_name", "dimension", "subgroup",
    "estimate", "se", "ci_lb", "ci_ub", "population", "note", "setting_average", "iso3",
    "favourable_indicator", "indicator_scale", "ordered_dimension", "subgroup_order",
    "reference_subgroup",
)
MANDATORY_COLUMNS = (
    "setting", "date", "source", "indicator_abbr", "indicator_name", "dimension", "subgroup",
    "estimate", "population", "setting_average", "favourable_indicator", "indicator_scale",
    "ordered_dimension", "subgroup_order", "reference_subgroup",
)
NUMERIC_COLUMNS = (
    "estimate", "se", "ci_lb", "ci_ub", "population", "setting_average",
    "favourable_indicator", "indicator_scale", "ordered_dimension", "subgroup_order",
    "reference_subgroup",
)
FLAG_COLUMNS = ("favourable_indicator", "ordered_dimension", "reference_subgroup")
INTEGER_COLUMNS = FLAG_COLUMNS + ("subgroup_order",)
TEXT_COLUMNS = tuple(c for c in TEMPLATE_COLUMNS if c not in NUMERIC_COLUMNS and c != "date")
# One set of subgroups: the unit every summary measure is computed on.
GROUP_KEYS = ("setting", "date", "source", "indicator_abbr", "dimension")
INDICATOR_KEYS = ("setting", "date", "source", "indicator_abbr")
_MAX_ROWS_LISTED = 5
_MISSING_WORDS = ("na", "nan", "n/a")


def read_heat_template(path: str | os.PathLike) -> pd.DataFrame:
    """Read a HEAT Plus template (.csv or .xlsx), check it and return typed columns."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found.")
    kind = _kind(path)
    try:
        if kind == "csv":
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False,
                              encoding="utf-8-sig")
        else:
            raw = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
    except (UnicodeDecodeError, ValueError, OSError) as err:
        raise InputError(f"{path}: could not be read as a {kind.upper()} table ({err}).") from None
    raw.columns = [unescape_text(str(c).strip()) for c in raw.columns]
    raw = raw.map(unescape_text)  # text the workbook wrote formula-safe reads back as it was
    return check_heat_table(_without_trailing_empty_rows(raw), source=str(path))


def _without_trailing_empty_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """Spreadsheets often carry formatted but empty rows at the end; they are not data.
    Empty rows in the middle stay, so that row numbers in messages match the file."""
    filled = ~pd.DataFrame({c: _blank(raw[c]) for c in raw.columns}).all(axis=1)
    last = np.flatnonzero(filled.to_numpy())
    return raw.iloc[: last[-1] + 1 if len(last) else 0]


def write_heat_template(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Check `df` and write it atomically as .csv or .xlsx, template columns first."""
    path = Path(path)
    kind = _kind(path)
    table = check_heat_table(df, source=f"table for {path.name}")
    return atomic_write_bytes(path, csv_bytes(table) if kind == "csv" else xlsx_bytes({"data": table}))


def check_heat_table(df: pd.DataFrame, source: str = "table") -> pd.DataFrame:
    """Return a typed copy of `df` in template column order, or raise `InputError`.

    Checks: mandatory columns present and filled, numbers numeric, flags 0/1,
    subgroup_order 1..k on ordered dimensions, one reference subgroup at most,
    no repeated subgroup, flags consistent within an indicator or dimension.
    """
    missing = [c for c in MANDATORY_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(
            f"{source}: mandatory column(s) {', '.join(missing)} missing; "
            f"expected the HEAT Plus template columns {', '.join(TEMPLATE_COLUMNS)}."
        )
    table = df.reset_index(drop=True).copy()
    for column in TEMPLATE_COLUMNS:
        if column not in table.columns:
            table[column] = np.nan
    problems: list[str] = []
    blank = {c: _blank(table[c], numeric=c in NUMERIC_COLUMNS) for c in TEMPLATE_COLUMNS}
    for column in MANDATORY_COLUMNS:
        if column != "subgroup_order" and blank[column].any():
            problems.append(f"{source}: {spreadsheet_rows(blank[column])}, column {column}: empty; "
                            "expected a value in every row.")
    for column in NUMERIC_COLUMNS:
        numbers = pd.to_numeric(table[column].where(~blank[column]), errors="coerce")
        bad = numbers.isna() & ~blank[column]
        if bad.any():
            problems.append(f"{source}: {spreadsheet_rows(bad)}, column {column}: not a number; "
                            "expected a number.")
        table[column] = numbers.astype("float64")
    problems += _value_problems(table, source)
    problems += _order_filled(table, blank["subgroup_order"], source)
    for column in TEXT_COLUMNS:
        table[column] = table[column].astype("str").where(~blank[column]).str.strip()
    table["date"] = _as_year_if_possible(table["date"], blank["date"])
    if not problems:
        problems += _group_problems(table, source)
    if problems:
        raise InputError(problems)
    for column in INTEGER_COLUMNS:
        table[column] = table[column].astype("int64")
    extra = [c for c in table.columns if c not in TEMPLATE_COLUMNS]
    for column in extra:
        table[column] = _typed_extra(table[column])
    return table[list(TEMPLATE_COLUMNS) + extra]


def _order_filled(table: pd.DataFrame, blank: pd.Series, source: str) -> list[str]:
    """subgroup_order must be given on ordered dimensions; blank elsewhere means 0."""
    missing = blank & (table["ordered_dimension"] == 1)
    if missing.any():
        return [f"{source}: {spreadsheet_rows(missing)}, column subgroup_order: empty on an ordered "
                "dimension; expected the subgroups numbered 1, 2, ..., k (1 = most disadvantaged)."]
    table.loc[blank & (table["ordered_dimension"] == 0), "subgroup_order"] = 0.0
    return []


def _value_problems(table: pd.DataFrame, source: str) -> list[str]:
    problems = []
    for column in FLAG_COLUMNS:
        bad = table[column].notna() & ~table[column].isin([0, 1])
        if bad.any():
            problems.append(f"{source}: {spreadsheet_rows(bad)}, column {column}: must be 0 or 1.")
    order = table["subgroup_order"]
    bad = order.notna() & ((order % 1 != 0) | (order < 0))
    if bad.any():
        problems.append(f"{source}: {spreadsheet_rows(bad)}, column subgroup_order: not a whole number; "
                        "expected 1, 2, ... on ordered dimensions (0 on non-ordered ones).")
    for column, bad, expected in (
        ("population", table["population"] < 0, "zero or more"),
        ("se", table["se"] < 0, "zero or more"),
        ("indicator_scale", table["indicator_scale"] <= 0, "above zero (1, 100, 1000, ...)"),
    ):
        if bad.any():
            problems.append(f"{source}: {spreadsheet_rows(bad)}, column {column}: out of range; "
                            f"expected {expected}.")
    return problems


def _group_problems(table: pd.DataFrame, source: str) -> list[str]:
    """Checks across the rows of one set of subgroups (vectorised over all sets)."""
    problems = []
    keys = list(GROUP_KEYS)
    dup = table.duplicated(keys + ["subgroup"], keep=False)
    if dup.any():
        problems.append(f"{source}: {spreadsheet_rows(dup)}: the same subgroup appears more than once "
                        "for one setting, date, source, indicator and dimension; expected each subgroup once.")
    for column, by in (("ordered_dimension", keys), ("favourable_indicator", list(INDICATOR_KEYS)),
                       ("indicator_scale", list(INDICATOR_KEYS))):
        varies = table.groupby(by, sort=False, dropna=False)[column].transform("nunique") > 1
        if varies.any():
            scope = "dimension" if column == "ordered_dimension" else "indicator"
            problems.append(f"{source}: {spreadsheet_rows(varies)}, column {column}: differs between rows "
                            f"of one {scope}; expected one value per {scope}.")
    grouped = table.groupby(keys, sort=False, dropna=False)
    many_refs = grouped["reference_subgroup"].transform("sum") > 1
    if many_refs.any():
        marked = many_refs & (table["reference_subgroup"] == 1)
        problems.append(f"{source}: {spreadsheet_rows(marked)}, column reference_subgroup: more than one "
                        "reference subgroup in one dimension; expected at most one row marked 1.")
    order = grouped["subgroup_order"]
    is_one_to_k = (
        (order.transform("min") == 1)
        & (order.transform("max") == order.transform("size"))
        & (order.transform("nunique") == order.transform("size"))
    )
    bad_order = (table["ordered_dimension"] == 1) & ~is_one_to_k
    if bad_order.any():
        problems.append(f"{source}: {spreadsheet_rows(bad_order)}, column subgroup_order: on an ordered "
                        "dimension the subgroups must be numbered 1, 2, ..., k without gaps or repeats "
                        "(1 = most disadvantaged).")
    return problems


def _as_year_if_possible(date: pd.Series, blank: pd.Series) -> pd.Series:
    """HEAT dates are years; keep whole numbers as integers, anything else as text."""
    numbers = pd.to_numeric(date.where(~blank), errors="coerce")
    if numbers.notna().all() and (numbers % 1 == 0).all():
        return numbers.astype("int64")
    return date.astype("str").where(~blank)


def _typed_extra(column: pd.Series) -> pd.Series:
    """Extra columns (n, flag, ...) come back from a file as text; restore numbers."""
    if pd.api.types.is_bool_dtype(column):
        return column
    blank = _blank(column)
    numbers = pd.to_numeric(column.where(~blank), errors="coerce")
    if numbers[~blank].notna().all() and not blank.all():
        whole = not blank.any() and (numbers % 1 == 0).all()
        return numbers.astype("int64" if whole else "float64")
    return column.astype("str").where(~blank)


def _blank(column: pd.Series, numeric: bool = False) -> pd.Series:
    """Empty cells; in number columns also the usual spellings of "missing" (NA, NaN, N/A)."""
    text = column.astype("str").str.strip()
    empty = column.isna() | (text == "")
    return empty | text.str.lower().isin(_MISSING_WORDS) if numeric else empty


def spreadsheet_rows(mask: pd.Series) -> str:
    """"row 3" / "rows 3, 7 and 2 more": spreadsheet rows (header = row 1) flagged in `mask`."""
    numbers = (np.flatnonzero(mask.to_numpy()) + 2).tolist()
    shown = ", ".join(str(n) for n in numbers[:_MAX_ROWS_LISTED])
    more = len(numbers) - _MAX_ROWS_LISTED
    label = "row" if len(numbers) == 1 else "rows"
    return f"{label} {shown}" + (f" and {more} more" if more > 0 else "")


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    raise InputError(f"{path}: unknown file type '{suffix}'; expected .csv or .xlsx.")
