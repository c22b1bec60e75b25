"""What a package's aggregates may hold: Step 1's published figures, and nothing a person could be found in.

On the way out, the figures are Step 1's disaggregation tables as the analysis wrote them
(`outputs/step1/disaggregation_<year>.csv`), so after complementary suppression and with every
withheld count already blank. A shared row is one with an estimate; every other row is withheld
and goes to a separate log that names the cell and why, with no number at all. HEAT Plus needs
an estimate in every row and ordered subgroups numbered 1..k, so an ordered dimension with a
withheld subgroup is shared unordered: its figures stay, and no one compares its ends across
the gap (Step 4 leaves such a dimension out of its summary measures for the same reason).

On the way in, the same rules are checked on whatever arrives: only the HEAT Plus columns and
the workbook's own extra columns, known flags, an unweighted count behind every figure and none
below the small-cell threshold, and nothing that looks like a row per person.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..disaggregate import EXTRA_COLUMNS
from ..errors import InputError, LnobError
from ..exports import unescape_text
from ..heat_format import GROUP_KEYS, TEMPLATE_COLUMNS, check_heat_table, spreadsheet_rows
from ..privacy import FLAG_CAUTION, FLAG_NO_VARIATION, FLAG_OK, FLAG_SUPPRESSED

STEP1_TABLE = re.compile(r"disaggregation_(\d{4})\.csv")
SHARED_COLUMNS = (*TEMPLATE_COLUMNS, *EXTRA_COLUMNS)
WITHHELD_COLUMNS = ("date", "indicator_abbr", "dimension", "subgroup", "dimension_id", "group_id", "reason")
SHOWN_FLAGS = (FLAG_OK, FLAG_CAUTION, FLAG_NO_VARIATION)
UNORDERED_NOTE = "Shared without its order: a subgroup of this dimension is withheld."
WITHHELD_REASON = "Withheld: too few cases to publish, or none."
# Column names that belong to a row per person: identifiers, names, contacts and survey design.
PERSON_COLUMN = re.compile(
    r"(^|_)(id|uid|uuid|pid|hhid|caseid|case|line|lineno|person|respondent|member|name|phone|email|"
    r"address|dob|birth_?date|gps|lat|lon|latitude|longitude)($|_)|"
    r"^(weight|wt|wgt|psu|cluster|strata|stratum|hh\d*|hv\d+|v\d+)$", re.IGNORECASE)


def step1_tables(outputs: Path) -> list[Path]:
    """Step 1's disaggregation tables under `outputs/step1`, oldest round first."""
    found = sorted((int(m[1]), p) for p in (outputs / "step1").glob("disaggregation_*.csv")
                   if (m := STEP1_TABLE.fullmatch(p.name)))
    if not found:
        raise LnobError(f"{outputs / 'step1'}: no disaggregation_<year>.csv; run Step 1 (or `lnob tables "
                        f"{outputs.parent}`) first, so there are aggregates to share.")
    return [p for _, p in found]


def read_written(data: str | os.PathLike | bytes, source: str) -> pd.DataFrame:
    """A CSV the workbook wrote, every cell as text, formula-safe text read back as it was typed."""
    try:
        raw = pd.read_csv(io.BytesIO(data) if isinstance(data, bytes) else data, dtype=str,
                          keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, ValueError, OSError) as err:
        raise InputError(f"{source}: could not be read as a CSV table ({err}).") from None
    raw.columns = [unescape_text(str(c).strip()) for c in raw.columns]
    return raw.map(unescape_text)


