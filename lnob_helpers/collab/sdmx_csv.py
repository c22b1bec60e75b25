"""The package's aggregates as SDMX-CSV, coded along the dimensions of the SDG global database.

Partners and statistical offices load SDG data by the global database's dimensions: SEX, AGE,
URBANISATION, INCOME_WEALTH_QUANTILE, DISABILITY_STATUS and so on, with `_T` for "no breakdown".
This module codes each disaggregated figure of the workbook along those dimensions and writes
the rows as SDMX-CSV 2.0 with the `sdmx1` library, which reads them back on import.

The coding is declared here and nowhere else:
- a circumstance goes to an SDG dimension when its category labels (any case) all belong to one
  of `CATEGORY_CODES`, or are all age bands ("15-24" -> Y15T24, "65+" -> Y_GE65). Quintiles and
  Bottom 40% / Top 60% must match their whole set, so tertiles labelled Poorest / Middle /
  Richest are never taken for quintiles;
- two circumstances that would give the same codes in one dimension (sex and sex of the
  household head) are both left out of it rather than guessed between;
- every other circumstance (region, ethnicity, displacement, ...) goes to the workbook's extra
  dimension LNOB_BREAKDOWN, coded CIRCUMSTANCE_CATEGORY in capitals (ETHNICITY_TAMAR), several
  joined by "-"; the HEAT Plus file beside it carries the readable labels of the same rows.

REF_AREA holds the ISO 3166 alpha-3 code of analysis.yaml and SERIES the analysis's indicator id:
the workbook knows neither the M49 area code nor the SDG series code of an indicator. The
quantile codes (Q1-Q5, B40, T60) are the workbook's own in the SDG pattern; check them against
the current SDG code lists before sending the file to the SDG database.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
import sdmx
from sdmx.format.csv.common import Attributes
from sdmx.format.csv.v2 import FormatOptions
from sdmx.model import common, v21

from ..exports import csv_bytes
from ..groups import GROUP_SEPARATOR, WHOLE_POPULATION, split_group_id
from ..heat_format import spreadsheet_rows
from ..privacy import FLAG_CAUTION, FLAG_NO_VARIATION, FLAG_OK

AGENCY, FLOW_ID, FLOW_VERSION = "LNOB", "LNOB_DISAGG", "1.0"
FLOW_URN = f"{AGENCY}:{FLOW_ID}({FLOW_VERSION})"
TOTAL = "_T"
BREAKDOWN = "LNOB_BREAKDOWN"
DIMENSIONS = ("SERIES", "REF_AREA", "SEX", "AGE", "URBANISATION", "INCOME_WEALTH_QUANTILE", "DISABILITY_STATUS",
              BREAKDOWN, "TIME_PERIOD")
GROUP_DIMENSIONS = DIMENSIONS[2:-1]  # the ones a group is coded on; the others come from its row
MEASURE = "OBS_VALUE"
BOUNDS = ("LOWER_BOUND", "UPPER_BOUND")
ATTRIBUTES = ("UNIT_MEASURE", *BOUNDS, "OBS_FLAG")
FIXED = {"STRUCTURE": "dataflow", "STRUCTURE_ID": FLOW_URN, "ACTION": "I"}
COLUMNS = (*FIXED, *DIMENSIONS, MEASURE, *ATTRIBUTES)
# (dimension, category label in lower case -> code, whole set required)
CATEGORY_CODES: tuple[tuple[str, dict[str, str], bool], ...] = (
    ("SEX", {"female": "F", "male": "M"}, False),
    ("URBANISATION", {"urban": "U", "rural": "R"}, False),
    ("DISABILITY_STATUS", {"with disability": "PD", "without disability": "PWD"}, False),
    ("INCOME_WEALTH_QUANTILE", {"poorest": "Q1", "second": "Q2", "middle": "Q3", "fourth": "Q4", "richest": "Q5"},
     True),
    ("INCOME_WEALTH_QUANTILE", {"bottom 40%": "B40", "top 60%": "T60"}, True),
)
FLAG_CODES = {FLAG_OK: "OK", FLAG_CAUTION: "CAUTION", FLAG_NO_VARIATION: "NO_VARIATION"}
_AGE_BAND = re.compile(r"^(\d{1,3})\s*[-\u2013]\s*(\d{1,3})$")
_AGE_OVER = re.compile(r"^(\d{1,3})\s*(?:\+|and over|and older)$")
_CODE_LISTS = {dim: {TOTAL, *(code for d, codes, _ in CATEGORY_CODES if d == dim for code in codes.values())}
               for dim, _, _ in CATEGORY_CODES}
_CODE_PATTERNS = {
    "SERIES": (r"[A-Za-z][A-Za-z0-9_]*", "an indicator id of letters, digits and _"),
    "REF_AREA": (r"[A-Z]{3}", "an ISO 3166 alpha-3 code such as KEN"),
    "AGE": (r"_T|Y\d{1,3}T\d{1,3}|Y_GE\d{1,3}", "an age code such as Y15T24, Y_GE65 or _T"),
    BREAKDOWN: (r"_T|[A-Z][A-Z0-9_]*(?:-[A-Z][A-Z0-9_]*)*", "capitals, digits and _ joined by -, or _T"),
    "TIME_PERIOD": (r"\d{4}", "a year such as 2024"),
    "UNIT_MEASURE": (r"PERCENT|NUMBER|PER_\d+", "PERCENT, NUMBER or PER_ and a number"),
}
_SLUG_LENGTH = 40


# --- coding -------------------------------------------------------------------------------

def coded_observations(table: pd.DataFrame) -> pd.DataFrame:
    """The SDMX key, value and attributes of each row of a package's HEAT Plus table, in its order.

    Depends on the table alone (group_id, dimension_id and the HEAT columns), so import recodes
    the HEAT Plus file and checks that the SDMX-CSV beside it says the same.
    """
    conditions = [_conditions(str(g), str(d)) for g, d in zip(table["group_id"], table["dimension_id"])]
    seen: dict[str, dict[str, None]] = {}  # circumstance -> its categories, in order of appearance
    for conds in conditions:
        for cid, category in conds:
            seen.setdefault(cid, {})[category] = None
    categories = {cid: list(cats) for cid, cats in seen.items()}
    sdg = sdg_codes(categories)
    extra = {cid: breakdown_codes(cid, cats) for cid, cats in categories.items()}
    keys = []
    for conds in conditions:
        key = dict.fromkeys(GROUP_DIMENSIONS, TOTAL)
        others = []
        for cid, category in conds:
            dim, codes = sdg.get(cid, (None, {}))
            if dim is not None and key[dim] == TOTAL:
                key[dim] = codes[category]
            else:
                others.append(extra[cid][category])
        key[BREAKDOWN] = "-".join(others) or TOTAL
        keys.append(key)
    scale = table["indicator_scale"].to_numpy(dtype=float)
    out = pd.DataFrame(keys, columns=list(GROUP_DIMENSIONS), index=table.index)
    out.insert(0, "REF_AREA", table["iso3"].astype("str"))
    out.insert(0, "SERIES", table["indicator_abbr"].astype("str"))
    out["TIME_PERIOD"] = table["date"].astype("str")
    out[MEASURE] = table["estimate"].to_numpy(dtype=float)
    out["UNIT_MEASURE"] = np.where(scale == 100, "PERCENT",
                                   np.where(scale == 1, "NUMBER", [f"PER_{s:g}" for s in scale]))
    out["LOWER_BOUND"] = table["ci_lb"].to_numpy(dtype=float)
    out["UPPER_BOUND"] = table["ci_ub"].to_numpy(dtype=float)
    out["OBS_FLAG"] = table["flag"].map(FLAG_CODES).fillna(table["flag"].astype("str"))
    return out.reset_index(drop=True)


def _conditions(group_id: str, dimension_id: str) -> list[tuple[str, str]]:
    """(circumstance, category) pairs of a group; a group id that does not split into its
    dimension's circumstances is kept whole, as one condition on the dimension."""
    if group_id in ("national", WHOLE_POPULATION):
        return []
    parts = split_group_id(group_id)
    if list(parts) == dimension_id.split(GROUP_SEPARATOR):
        return list(parts.items())
    return [(dimension_id, group_id)]


