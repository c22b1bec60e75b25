"""Which figures of two partners describe the same group: matched by SDMX codes, never by labels.

Partners name the same group differently ("Female", "FEMALE"; circumstance ids `sex`, `gender`),
so labels and group ids cannot be compared. Each figure is instead keyed by its year, its
indicator id, its country and its codes along the SDG dimensions (see `sdmx_csv`), the key the
SDMX-CSV of a package carries. The workbook's own LNOB_BREAKDOWN codes of a crossed group are
put in one order, so "Region x Ethnicity" and "Ethnicity x Region" are the same group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .sdmx_csv import BREAKDOWN, GROUP_DIMENSIONS, TOTAL, coded_observations

SDG_DIMENSIONS = tuple(d for d in GROUP_DIMENSIONS if d != BREAKDOWN)
GROUP_CODES = ("REF_AREA", *GROUP_DIMENSIONS)
KEY = ("year", "indicator_id", *GROUP_CODES)
# the columns of `keyed_figures`, before the codes
FIGURE_COLUMNS = ("year", "indicator_id", "indicator", "dimension", "subgroup", "dimension_id", "factors",
                  "estimate", "ci_lb", "ci_ub", "n", "flag", "scale")
NATIONAL = "National"


def keyed_figures(table: pd.DataFrame) -> pd.DataFrame:
    """A package's figures (HEAT Plus columns and the extras) with the key they are matched on.

    Columns: FIGURE_COLUMNS, then REF_AREA and the group's SDMX codes (SEX, AGE, URBANISATION,
    INCOME_WEALTH_QUANTILE, DISABILITY_STATUS, LNOB_BREAKDOWN), then `conditions`, the number of
    circumstances defining the group (0 for the whole population). One row per key.
    """
    columns = [*FIGURE_COLUMNS, *GROUP_CODES, "conditions"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    coded = coded_observations(table)
    out = pd.DataFrame({
        "year": table["date"].astype("int64").to_numpy(),
        "indicator_id": table["indicator_abbr"].astype("str").to_numpy(),
        "indicator": table["indicator_name"].astype("str").to_numpy(),
        "dimension": table["dimension"].astype("str").to_numpy(),
        "subgroup": table["subgroup"].astype("str").to_numpy(),
        "dimension_id": table["dimension_id"].astype("str").to_numpy(),
        "factors": table["factors"].fillna("").astype("str").to_numpy(),
        "estimate": table["estimate"].to_numpy(dtype=float),
        "ci_lb": table["ci_lb"].to_numpy(dtype=float),
        "ci_ub": table["ci_ub"].to_numpy(dtype=float),
        "n": table["n"].to_numpy(dtype=float),
        "flag": table["flag"].astype("str").to_numpy(),
        "scale": table["indicator_scale"].to_numpy(dtype=float),
    })
    for code in GROUP_CODES:
        out[code] = coded[code].astype("str").to_numpy()
    parts = [[] if b == TOTAL else sorted(b.split("-")) for b in out[BREAKDOWN]]
    out[BREAKDOWN] = ["-".join(p) or TOTAL for p in parts]
    sdg = (out[list(SDG_DIMENSIONS)] != TOTAL).sum(axis=1).to_numpy()
    out["conditions"] = sdg + np.array([len(p) for p in parts], dtype=int)
    return out.drop_duplicates(list(KEY)).reset_index(drop=True)[columns]


def group_text(dimension: str, subgroup: str) -> str:
    """"Sex: Female", "Region × Sex: Capital, Female"; "National" for the whole population."""
    if dimension == NATIONAL and subgroup == NATIONAL:
        return NATIONAL
    return f"{dimension}: {subgroup}"


def joined(names: list[str], last: str = "and") -> str:
    """'A', 'A and B', 'A, B and C' (or 'A, B or C'): names as a sentence lists them."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {last} {names[-1]}" if names else ""
