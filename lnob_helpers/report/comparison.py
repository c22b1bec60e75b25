"""One table that compares the countries of a batch on the indicators they share.

Each country's Step 4 writes its disaggregation in the columns of WHO's HEAT Plus template, one
file per round (`outputs/step4/heat_plus_<year>.csv`), with every withheld cell already left out
(see `measure.step4.heat_export_table`). The comparison stacks the latest of those files for each
country, keeps the indicator ids that every country defines, and adds a `country` column: a HEAT
Plus upload with one setting per country, which shows nothing the countries' own files do not.
Rows that rest on too few cases under a country's own rule are refused, never shown.

Written as `comparison.csv` and `comparison.xlsx` (formula-safe, atomic) into `--out`, or, without
`--out`, into the folder that holds the analysis folders (their nearest common parent).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..config import load_analysis
from ..errors import LnobError
from ..exports import write_tables
from ..heat_format import TEMPLATE_COLUMNS, read_heat_template
from ..measure.step4 import OUTPUT_FOLDER
from ..privacy import FLAG_SUPPRESSED, assert_no_small_cells

COMPARISON_FILES = ("comparison.csv", "comparison.xlsx")
COLUMNS = ("country", *TEMPLATE_COLUMNS, "n", "flag")
_HEAT_FILE = re.compile(r"heat_plus_(\d{4})\.csv")


@dataclass(frozen=True)
class Comparison:
    table: pd.DataFrame                 # COLUMNS, one block of rows per country
    countries: tuple[str, ...]          # country names, in the batch's order
    indicators: tuple[str, ...]         # the indicator ids every country defines

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def write(self, folder: str | Path) -> list[Path]:
        """comparison.csv and comparison.xlsx in `folder`."""
        Path(folder).mkdir(parents=True, exist_ok=True)
        return write_tables({name: self.table for name in COMPARISON_FILES}, folder)


def latest_heat_file(outputs: Path) -> Path:
    """The HEAT Plus file of the latest round Step 4 wrote under `outputs`."""
    found = sorted((int(m.group(1)), p) for p in (outputs / OUTPUT_FOLDER).glob("heat_plus_*.csv")
                   if (m := _HEAT_FILE.fullmatch(p.name)))
    if not found:
        raise LnobError(f"{outputs / OUTPUT_FOLDER}: no heat_plus_<year>.csv; build this analysis's report first.")
    return found[-1][1]


def compare_countries(folders: Sequence[str | Path]) -> Comparison:
    """The latest round of each analysis in `folders`, on the indicator ids they all define."""
    analyses = [load_analysis(f) for f in folders]
    ids = [i.id for i in analyses[0].indicators] if analyses else []
    shared = tuple(i for i in ids if all(i in {j.id for j in a.indicators} for a in analyses[1:]))
    frames = []
    for a in analyses:
        heat = read_heat_template(latest_heat_file(a.outputs))
        rows = heat[heat["indicator_abbr"].isin(shared)]
        if "flag" in rows.columns:
            rows = rows[rows["flag"] != FLAG_SUPPRESSED]
        assert_no_small_cells(rows, a.settings.suppression)  # under the country's own rule
        frames.append(rows.assign(country=a.country.name).reindex(columns=list(COLUMNS)))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(COLUMNS))
    return Comparison(table, tuple(a.country.name for a in analyses), shared)


def comparison_folder(folders: Sequence[str | Path], out: str | Path | None = None) -> Path:
    """`out` when given, else the nearest folder that holds every analysis folder."""
    if out is not None:
        return Path(out).resolve()
    return Path(os.path.commonpath([Path(f).resolve().parent for f in folders]))


def batch_comparison(folders: Sequence[str | Path], out: str | Path | None = None) -> str | None:
    """Write the comparison of a batch's built analyses; one sentence saying what was written, or
    why not. None when fewer than two analyses were built (nothing to compare)."""
    if len(folders) < 2:
        return None
    try:
        comparison = compare_countries(folders)
        if not comparison.indicators:
            return "no comparison table: the countries share no indicator id."
        paths = comparison.write(comparison_folder(folders, out))
    except (LnobError, OSError) as e:
        return f"no comparison table: {e}"
    return (f"comparison of {len(comparison.countries)} countries on {len(comparison.indicators)} shared "
            f"indicator(s): {', '.join(str(p) for p in paths)}")
