"""Disaggregation: every indicator by every circumstance and two-way intersection.

Step 1 builds its tables with it and Step 4 its table per round, so it sits in the core layer.

The result is one tidy table in the columns of WHO's HEAT Plus upload template, plus
`n`, `flag` and stable group ids, so the same file feeds the workbook's later steps,
HEAT Plus, and partners in a data collaborative. It holds aggregates only.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .config import Analysis, Circumstance, Round, Suppression
from .config import memory_mb as configured_memory_mb
from .errors import InputError
from .exports import write_table, write_table_apart
from .groups import GROUP_SEPARATOR, group_name
from .heat_format import TEMPLATE_COLUMNS
from .privacy import (FLAG_CAUTION, FLAG_NO_VARIATION, FLAG_OK, FLAG_SUPPRESSED, assert_no_small_cells,
                      complementary_suppression)
from .rounds import RoundData
from .survey import TABLE_COLUMN, estimate, estimate_domains, estimate_tables
from .table_sums import stream_tables

EXTRA_COLUMNS = ["n", "flag", "share", "dimension_id", "group_id", "factors"]
NOTES = {
    FLAG_SUPPRESSED: "Suppressed: fewer than {min_n} unweighted cases.",
    FLAG_CAUTION: "Interpret with caution: fewer than {caution_n} unweighted cases.",
}
NO_VARIATION_NOTE = "No variation in the sample: the interval cannot be computed."
NO_VARIATION_SE = 1e-12  # relative to the estimate (at least 1): below it an SE is rounding, not variation
COMPLEMENTARY_NOTE = "Withheld so that a suppressed group beside it cannot be worked out from the total."
WITHHELD_VALUES = ("estimate", "se", "ci_lb", "ci_ub")


def group_id(circumstances: Sequence[str], categories: Sequence[str]) -> str:
    """Stable id of a group, e.g. 'area=Rural & ethnicity=Tamar' (used by later steps)."""
    return GROUP_SEPARATOR.join(f"{c}={v}" for c, v in zip(circumstances, categories))


def disaggregate(
    data: RoundData,
    indicators: Sequence[str] | None = None,
    circumstances: Sequence[str] | None = None,
    depth: int = 2,
) -> pd.DataFrame:
    """Estimates for each indicator, nationally and by every combination of up to `depth` circumstances
    (see `_tables`)."""
    a = data.analysis
    ind_ids = list(indicators or [i.id for i in a.indicators])
    tables = _tables(a, circumstances, depth)
    parts = []
    for ind_id in ind_ids:
        ind = a.indicator(ind_id)
        fd = data.for_indicator(ind_id)
        held = [t for t in tables if len(fd.held(t)) == len(t)]
        stacked = estimate_tables(fd.design, ind_id, held, kind=ind.kind, settings=a.estimation).to_frame()
        parts.append(_heat_rows(stacked, held, data, ind, float(stacked["estimate"].iloc[0])))
    return _protected(parts, a)


def disaggregate_streamed(analysis: Analysis, year: int | None = None, depth: int = 2,
                          memory_mb: int | None = None) -> pd.DataFrame:
    """`disaggregate` of a round read file by file in chunks, for files too large to load.

    The same table, to floating-point rounding: the sums behind every estimate add up over
    chunks (`lnob_helpers.table_sums`). `memory_mb` caps the working memory (default: the
    `LNOB_MEMORY_MB` setting).
    """
    rnd = _round(analysis, year)
    data = RoundData(analysis, rnd, {})
    tables = _tables(analysis, None, depth)
    memory = memory_mb or configured_memory_mb()
    results = {}
    used = {ind.file for ind in analysis.indicators}
    for key, spec in rnd.files.items():
        if key not in used:
            continue
        held_ids = {c.id for c in analysis.circumstances_for(key)}
        held = [t for t in tables if set(t) <= held_ids]
        ids = [i.id for i in analysis.indicators if i.file == key]
        results.update(stream_tables(analysis, rnd, key, spec, {i: held for i in ids}, memory))
    parts = []
    for ind in analysis.indicators:
        held_ids = {c.id for c in analysis.circumstances_for(ind.file)}
        held = [t for t in tables if set(t) <= held_ids]
        stacked = results[ind.id].to_frame()
        parts.append(_heat_rows(stacked, held, data, ind, float(stacked["estimate"].iloc[0])))
    return _protected(parts, analysis)


def _tables(a: Analysis, circumstances: Sequence[str] | None, depth: int) -> list[tuple[str, ...]]:
    """The overall table and every combination of up to `depth` circumstances.

    A circumstance derived from another's column (bottom40 from the wealth quintile) is never
    crossed with it: "Poorest, Bottom 40%" is just the poorest.
    """
    circ_ids = list(circumstances or [c.id for c in a.circumstances])
    sources = {c: set(a.circumstance(c).source_columns) for c in circ_ids}
    combos = [combo for k in range(1, depth + 1) for combo in itertools.combinations(circ_ids, k)
              if all(sources[x].isdisjoint(sources[y]) for x, y in itertools.combinations(combo, 2))]
    return [(), *combos]


def _protected(parts: list[pd.DataFrame], a: Analysis) -> pd.DataFrame:
    out = protect_cells(pd.concat(parts, ignore_index=True))
    assert_no_small_cells(out, a.settings.suppression)
    return out


def protect_cells(table: pd.DataFrame) -> pd.DataFrame:
    """Complementary suppression over a disaggregation table (see `privacy.complementary_suppression`).

    The lines are read from the group ids: the groups of one dimension that share all but
    one condition add up to the group of those shared conditions (to the national value for
    a one-way table). Newly withheld groups get flag `suppressed` and a note saying why.
    """
    withheld = table["flag"].to_numpy() == FLAG_SUPPRESSED
    if not withheld.any():
        return table
    hidden = complementary_suppression(withheld, table["n"].to_numpy(dtype=float), _protection_lines(table))
    extra = hidden & ~withheld
    if not extra.any():
        return table
    out = table.copy()
    out.loc[extra, list(WITHHELD_VALUES)] = np.nan
    out.loc[extra, "flag"] = FLAG_SUPPRESSED
    out.loc[extra, "note"] = COMPLEMENTARY_NOTE
    return out


def _protection_lines(table: pd.DataFrame) -> list[tuple[np.ndarray, int]]:
    indicators = table["indicator_abbr"].to_numpy()
    group_ids = table["group_id"].to_numpy()
    row_of = {(i, g): r for r, (i, g) in enumerate(zip(indicators, group_ids))}
    members: dict[tuple[str, str, str], list[int]] = {}
    for r, (ind, gid, dim) in enumerate(zip(indicators, group_ids, table["dimension_id"].to_numpy())):
        if gid == "national":
            continue
        conditions = _conditions(gid, dim.split(GROUP_SEPARATOR))
        for j in range(len(conditions)):
            parent = GROUP_SEPARATOR.join(conditions[:j] + conditions[j + 1:]) or "national"
            members.setdefault((ind, dim, parent), []).append(r)
    return [(np.asarray(rows), row_of.get((ind, parent), -1)) for (ind, _, parent), rows in members.items()]


def _conditions(gid: str, circumstances: list[str]) -> list[str]:
    """`circumstance=category` parts of a group id, split at the known circumstance ids, each
    searched after the one before (category labels may themselves contain the separator)."""
    starts = [0]
    for c in circumstances[1:]:
        starts.append(gid.index(f"{GROUP_SEPARATOR}{c}=", starts[-1] + 1))
    ends = [*starts[1:], len(gid)]
    return [gid[s + (len(GROUP_SEPARATOR) if k else 0):e] for k, (s, e) in enumerate(zip(starts, ends))]


def disaggregate_groups(
    data: RoundData,
    groups: Sequence[Mapping[str, str]],
    indicators: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Estimates for chosen intersections (circumstance -> category), e.g. a tree's leaf groups.

    Each group is estimated as a survey domain, in the same HEAT Plus columns as
    `disaggregate`; circumstances are put in analysis.yaml's order so group ids match.
    Groups already covered by a full cross-classification can be given too; they are
    simply estimated again.
    """
    a = data.analysis
    order = [c.id for c in a.circumstances]
    ordered_groups = sorted({tuple(sorted(g.items(), key=lambda kv: order.index(kv[0]))) for g in groups if g})
    parts = []
    for ind_id in list(indicators or [i.id for i in a.indicators]) if ordered_groups else []:
        ind, fd, national = _national(data, ind_id)
        held = [pairs for pairs in ordered_groups if len(fd.held([c for c, _ in pairs])) == len(pairs)]
        if not held:
            continue
        combos = [tuple(c for c, _ in pairs) for pairs in held]
        masks = {i: _group_mask(fd.frame, pairs) for i, pairs in enumerate(held)}
        stacked = (estimate_domains(fd.design, ind_id, masks, kind=ind.kind, settings=a.estimation)
                   .to_frame().rename(columns={"domain": TABLE_COLUMN}))
        for c in dict.fromkeys(c for combo in combos for c in combo):
            dtype = fd.frame[c].dtype
            stacked[c] = pd.Categorical([dict(pairs).get(c) for pairs in held],
                                        categories=dtype.categories, ordered=dtype.ordered)
        parts.append(_heat_rows(stacked, combos, data, ind, float(national["estimate"].iloc[0])))
    if not parts:
        return pd.DataFrame(columns=[*TEMPLATE_COLUMNS, *EXTRA_COLUMNS])
    out = pd.concat(parts, ignore_index=True)
    assert_no_small_cells(out, a.settings.suppression)
    return out