def shared_aggregates(paths: list[Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The figures to share (HEAT Plus columns and the extras, checked and typed) and the log of
    withheld cells, from Step 1's written tables."""
    raw = pd.concat([read_written(p, str(p)) for p in paths], ignore_index=True)
    missing = [c for c in SHARED_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(f"{paths[0]}: column(s) {', '.join(missing)} missing; run Step 1 again with this "
                         "version of the workbook.")
    raw = raw[list(SHARED_COLUMNS)]
    withheld = raw["estimate"].str.strip() == ""
    in_set = [raw[k] for k in GROUP_KEYS]
    log = raw.loc[withheld, list(WITHHELD_COLUMNS[:-1])].assign(
        reason=raw.loc[withheld, "note"].where(raw.loc[withheld, "note"] != "", WITHHELD_REASON))
    spoiled = (raw["ordered_dimension"] == "1") & withheld.groupby(in_set).transform("any") & ~withheld
    raw.loc[spoiled, ["ordered_dimension", "subgroup_order"]] = "0"
    raw.loc[spoiled, "note"] = (raw.loc[spoiled, "note"] + " " + UNORDERED_NOTE).str.strip()
    shown = check_heat_table(raw[~withheld], source=", ".join(str(p) for p in paths))
    return shown, log.reset_index(drop=True)


def column_problems(columns: list[str], source: str) -> list[str]:
    """Columns a package's HEAT Plus file may not have: anything but the template and the extras,
    said plainly when it looks like a row per person."""
    problems = []
    missing = [c for c in EXTRA_COLUMNS if c not in columns]
    if missing:
        problems.append(f"{source}: column(s) {', '.join(missing)} missing; a package's figures carry the "
                        f"workbook's columns {', '.join(EXTRA_COLUMNS)} after the HEAT Plus template.")
    for column in columns:
        if column in SHARED_COLUMNS:
            continue
        if PERSON_COLUMN.search(column):
            problems.append(f"{source}: column {column!r} identifies people or their survey design; this looks "
                            "like microdata, and a package holds aggregates only.")
        else:
            problems.append(f"{source}: unexpected column {column!r}; a package holds the HEAT Plus template "
                            f"columns and {', '.join(EXTRA_COLUMNS)} only.")
    return problems


def figure_problems(table: pd.DataFrame, min_n: int, source: str) -> list[str]:
    """Small cells, unknown flags and rows per person in a checked HEAT Plus table of a package."""
    problems = []
    n = pd.to_numeric(table["n"], errors="coerce")
    if len(table) > 1 and (n <= 1).all():
        problems.append(f"{source}: every row rests on at most one person (column n); this looks like "
                        "microdata, and a package holds aggregates only.")
    blank = n.isna()
    if blank.any():
        problems.append(f"{source}: {spreadsheet_rows(blank)}, column n: empty; every figure shared needs the "
                        "unweighted count it rests on.")
    small = n < min_n
    if small.any():
        problems.append(f"{source}: {spreadsheet_rows(small)}, column n: a figure rests on fewer than {min_n} "
                        "unweighted cases; such cells must be withheld, not shared.")
    flag = table["flag"].astype("str")
    suppressed = flag == FLAG_SUPPRESSED
    if suppressed.any():
        problems.append(f"{source}: {spreadsheet_rows(suppressed)}, column flag: a figure flagged "
                        f"'{FLAG_SUPPRESSED}' is shown; withheld cells must stay withheld.")
    unknown = ~flag.isin(SHOWN_FLAGS) & ~suppressed
    if unknown.any():
        shown = ", ".join(repr(v) for v in list(dict.fromkeys(flag[unknown]))[:3])
        problems.append(f"{source}: {spreadsheet_rows(unknown)}, column flag: unknown flag {shown}; expected "
                        f"one of {', '.join(SHOWN_FLAGS)}.")
    return problems


def withheld_problems(log: pd.DataFrame, shown: pd.DataFrame | None, source: str) -> list[str]:
    """The log of withheld cells names cells only: its columns exactly, and no cell also shown."""
    if list(log.columns) != list(WITHHELD_COLUMNS):
        return [f"{source}: columns {', '.join(map(str, log.columns))}; expected exactly "
                f"{', '.join(WITHHELD_COLUMNS)}, which name a withheld cell and hold no number."]
    if shown is None or log.empty:
        return []
    keys = ["date", "indicator_abbr", "group_id"]
    shown_keys = set(zip(shown["date"].astype("str"), shown["indicator_abbr"].astype("str"),
                         shown["group_id"].astype("str")))
    both = np.array([k in shown_keys for k in zip(*(log[k].astype("str") for k in keys))], dtype=bool)
    if both.any():
        return [f"{source}: {spreadsheet_rows(pd.Series(both))}: a cell listed as withheld is also shown in the "
                "figures; a withheld cell must stay withheld."]
    return []