def sdg_codes(categories: dict[str, list[str]]) -> dict[str, tuple[str, dict[str, str]]]:
    """circumstance -> (SDG dimension, category -> code) for the circumstances that fit one.

    Two circumstances giving overlapping codes in one dimension are both left out."""
    fitted = {cid: fit for cid, cats in categories.items() if (fit := _fit(cats)) is not None}
    clash = set()
    for a, (dim_a, codes_a) in fitted.items():
        for b, (dim_b, codes_b) in fitted.items():
            if a < b and dim_a == dim_b and set(codes_a.values()) & set(codes_b.values()):
                clash |= {a, b}
    return {cid: fit for cid, fit in fitted.items() if cid not in clash}


def _fit(categories: list[str]) -> tuple[str, dict[str, str]] | None:
    folded = {c: c.strip().casefold() for c in categories}
    for dim, codes, whole in CATEGORY_CODES:
        names = set(folded.values())
        if (names == set(codes)) if whole else (names <= set(codes)):
            return dim, {c: codes[f] for c, f in folded.items()}
    ages = {c: _age_code(f) for c, f in folded.items()}
    if all(ages.values()):
        return "AGE", ages
    return None


def _age_code(label: str) -> str | None:
    if m := _AGE_BAND.match(label):
        return f"Y{int(m[1])}T{int(m[2])}"
    if m := _AGE_OVER.match(label):
        return f"Y_GE{int(m[1])}"
    return None


