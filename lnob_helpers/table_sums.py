"""Disaggregation tables from a stream of chunks, within a ceiling on working memory.

The engine's estimates need, per table cell and PSU, the sum of weights and the weighted sum
of the indicator, and per cell the unweighted count. Those sums add up over any split of
the rows, so each chunk adds its rows to them and nothing else is kept. The ratio, the PSU
totals of the linearised variable, their variance (`survey.PsuLayout`) and everything after
(`survey.stacked_estimates`) are then computed once, from the sums, exactly as the
in-memory engine computes them from the rows.

Each row of a chunk goes to one slot (cell, PSU, value): rows with a missing circumstance,
a missing value, a zero weight or outside the universe go to a slot that is then dropped,
so no row is ever selected or copied. The memory ceiling (`config.memory_mb`) sets how
many rows a chunk has and, when the sums of every indicator would not fit beside it, how
many indicators share one pass over the file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .config import Analysis, DataFile, Indicator, Round
from .errors import InputError
from .streaming import MB, Chunk, FileStream, Layout
from .survey import Estimates, domain_codes, stacked_estimates

# What a chunk's row costs the sums beyond reading it (bytes): per circumstance its code, per
# indicator its slots and whether it counts (`streaming.FileStream.rows_within` adds the rest).
CIRCUMSTANCE_BYTES, INDICATOR_BYTES = 2, 20


@dataclass
class TableSums:
    """The sums of one indicator over some of its tables; `add` a chunk at a time, then `totals`.

    Per table cell and unit (`streaming.Layout`: a PSU, or a stratum when rows are PSUs) and per
    value (0/1 of a proportion; one slot for a mean): the sum of weights, and for a mean the
    weighted sum of values. When rows are PSUs the sums of squared weights (times values) are
    kept too, from which the PSU totals' spread within each stratum follows without a total per row.
    """

    indicator: Indicator
    tables: list[tuple[str, ...]]
    layout: Layout
    source: str

    def __post_init__(self):
        self.kind = self.indicator.kind
        self.slots = 2 if self.kind == "proportion" else 1
        self.moments = self.layout.rows_are_psus
        self.n_units = self.layout.n_units
        self.cells = [math.prod(len(self.layout.categories[c].categories) for c in t) for t in self.tables]
        self.position = {t: i for i, t in enumerate(self.tables)}
        # The overall value is the margin of any other table (its missing-circumstance cell included),
        # so it costs no pass of its own.
        self.margin = next((i for i, t in enumerate(self.tables) if t), None)
        if () in self.position and self.margin is not None:
            del self.position[()]
        size = [(c + 1) * (self.n_units + 1) * self.slots if t in self.position else 0
                for c, t in zip(self.cells, self.tables)]
        # sums of w, and: w*y (mean); w^2 (rows as PSUs); w^2*y and w^2*y^2 (both)
        names = ["w"] + (["wy"] if self.kind == "mean" else []) + (["ww"] if self.moments else []) \
            + (["wwy", "wwyy"] if self.moments and self.kind == "mean" else [])
        self.sums = {name: [np.zeros(n) for n in size] for name in names}
        self.counts = [np.zeros(c + 1, dtype=np.int64) for c in self.cells]
        self.centre: float | None = None  # a mean's sums are of (y - centre), so they do not cancel
        self._row_values: dict[str, np.ndarray] = {}

    @staticmethod
    def bytes_needed(cells: Sequence[int], layout: Layout, kind: str) -> int:
        slots = 2 if kind == "proportion" else 1
        arrays = (2 if kind == "mean" else 1) * (1 if layout.psu is not None else 2 if kind == "proportion" else 2.5)
        return int(sum((c + 1) * (layout.n_units + 1) * slots * 8 for c in cells) * arrays)

    def base(self, chunk: Chunk) -> tuple[np.ndarray, np.ndarray]:
        """Each row's slot within its cell (unit and value), and whether the row has a value."""
        y = chunk.values.pop(self.indicator.id)  # read once: the slots replace it
        if self.kind == "proportion":  # 0, 1, or 2 for missing
            observed = y != 2
            base = chunk.unit_times(2) + y
            base[~observed] = self.n_units * 2
            self._row_values = {"w": chunk.weights}
            if self.moments:
                self._row_values["ww"] = chunk.squared_weights
            return base, observed
        observed = ~np.isnan(y)
        if self.centre is None:
            seen = observed & (chunk.unit < self.n_units)
            self.centre = float(np.average(y[seen], weights=chunk.weights[seen])) if seen.any() else 0.0
        wy = chunk.weights * np.where(observed, y - self.centre, 0.0)
        self._row_values = {"w": chunk.weights, "wy": wy}
        if self.moments:
            self._row_values.update(ww=chunk.squared_weights, wwy=chunk.weights * wy, wwyy=wy * wy)
        return np.where(observed, chunk.unit, self.n_units), observed

    def add(self, t: int, index: np.ndarray) -> None:
        """Add a chunk's rows to table t; `index` is each row's slot (from `base` and its cell).
        Counts are added by `_add_counts`, for all indicators of a pass at once."""
        for name, sums in self.sums.items():
            np.add.at(sums[t], index, self._row_values[name])

    def totals(self) -> dict[str, np.ndarray]:
        """Estimate, variance, n and population of every cell, table after table."""
        parts = [self._table(t) for t in range(len(self.tables))]
        return {k: np.concatenate([p[k] for p in parts]) for k in ("estimate", "var", "n", "population")}

    def _per_cell(self, t: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Table t's sums as cell x unit x slot arrays (the dropped cell and unit left out), and n."""
        U, slots = self.n_units, self.slots
        if self.tables[t] == () and self.margin is not None:
            m = self.margin
            shape = (self.cells[m] + 1, U + 1, slots)
            sums = {k: v[m].reshape(shape).sum(axis=0, keepdims=True)[:, :U] for k, v in self.sums.items()}
            return sums, np.array([self.counts[m].sum()], dtype=float)
        shape = (self.cells[t] + 1, U + 1, slots)
        sums = {k: v[t].reshape(shape)[:self.cells[t], :U] for k, v in self.sums.items()}
        return sums, self.counts[t][:self.cells[t]].astype(float)

    def _table(self, t: int) -> dict[str, np.ndarray]:
        sums, n = self._per_cell(t)
        if self.kind == "proportion":  # y is 0 or 1: the sums with y are those of slot 1
            w_unit, y_unit = sums["w"].sum(axis=2), sums["w"][:, :, 1]
            squares = (sums["ww"].sum(axis=2), sums["ww"][:, :, 1], sums["ww"][:, :, 1]) if self.moments else None
            centre = 0.0
        else:
            w_unit, y_unit = sums["w"][:, :, 0], sums["wy"][:, :, 0]
            squares = tuple(sums[k][:, :, 0] for k in ("ww", "wwy", "wwyy")) if self.moments else None
            centre = self.centre or 0.0
        W, Y = w_unit.sum(axis=1), y_unit.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            shifted = Y / W                      # the ratio, less the centre
            # totals of the linearised variable w (y - R) / W, by unit
            T = (y_unit - shifted[:, None] * w_unit) / W[:, None]
            if squares is None:
                var = self.layout.psu.variance(T.T)
            else:
                ww, wwy, wwyy = squares
                T2 = (wwyy - 2 * shifted[:, None] * wwy + shifted[:, None] ** 2 * ww) / (W ** 2)[:, None]
                var = _rows_as_psus_variance(T, T2, self.layout)
            var = np.where(W > 0, var, np.nan)
        return {"estimate": shifted + centre, "var": var, "n": n, "population": W}


def _rows_as_psus_variance(T: np.ndarray, T2: np.ndarray, layout: Layout) -> np.ndarray:
    """The variance when each row is a PSU, from each stratum's sum (`T`, cell x stratum) and sum of
    squares (`T2`) of the rows' totals: what `survey.PsuLayout.variance` computes PSU by PSU."""
    n_h = layout.stratum_rows.astype(float)
    lonely = n_h == 1
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(lonely, 0.0, n_h / (n_h - 1))
        var = ((T2 - T * T / n_h) * scale).sum(axis=1)
    if lonely.any() and layout.lonely_psu == "adjust":  # centred at the mean of all PSU totals
        mean = T.sum(axis=1, keepdims=True) / n_h.sum()
        var = var + (T2 - 2 * mean * T + mean * mean)[:, lonely].sum(axis=1)
    return var


def cells_of(tables: Sequence[tuple[str, ...]], layout: Layout) -> dict[tuple[str, ...], pd.DataFrame]:
    """The labelled cells of each table, in the order of the cell codes the sums use."""
    empty = pd.DataFrame({c: pd.Categorical([], dtype=dtype) for c, dtype in layout.categories.items()})
    return {t: domain_codes(empty, list(t))[1] if t else pd.DataFrame(index=[0]) for t in tables}


def _cell(chunk: Chunk, table: tuple[str, ...], layout: Layout) -> np.ndarray:
    """Each row's cell of `table` (one past the last cell when a circumstance is missing)."""
    cell = np.zeros(chunk.n_rows, dtype=np.int64)
    missing = np.zeros(chunk.n_rows, dtype=bool)
    size = 1
    for c in table:
        k = len(layout.categories[c].categories)
        codes = chunk.codes[c]
        missing |= codes < 0
        cell = cell * k + codes
        size *= k
    cell[missing] = size
    return cell


def _add_chunk(chunk: Chunk, sums: Sequence[TableSums], tables: Sequence[tuple[str, ...]], layout: Layout) -> None:
    """Add one chunk to the sums of every indicator of a pass, table by table."""
    bases, observed = zip(*(s.base(chunk) for s in sums))
    patterns = _patterns(observed, chunk.unit < layout.n_units)
    index = np.empty(chunk.n_rows, dtype=np.int64)
    scaled = np.empty(chunk.n_rows, dtype=np.int64)
    for table in tables:
        if not any(table in s.position for s in sums):
            continue  # the overall value: a margin of the others
        cell = _cell(chunk, table, layout)
        for slots in sorted({s.slots for s in sums}):
            np.multiply(cell, (layout.n_units + 1) * slots, out=scaled)
            for s, base in zip(sums, bases):
                if s.slots == slots and table in s.position:
                    np.add(scaled, base, out=index)
                    s.add(s.position[table], index)
        _add_counts(cell, table, patterns, sums)


def _patterns(observed: Sequence[np.ndarray], counted: np.ndarray,
              width: int = 16) -> list[tuple[range, np.ndarray, np.ndarray]]:
    """Rows' patterns of which indicators they count for (`observed` and `counted`), `width`
    indicators at a time.

    Each pattern is numbered among those present (`pid` per row), with its bits (pattern x
    indicator), so one count per table cell and pattern gives every indicator's counts.
    """
    out = []
    for start in range(0, len(observed), width):
        members = range(start, min(start + width, len(observed)))
        pattern = np.zeros(len(observed[0]), dtype=np.int32)
        for bit, k in enumerate(members):
            pattern |= observed[k].astype(np.int32) << bit
        pattern[~counted] = 0
        present = np.flatnonzero(np.bincount(pattern, minlength=1 << len(members)))
        lookup = np.zeros(1 << len(members), dtype=np.int64)
        lookup[present] = np.arange(len(present))
        bits = ((present[:, None] >> np.arange(len(members))) & 1).astype(np.int64)
        out.append((members, np.take(lookup, pattern), bits))
    return out


def _add_counts(cell: np.ndarray, table: tuple[str, ...], patterns, sums: Sequence[TableSums]) -> None:
    """Add each indicator's unweighted count per cell of `table` (rows it counts for)."""
    holders = [s for s in sums if table in s.position]
    if not holders:
        return
    size = holders[0].cells[holders[0].position[table]] + 1
    for members, pid, bits in patterns:
        n_patterns = len(bits)
        per_pattern = np.bincount(cell * n_patterns + pid, minlength=size * n_patterns).reshape(size, n_patterns)
        counts = per_pattern @ bits
        for col, k in enumerate(members):
            s = sums[k]
            if table in s.position:
                s.counts[s.position[table]] += counts[:, col]


@dataclass
class Plan:
    """How a file is read within the memory ceiling: per pass, which tables of which indicators
    are summed, and how many rows a chunk has."""

    passes: list[list[tuple[Indicator, list[tuple[str, ...]]]]]
    rows: list[int]


def plan(stream: FileStream, layout: Layout, tables: dict[str, list[tuple[str, ...]]], memory_mb: int) -> Plan:
    """Pack each indicator's tables into passes whose sums fit in half the ceiling (an indicator's
    tables may take several passes), and size each pass's chunks to the rest."""
    half = memory_mb * MB // 2

    def need(ind: Indicator, some: Sequence[tuple[str, ...]]) -> int:
        cells = [math.prod(len(layout.categories[c].categories) for c in t) for t in some if t]
        return TableSums.bytes_needed(cells, layout, ind.kind)

    units: list[tuple[Indicator, list[tuple[str, ...]]]] = []
    for ind in stream.indicators:
        unit: list[tuple[str, ...]] = []
        for table in tables[ind.id]:
            if need(ind, [table]) > half:
                raise InputError(
                    f"{stream.source_label}: the table of indicator '{ind.id}' by {' x '.join(table)} needs "
                    f"{need(ind, [table]) / MB:,.0f} MB of sums ({layout.n_units:,} PSUs), more than half the "
                    f"memory ceiling of {memory_mb} MB; raise it with --memory-mb.")
            if any(unit) and need(ind, [*unit, table]) > half:
                units.append((ind, unit))
                unit = []
            unit.append(table)
        units.append((ind, unit))
    passes: list[list[tuple[Indicator, list[tuple[str, ...]]]]] = [[]]
    used = 0
    for ind, unit in units:
        if passes[-1] and used + need(ind, unit) > half:
            passes.append([])
            used = 0
        passes[-1].append((ind, unit))
        used += need(ind, unit)
    rows = []
    for group in passes:
        indicators = list(dict.fromkeys(ind.id for ind, _ in group))
        columns = _pass_columns(stream, [stream.analysis.indicator(i) for i in indicators])
        per_row = CIRCUMSTANCE_BYTES * len(stream.circumstances) + INDICATOR_BYTES * len(indicators)
        rows.append(stream.rows_within(columns, sum(need(ind, unit) for ind, unit in group), per_row))
    return Plan(passes, rows)


def _pass_columns(stream: FileStream, group: Sequence[Indicator]) -> list[str]:
    rules = [stream.circumstance_rule(c) for c in stream.circumstances] + [stream.indicator_rule(i) for i in group]
    return stream.columns(rules, stream.design_columns())


def stream_tables(analysis: Analysis, rnd: Round, key: str, spec: DataFile, tables: dict[str, list[tuple[str, ...]]],
                  memory_mb: int) -> dict[str, Estimates]:
    """Stacked estimates of each indicator of file `key` over its `tables`, the file read in chunks."""
    stream = FileStream(analysis, key, spec, memory_mb, source_label=f"{spec.path} (round {rnd.year})")
    layout = stream.layout(analysis.estimation.lonely_psu)
    the_plan = plan(stream, layout, tables, memory_mb)
    parts: dict[str, list[dict[str, np.ndarray]]] = {ind.id: [] for ind in stream.indicators}
    for group, rows in zip(the_plan.passes, the_plan.rows):
        sums = [TableSums(ind, unit, layout, stream.source_label) for ind, unit in group]
        all_tables = list(dict.fromkeys(t for s in sums for t in s.tables))
        indicators = list({s.indicator.id: s.indicator for s in sums}.values())
        for chunk in stream.chunks(layout, indicators, rows):
            _add_chunk(chunk, sums, all_tables, layout)
        for s in sums:
            parts[s.indicator.id].append(s.totals())
    cells = cells_of(list(dict.fromkeys(t for ts in tables.values() for t in ts)), layout)
    out: dict[str, Estimates] = {}
    for ind in stream.indicators:
        totals = {k: np.concatenate([p[k] for p in parts[ind.id]]) for k in ("estimate", "var", "n", "population")}
        out[ind.id] = stacked_estimates(totals, [cells[t] for t in tables[ind.id]], ind.kind, analysis.estimation,
                                        layout.df)
    return out