def _national(data: RoundData, ind_id: str):
    """The indicator, its file's data and design, and its national estimate (one-row table)."""
    ind = data.analysis.indicator(ind_id)
    fd = data.for_indicator(ind_id)
    return ind, fd, estimate(fd.design, ind_id, kind=ind.kind, settings=data.analysis.estimation).to_frame()


def _group_mask(frame: pd.DataFrame, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    for c, v in pairs:
        categories = list(frame[c].cat.categories)
        mask &= frame[c].cat.codes.to_numpy() == (categories.index(v) if v in categories else -2)
    return mask


def _heat_rows(stacked: pd.DataFrame, combos: Sequence[tuple[str, ...]], data: RoundData, ind,
               national: float) -> pd.DataFrame:
    """One indicator's stacked estimate tables as HEAT rows; table i is by the circumstances `combos[i]`."""
    a = data.analysis
    rule = a.settings.suppression
    scale = ind.scale if ind.type == "binary" else 1
    n_rows = len(stacked)
    sizes = np.bincount(stacked[TABLE_COLUMN].to_numpy(), minlength=len(combos))
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    # category names by code; the appended "" is what code -1 (no category) picks
    labels = {c: (np.asarray([*stacked[c].cat.categories.astype(str), ""], dtype=object),
                  stacked[c].cat.codes.to_numpy()) for c in dict.fromkeys(c for combo in combos for c in combo)}
    subgroup, gid = np.full(n_rows, "National", dtype=object), np.full(n_rows, "national", dtype=object)
    dimension, dimension_id = subgroup.copy(), gid.copy()
    factors = np.full(n_rows, "", dtype=object)
    order, ordered = np.zeros(n_rows, dtype=int), np.zeros(n_rows, dtype=int)
    for combo, start, k in zip(combos, starts, sizes):
        if not combo or not k:
            continue
        rows = slice(start, start + k)
        circs = [a.circumstance(c) for c in combo]
        names = [labels[c][0][labels[c][1][rows]] for c in combo]
        subgroup[rows] = [group_name(parts) for parts in zip(*names)]
        gid[rows] = [group_id(combo, parts) for parts in zip(*names)]
        is_ordered = len(circs) == 1 and circs[0].ordered
        if is_ordered:
            order[rows] = labels[combo[0]][1][rows] + 1
        ordered[rows] = int(is_ordered)
        dimension[rows] = " × ".join(c.label for c in circs)
        dimension_id[rows] = GROUP_SEPARATOR.join(combo)
        factors[rows] = [group_factors(circs, parts) for parts in zip(*names)]
    both = {c: stacked[c].to_numpy() for c in ("estimate", "se", "ci_lb", "ci_ub", "population", "n", "share",
                                                "flag")}
    flags, notes = _flags_and_notes(both, ind.type == "binary", rule)
    return pd.DataFrame({
        "setting": a.country.name,
        "date": data.year,
        "source": data.round.name,
        "indicator_abbr": ind.id,
        "indicator_name": ind.label,
        "dimension": dimension,
        "subgroup": subgroup,
        "estimate": both["estimate"] * scale,
        "se": both["se"] * scale,
        "ci_lb": both["ci_lb"] * scale,
        "ci_ub": both["ci_ub"] * scale,
        "population": both["population"],
        "note": notes,
        "setting_average": national * scale,
        "iso3": a.country.iso3,
        "favourable_indicator": int(ind.favourable),
        "indicator_scale": scale,
        "ordered_dimension": ordered,
        "subgroup_order": order,
        "reference_subgroup": 0,
        "n": both["n"],
        "flag": flags,
        "share": both["share"],
        "dimension_id": dimension_id,
        "group_id": gid,
        "factors": factors,
    })


def group_factors(circumstances: Sequence[Circumstance], categories: Sequence[str]) -> str:
    """The ";"-joined factors a group is disadvantaged on: each circumstance's factor, unless the
    group's category of it is one the circumstance marks `not_disadvantaged` (its reference)."""
    found = (c.factor_of(v) for c, v in zip(circumstances, categories))
    return ";".join(dict.fromkeys(f for f in found if f))


def _flags_and_notes(values: dict[str, np.ndarray], binary: bool,
                     rule: Suppression) -> tuple[np.ndarray, np.ndarray]:
    """The engine's flags, with `no variation` for a shown estimate at 0% or 100% or with se 0,
    and the note of each row.

    Such a cell's interval cannot be computed: the engine's collapses onto the estimate
    ([100, 100]), which the note says is no interval. A cell that is also few cases keeps
    `caution` and gets both notes.
    """
    flags = values["flag"].astype(object).copy()
    estimate, se = values["estimate"].astype(float), values["se"].astype(float)
    with np.errstate(invalid="ignore"):
        # an SE at rounding level (1e-15 of the estimate) is zero: summed in another order it is 0.0
        constant = (se <= NO_VARIATION_SE * np.maximum(np.abs(estimate), 1.0)) \
            | (binary & ((estimate <= 0) | (estimate >= 1)))
    constant &= flags != FLAG_SUPPRESSED
    texts = {f: text.format(min_n=rule.min_n, caution_n=rule.caution_n) for f, text in NOTES.items()}
    notes = pd.Series(flags).map(texts).fillna("").to_numpy(dtype=object)
    notes[constant] = [f"{NO_VARIATION_NOTE} {note}".strip() for note in notes[constant]]
    flags[constant & (flags == FLAG_OK)] = FLAG_NO_VARIATION
    return flags, notes


def write_disaggregation(analysis: Analysis, year: int | None = None, two_way: bool = True,
                         memory_mb: int | None = None) -> list[Path]:
    """Compute the Step 1 table for a round and save it as CSV and XLSX under outputs/step1/.

    The files are read in chunks (`disaggregate_streamed`), so census-size data stay under
    the memory ceiling.
    """
    table = disaggregate_streamed(analysis, year, depth=2 if two_way else 1, memory_mb=memory_mb)
    return save_disaggregation(table, analysis, _round(analysis, year).year)


def _round(analysis: Analysis, year: int | None) -> Round:
    try:
        return analysis.round(year)
    except KeyError:
        years = ", ".join(str(r.year) for r in analysis.rounds)
        raise InputError(f"analysis.yaml has no round {year}; the rounds are {years}.") from None


def save_disaggregation(table: pd.DataFrame, analysis: Analysis, year: int,
                        spreadsheet_apart: bool = False) -> list[Path]:
    """Write a disaggregation table as `outputs/step1/disaggregation_<year>.csv` and `.xlsx`.

    `spreadsheet_apart` writes the XLSX in a process of its own (`write_table_apart`), as an app does.
    """
    stem = analysis.outputs / "step1" / f"disaggregation_{year}"
    rule = analysis.settings.suppression
    spreadsheet = write_table_apart if spreadsheet_apart else write_table
    return [write_table(table, stem.with_suffix(".csv"), rule),
            spreadsheet(table, stem.with_suffix(".xlsx"), rule, sheet="HEAT Plus data")]