def breakdown_codes(circumstance: str, categories: Iterable[str]) -> dict[str, str]:
    """category -> LNOB_BREAKDOWN code (CIRCUMSTANCE_CATEGORY); numbered when two would clash."""
    cats = list(categories)
    head = _slug(circumstance)
    codes = {c: f"{head}_{_slug(c)}" for c in cats}
    if len(set(codes.values())) < len(codes):
        codes = {c: f"{head}_{k}" for k, c in enumerate(sorted(cats), start=1)}
    return codes


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")[:_SLUG_LENGTH].strip("_") or "X"
    return slug if slug[0].isalpha() else f"X{slug}"


# --- writing and reading ------------------------------------------------------------------

def sdmx_structure():
    """The workbook's data structure and dataflow in sdmx1's information model."""
    agency = common.Agency(id=AGENCY)
    dsd = v21.DataStructureDefinition(id=FLOW_ID, maintainer=agency, version=FLOW_VERSION)
    for dim in DIMENSIONS:
        dsd.dimensions.getdefault(id=dim)
    dsd.measures.getdefault(id=MEASURE)
    for attribute in ATTRIBUTES:
        dsd.attributes.getdefault(id=attribute)
    return dsd, v21.DataflowDefinition(id=FLOW_ID, maintainer=agency, version=FLOW_VERSION, structure=dsd)


def sdmx_csv_bytes(observations: pd.DataFrame) -> bytes:
    """SDMX-CSV 2.0 of `coded_observations`, laid out by sdmx1 and written formula-safe."""
    dsd, flow = sdmx_structure()
    dataset = v21.DataSet(described_by=flow, structured_by=dsd)
    attributes = {a: dsd.attributes.get(a) for a in ATTRIBUTES}
    rows = observations.astype(object).to_dict("records")
    dataset.add_obs([
        v21.Observation(
            dimension=dsd.make_key(common.Key, {d: row[d] for d in DIMENSIONS}),
            value=repr(float(row[MEASURE])),
            attached_attribute={a: common.AttributeValue(value=_attribute_text(row[a]), value_for=attributes[a])
                                for a in ATTRIBUTES if not _missing(row[a])})
        for row in rows])
    frame = sdmx.to_csv(dataset, rtype=pd.DataFrame, format_options=FormatOptions(),
                        attributes=Attributes.observation)
    frame = frame.reindex(columns=list(COLUMNS))
    for column in (MEASURE, *BOUNDS):
        frame[column] = pd.to_numeric(frame[column])
    return csv_bytes(frame)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _attribute_text(value: object) -> str:
    return repr(float(value)) if isinstance(value, (float, np.floating)) else str(value)


def read_sdmx_csv(data: bytes, source: str) -> tuple[pd.DataFrame, list[str]]:
    """The observations of a package's SDMX-CSV, read with sdmx1, and one sentence per problem.

    Checks the columns, the fixed columns' values, every code against the dimension's code list
    or pattern, the numbers, and that no key appears twice.
    """
    try:
        raw = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, ValueError) as err:
        return pd.DataFrame(), [f"{source}: could not be read as CSV ({err})."]
    missing = [c for c in COLUMNS if c not in raw.columns]
    extra = [str(c) for c in raw.columns if c not in COLUMNS]
    if missing or extra:
        return pd.DataFrame(), [f"{source}: " + "; ".join(
            ([f"column(s) {', '.join(missing)} missing"] if missing else [])
            + ([f"unexpected column(s) {', '.join(extra)}"] if extra else []))
            + f"; expected the SDMX-CSV columns {', '.join(COLUMNS)}."]
    problems = _code_problems(raw, source)
    observations = raw[list(DIMENSIONS)].copy()
    for column in (MEASURE, *BOUNDS):
        numbers = pd.to_numeric(raw[column].where(raw[column] != ""), errors="coerce")
        bad = numbers.isna() & ((raw[column] != "") | (column == MEASURE))
        if bad.any():
            problems.append(f"{source}: {spreadsheet_rows(bad)}, column {column}: not a number; expected a number"
                            + (" in every row." if column == MEASURE else " or nothing."))
        observations[column] = numbers
    for attribute in ("UNIT_MEASURE", "OBS_FLAG"):
        observations[attribute] = raw[attribute]
    repeated = raw.duplicated(list(DIMENSIONS), keep=False)
    if repeated.any():
        problems.append(f"{source}: {spreadsheet_rows(repeated)}: the same key (every dimension alike) appears "
                        "more than once; expected one observation per key.")
    if not problems:
        problems += _sdmx1_problems(data, len(raw), source)
    return observations, problems


def _code_problems(raw: pd.DataFrame, source: str) -> list[str]:
    problems = []
    for column, value in FIXED.items():
        bad = raw[column] != value
        if bad.any():
            problems.append(f"{source}: {spreadsheet_rows(bad)}, column {column}: expected '{value}'.")
    for column in (*DIMENSIONS, "UNIT_MEASURE", "OBS_FLAG"):
        if column in _CODE_LISTS or column == "OBS_FLAG":
            allowed = sorted(_CODE_LISTS.get(column, set(FLAG_CODES.values())))
            bad = ~raw[column].isin(allowed)
            expected = f"one of {', '.join(allowed)}"
        else:
            pattern, expected = _CODE_PATTERNS[column]
            bad = ~raw[column].str.fullmatch(pattern)
        if bad.any():
            shown = ", ".join(repr(_clip(v)) for v in list(dict.fromkeys(raw.loc[bad, column]))[:3])
            problems.append(f"{source}: {spreadsheet_rows(bad)}, column {column}: unknown code {shown}; "
                            f"expected {expected}.")
    return problems


def _clip(text: str, limit: int = 40) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[:limit] + "..."


def _sdmx1_problems(data: bytes, rows: int, source: str) -> list[str]:
    """sdmx1 must read the file as SDMX-CSV of the workbook's dataflow, every row an observation."""
    _, flow = sdmx_structure()
    try:
        message = sdmx.read_sdmx(io.BytesIO(data), format="csv", structure=flow)
    except (ValueError, KeyError, IndexError, TypeError) as err:
        return [f"{source}: sdmx1 could not read it as SDMX-CSV ({err})."]
    read = sum(len(ds.obs) for ds in message.data)
    if read != rows:
        return [f"{source}: sdmx1 read {read} observations from {rows} rows; expected one per row."]
    return []


def disagreements(expected: pd.DataFrame, found: pd.DataFrame, source: str, heat_source: str) -> list[str]:
    """Sentences for observations of the SDMX-CSV that the HEAT Plus rows do not give, and back."""
    keys = list(DIMENSIONS)
    both = expected.merge(found, on=keys, how="outer", suffixes=("_heat", "_sdmx"), indicator=True)
    problems = []
    for side, where, other in (("right_only", source, heat_source), ("left_only", heat_source, source)):
        rows = both[both["_merge"] == side]
        if len(rows):
            first = ", ".join(f"{k}={_clip(str(rows.iloc[0][k]))}" for k in keys)
            problems.append(f"{where}: {len(rows)} figure(s) have no match in {other} (first: {first}); "
                            "expected the two files to hold the same figures.")
    matched = both[both["_merge"] == "both"]
    differ = np.zeros(len(matched), dtype=bool)
    for column in (MEASURE, *BOUNDS):
        a, b = matched[f"{column}_heat"].to_numpy(float), matched[f"{column}_sdmx"].to_numpy(float)
        differ |= ~(np.isclose(a, b, rtol=1e-9, atol=0) | (np.isnan(a) & np.isnan(b)))
    for column in ("UNIT_MEASURE", "OBS_FLAG"):
        differ |= matched[f"{column}_heat"].to_numpy() != matched[f"{column}_sdmx"].to_numpy()
    if differ.any():
        first = ", ".join(f"{k}={_clip(str(matched.iloc[int(np.argmax(differ))][k]))}" for k in keys)
        problems.append(f"{source}: {int(differ.sum())} figure(s) differ from {heat_source} in value, bounds, unit "
                        f"or flag (first: {first}); expected the two files to hold the same figures.")
    return problems
