"""One data file of an analysis, read as a stream of chunks and turned into what estimation needs.

A census-size file is never held whole. Each chunk's columns are small integer codes
(`columnar.encode`); every row-wise rule of analysis.yaml (universe, computed columns,
circumstances, indicators with their populations and missing codes) is applied by the
functions of `derive` to the distinct combinations of the values it reads in that chunk,
then handed back to the rows by their combination's number. So a rule costs one pass over
integer codes, whatever the file's size, and gives what it gives on the whole file.

`FileStream.layout` reads the design columns (and the circumstances whose categories come
from the data) once: the PSUs stratum by stratum, the categories, and the same refusals as
`SurveyDesign.from_frame`. `FileStream.census` gathers, per rule, its distinct combinations
and how many rows have each, which is all `lnob validate` needs. `FileStream.chunks` gives
the engine (`lnob_helpers.table_sums`) each chunk's weights, PSUs, circumstance codes and
indicator values.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from .columnar import CACHE_FOLDER, Batch, encode, numbers, open_source
from .config import Analysis, Circumstance, DataFile, Indicator
from .data import Microdata, with_computed
from .derive import circumstance_values, indicator_values, population_mask
from .errors import InputError
from .survey import (PsuLayout, check_proportion, lonely_fail_message, missing_design_message, weight_faults,
                     weight_problem)

PRESENCE_LIMIT = 1 << 22  # combination keys up to this many are counted by bincount, beyond by hashing
MB = 1 << 20
# Rows per chunk: fewer cost more passes of Python, more gain nothing (numpy's passes over a
# chunk of 1M rows stay in the processor's cache better than over a larger one).
MIN_ROWS, MAX_ROWS = 16_384, 1_000_000
# What a chunk's row costs in bytes, measured on the census benchmark: its Arrow columns twice
# (read and decoded), 4 a column once encoded, and the engine's own arrays (weights, PSUs, slots).
ARROW_COPIES, CODE_BYTES, ROW_BYTES = 2, 4, 216
READER_GROUPS = 3  # row groups of the columns read that pyarrow's reader holds at once (measured)
CENSUS_RULE_BYTES = 12  # per rule and row while counting combinations (its number, and the like)


@dataclass(frozen=True)
class Rule:
    """A row-wise rule of analysis.yaml and the raw columns it reads (computed ones expanded)."""

    name: str
    columns: tuple[str, ...]
    computed: tuple[str, ...]  # the computed columns it needs, in the order analysis.yaml makes them


@dataclass
class Combinations:
    """The distinct combinations of a rule's columns present inside the universe, as data.

    Each row has a `key` in 0..space-1; `keys` are the keys present, in the order of `data`'s
    rows, and `counts` how many rows inside the universe have each.
    """

    data: Microdata
    key: np.ndarray
    keys: np.ndarray
    counts: np.ndarray
    space: int

    def row_sums(self, weights: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """The sum of `weights` over the rows of each combination (all rows, or those in `rows`)."""
        key = self.key if rows is None else self.key[rows]
        return np.bincount(key, weights=weights, minlength=self.space)[self.keys]


@dataclass
class Layout:
    """What a file's design and circumstances are, learnt in one pass over their columns.

    Chunks number each row's unit: its PSU, or its stratum when each row is its own PSU (no PSU
    column; a census has millions), for which the engine keeps sums of squares by stratum
    instead of a total per PSU. Number `n_units` marks rows that count for nothing.
    """

    psu: PsuLayout | None      # the PSUs; None when each row is its own PSU
    psu_of: dict               # (stratum value, PSU value) -> PSU number
    stratum_of: dict           # stratum value -> stratum number
    stratum_rows: np.ndarray   # rows as PSUs: PSUs (rows) per stratum
    df: int
    n_rows: int                # rows inside the universe
    categories: dict[str, pd.CategoricalDtype]
    lonely_psu: str

    @property
    def rows_are_psus(self) -> bool:
        return self.psu is None

    @property
    def n_units(self) -> int:
        return len(self.stratum_rows) if self.psu is None else self.psu.n_psu


@dataclass
class Chunk:
    """One chunk made ready for the engine. Rows inside the universe with a positive weight carry
    their unit (`Layout`); every other row has unit `n_units` (kept apart, never estimated)."""

    n_rows: int
    weights: np.ndarray
    unit: np.ndarray
    codes: dict[str, np.ndarray]     # circumstance id -> category code per row, -1 missing
    values: dict[str, np.ndarray]    # indicator id -> value per row (see `FileStream.chunks`)
    _scaled: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    def unit_times(self, slots: int) -> np.ndarray:
        """Each row's unit times the slots per unit (kept for the next indicator with as many)."""
        if slots not in self._scaled:
            self._scaled[slots] = self.unit * slots
        return self._scaled[slots]

    @functools.cached_property
    def squared_weights(self) -> np.ndarray:
        return self.weights * self.weights


class EncodedBatch:
    """A batch whose columns are encoded on first use, and its rules applied to distinct values."""

    def __init__(self, batch: Batch, stream: FileStream):
        self.batch, self.stream = batch, stream
        self._codes: dict[str, tuple[np.ndarray, pa.Array]] = {}
        self.inside: np.ndarray | None = None  # the universe; None: every row

    def encoded(self, column: str) -> tuple[np.ndarray, pa.Array]:
        if column not in self._codes:
            self._codes[column] = encode(self.batch.columns[column])
        return self._codes[column]

    def combinations(self, rule: Rule) -> Combinations:
        """`rule`'s columns for each distinct combination present inside the universe."""
        keyed = self._keyed(rule)
        return Combinations(self._data(rule, keyed, keyed.keys), keyed.key, keyed.keys, keyed.counts[keyed.keys],
                            keyed.space)

    def evaluated(self, rule: Rule, per_combination, fill, dtype) -> np.ndarray:
        """`per_combination(data)` (one value per distinct combination) handed to every row.

        Results are kept from chunk to chunk while the columns' values are coded alike (the
        same dictionaries), so a rule is applied again only when a chunk brings a combination
        not seen before, and then to every combination seen so far (as the whole file would be).
        """
        keyed = self._keyed(rule)
        signature = (keyed.space, tuple(values for _, values in keyed.encoded))
        cached = self.stream._results.get(rule.name)
        if cached is None or keyed.sparse or not _same(cached[0], signature):
            cached = (signature, np.full(keyed.space, fill, dtype=dtype), np.zeros(keyed.space, dtype=bool))
            self.stream._results[rule.name] = cached
        _, lut, done = cached
        if not done[keyed.keys].all():
            done[keyed.keys] = True
            wanted = np.flatnonzero(done)
            lut[wanted] = np.asarray(per_combination(self._data(rule, keyed, wanted)))
        return np.take(lut, keyed.key)

    def _keyed(self, rule: Rule) -> Keyed:
        encoded = [self.encoded(c) for c in rule.columns]
        codes = [c for c, _ in encoded]
        radices = [len(v) + 1 for _, v in encoded]
        if math.prod(radices) < 2**62:
            key = _joint_key(codes, radices)
            space = math.prod(radices)
            seen = None
            if space > max(PRESENCE_LIMIT, 4 * len(key)):  # sparse: number the keys seen instead
                key, seen = pd.factorize(key)
                space = len(seen)
            counts = np.bincount(key if self.inside is None else key[self.inside], minlength=space)
            return Keyed(encoded, key, space, np.flatnonzero(counts), counts, seen is not None,
                         lambda keys: _digits(keys if seen is None else seen[keys], radices))
        # more combinations than one integer can number: let pandas group the codes
        key = pd.DataFrame(dict(enumerate(codes))).groupby(list(range(len(codes))), sort=False).ngroup().to_numpy()
        space = int(key.max(initial=-1)) + 1
        counts = np.bincount(key if self.inside is None else key[self.inside], minlength=space)
        first = np.full(space, len(key))
        np.minimum.at(first, key, np.arange(len(key)))
        return Keyed(encoded, key, space, np.flatnonzero(counts), counts, True,
                     lambda keys: [c[first[keys]].astype(np.int64) + 1 for c in codes])

    def _data(self, rule: Rule, keyed: Keyed, keys: np.ndarray) -> Microdata:
        """The combinations `keys` as a small frame of the rule's columns (and its computed ones)."""
        columns = {}
        for (_, values), name, digit in zip(keyed.encoded, rule.columns, keyed.digits(keys)):
            index = pa.array(digit - 1, mask=digit == 0)
            if pa.types.is_dictionary(self.batch.columns[name].type):
                columns[name] = pa.DictionaryArray.from_arrays(index.cast(pa.int32()), values)
            else:
                columns[name] = values.take(index)
        frame = pa.table(columns).to_pandas() if columns else pd.DataFrame(index=range(len(keys)))
        md = Microdata(frame, self.batch.value_labels, self.stream.path)
        if rule.computed:
            md = with_computed(md, {name: self.stream.spec.computed[name] for name in rule.computed})
        return md


@dataclass
class Keyed:
    """Each row's combination number (`key`, in 0..space-1) and the numbers present inside the universe."""

    encoded: list[tuple[np.ndarray, pa.Array]]
    key: np.ndarray
    space: int
    keys: np.ndarray
    counts: np.ndarray  # rows inside the universe per number (all numbers)
    sparse: bool        # numbered for this chunk only
    digits: object      # keys -> each column's code + 1


def _same(a: tuple, b: tuple) -> bool:
    return a[0] == b[0] and len(a[1]) == len(b[1]) and all(x.equals(y) for x, y in zip(a[1], b[1]))


def _joint_key(codes: Sequence[np.ndarray], radices: Sequence[int]) -> np.ndarray:
    """One integer per row for its combination of codes (-1, missing, counts as a value)."""
    wide = np.int32 if math.prod(radices) < 2**31 else np.int64
    key = np.add(codes[0], 1, dtype=wide)
    stride = radices[0]
    for c, radix in zip(codes[1:], radices[1:]):
        key += np.multiply(np.add(c, 1, dtype=wide), stride, dtype=wide)
        stride *= radix
    return key


def _digits(keys: np.ndarray, radices: Sequence[int]) -> list[np.ndarray]:
    """Each column's code + 1 in combination `keys` (the inverse of `_joint_key`)."""
    out, rest = [], keys.astype(np.int64)
    for radix in radices:
        out.append(rest % radix)
        rest = rest // radix
    return out


# --- the file -----------------------------------------------------------------------------------

@dataclass
class FileStream:
    """One data file of an analysis, read in chunks that keep within `memory_mb` of working memory."""

    analysis: Analysis
    key: str
    spec: DataFile
    memory_mb: int
    source_label: str = ""
    path: object = field(init=False)

    def __post_init__(self):
        self.path = self.analysis.data_path(self.spec)
        self.source = open_source(self.path, self.spec.format, self.analysis.outputs / CACHE_FOLDER)
        self.source_label = self.source_label or self.spec.path
        self.circumstances: list[Circumstance] = self.analysis.circumstances_for(self.key)
        self.indicators: list[Indicator] = [i for i in self.analysis.indicators if i.file == self.key]
        self.universe = self.rule("universe", [c.column for c in self.spec.universe])
        self._results: dict[str, tuple] = {}  # rule -> (values coded, result per combination, done)

    def rule(self, name: str, columns: Sequence[str]) -> Rule:
        """The rule `name` reading `columns`, computed columns replaced by what they are made of."""
        computed = self.spec.computed
        raw, needed = [], set()

        def add(col: str) -> None:
            if col in computed:
                if col not in needed:
                    needed.add(col)
                    for c in computed[col].columns:
                        add(c)
            elif col not in raw:
                raw.append(col)

        for col in columns:
            add(col)
        return Rule(name, tuple(raw), tuple(c for c in computed if c in needed))

    def circumstance_rule(self, circ: Circumstance) -> Rule:
        return self.rule(f"circumstance {circ.id}", circ.source_columns)

    def indicator_rule(self, ind: Indicator) -> Rule:
        return self.rule(f"indicator {ind.id}", ind.source_columns + ind.condition_columns)

    def design_columns(self) -> list[str]:
        d = self.spec.design
        return list(self.rule("design columns", [c for c in (d.weight, d.strata, d.psu) if c]).columns)

    def weights(self, eb: EncodedBatch) -> np.ndarray:
        """The design weights of a chunk's rows as floats (NaN where missing or not a number)."""
        name = self.spec.design.weight
        if name in self.spec.computed:
            return eb.evaluated(self.rule("weight", [name]), lambda md: pd.to_numeric(
                md.frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan), np.nan, np.float64)
        return numbers(eb.batch.columns[name])

    def columns(self, rules: Sequence[Rule], extra: Sequence[str] = ()) -> list[str]:
        """The raw columns read for `rules` (and `extra`), the universe's first."""
        return list(dict.fromkeys([*self.universe.columns, *extra, *(c for r in rules for c in r.columns)]))

    def rows_within(self, columns: Sequence[str], reserved: int = 0, per_row: int = 0) -> int:
        """Rows per chunk so that reading `columns` (and `per_row` more bytes a row) fits in the
        memory ceiling less `reserved` bytes."""
        width = sum(self.source.row_bytes(c) for c in columns)
        reader = READER_GROUPS * self.source.group_rows * width  # the row groups pyarrow holds while decoding
        cost = ARROW_COPIES * width + CODE_BYTES * len(columns) + ROW_BYTES + per_row
        return int(min(MAX_ROWS, max(MIN_ROWS, (self.memory_mb * MB - reserved - reader) // cost)))

    def batches(self, rules: Sequence[Rule], extra: Sequence[str] = (), rows: int | None = None,
                per_row: int = 0) -> Iterator[EncodedBatch]:
        """The file's chunks with the columns of `rules` (and `extra`), the universe applied;
        `rows` a chunk, or as many as the ceiling allows with `per_row` more bytes each."""
        columns = self.columns(rules, extra)
        rows = rows or self.rows_within(columns, per_row=per_row)
        for batch in self.source.batches(columns, rows):
            eb = EncodedBatch(batch, self)
            if self.spec.universe:
                eb.inside = eb.evaluated(self.universe, lambda md: population_mask(md, self.spec.universe),
                                         False, bool)
            yield eb

    # -- the design and the categories, in one pass ---------------------------------------------
    def layout(self, lonely_psu: str) -> Layout:
        """PSUs, strata and circumstance categories; refuses what `SurveyDesign.from_frame` refuses.

        Circumstances with categories of their own are not read here: a value outside them is
        refused when the chunks are made (`chunks`)."""
        from_data = [c for c in self.circumstances if not c.category_order]
        rules = [self.circumstance_rule(c) for c in from_data]
        seen: dict[str, list[pd.DataFrame]] = {c.id: [] for c in from_data}
        check = DesignCheck(self, lonely_psu)
        labels: dict[str, dict] = {}
        for eb in self.batches(rules, self.design_columns()):
            check.add(eb)
            labels = eb.batch.value_labels or labels
            for circ, rule in zip(from_data, rules):
                seen[circ.id].append(eb.combinations(rule).data.frame)
        layout = check.finish()
        for circ in self.circumstances:
            if circ.id in seen:
                md, _ = _merged([(f, np.ones(len(f))) for f in seen[circ.id]], list(rules[from_data.index(circ)].columns),
                                labels, self.path)
                layout.categories[circ.id] = circumstance_values(md, circ).dtype
            else:
                layout.categories[circ.id] = pd.CategoricalDtype(circ.category_order,
                                                                 ordered=_ordered(circ))
        return layout

    # -- what each chunk gives the engine ------------------------------------------------------
    def chunks(self, layout: Layout, indicators: Sequence[Indicator], rows: int) -> Iterator[Chunk]:
        """Each chunk's weights, PSUs, circumstance codes and the values of `indicators`.

        A proportion's values come as integers (0, 1, and 2 for missing), checked to be 0/1
        once per distinct combination; a mean's as floats (NaN for missing).
        """
        circ_rules = [self.circumstance_rule(c) for c in self.circumstances]
        ind_rules = [self.indicator_rule(i) for i in indicators]
        divisor = self.spec.design.weight_divisor
        for eb in self.batches([*circ_rules, *ind_rules], self.design_columns(), rows):
            weights = self.weights(eb)
            if divisor != 1:
                weights = weights / divisor
            unit = self._unit(eb, layout)
            keep = weights > 0 if eb.inside is None else eb.inside & (weights > 0)
            unit[~keep] = layout.n_units
            codes = {c.id: self._category_codes(eb, rule, c, layout) for c, rule in zip(self.circumstances, circ_rules)}
            values = {i.id: self._values(eb, rule, i) for i, rule in zip(indicators, ind_rules)}
            chunk = Chunk(eb.batch.n_rows, weights, unit, codes, values)
            del eb  # the batch and its codes are not needed while the chunk is summed
            yield chunk

    def _values(self, eb: EncodedBatch, rule: Rule, ind: Indicator) -> np.ndarray:
        if ind.kind == "mean":
            return eb.evaluated(rule, lambda md: indicator_values(md, ind), np.nan, np.float64)

        def zero_one(md: Microdata) -> np.ndarray:
            values = indicator_values(md, ind)
            check_proportion(values, self.source_label)
            return np.where(np.isnan(values), 2, values).astype(np.int8)

        return eb.evaluated(rule, zero_one, 2, np.int8)

    def _unit(self, eb: EncodedBatch, layout: Layout) -> np.ndarray:
        d = self.spec.design
        n_units = layout.n_units
        if d.psu:
            return eb.evaluated(
                self.rule("design", [c for c in (d.strata, d.psu) if c]),
                lambda md: [layout.psu_of.get(k, n_units) for k in _design_keys(md.frame, d.strata, d.psu)],
                n_units, np.int64)
        if d.strata:
            return eb.evaluated(self.rule("design", [d.strata]),
                                lambda md: [layout.stratum_of.get(v, n_units) for v in md.frame[d.strata].tolist()],
                                n_units, np.int64)
        return np.zeros(eb.batch.n_rows, dtype=np.int64)

    def _category_codes(self, eb: EncodedBatch, rule: Rule, circ: Circumstance, layout: Layout) -> np.ndarray:
        def codes(md: Microdata) -> np.ndarray:
            try:
                labels = circumstance_values(md, circ)
            except InputError:
                # a value outside the declared categories: say so as reading the whole file would
                self._refuse_as_whole_file(circ)
                raise
            return pd.Categorical(np.asarray(labels, dtype=object), dtype=layout.categories[circ.id]).codes

        return eb.evaluated(rule, codes, -1, np.int16)

    def _refuse_as_whole_file(self, circ: Circumstance) -> None:
        """Raise `circumstance_values`'s refusal as the whole file gives it."""
        rule = self.circumstance_rule(circ)
        found, _ = self.census([rule])
        circumstance_values(found[rule.name][0], circ)

    # -- distinct combinations and their counts, for validation ----------------------------------
    def census(self, rules: Sequence[Rule]) -> tuple[dict[str, tuple[Microdata, np.ndarray]], DesignCheck]:
        """Per rule, its distinct combinations over the whole file with their row counts; and the
        design read in the same pass.

        While chunks code a rule's columns alike, counts add up by combination number and the
        combinations are made into data once.
        """
        parts: dict[str, list[tuple[pd.DataFrame, np.ndarray]]] = {r.name: [] for r in rules}
        running: dict[str, tuple] = {}
        labels: dict[str, dict] = {}
        check = DesignCheck(self, None)

        def flush(rule: Rule) -> None:
            _, counts, eb, keyed = running.pop(rule.name)
            keys = np.flatnonzero(counts)
            parts[rule.name].append((eb._data(rule, keyed, keys).frame, counts[keys]))

        for eb in self.batches(rules, self.design_columns(), per_row=CENSUS_RULE_BYTES * len(rules) + 32):
            check.add(eb)
            labels = eb.batch.value_labels or labels
            for rule in rules:
                keyed = eb._keyed(rule)
                signature = (keyed.space, tuple(values for _, values in keyed.encoded))
                previous = running.get(rule.name)
                if previous is not None and not keyed.sparse and _same(previous[0], signature):
                    running[rule.name] = (signature, previous[1] + keyed.counts, eb, keyed)
                    continue
                if previous is not None:
                    flush(rule)
                running[rule.name] = (signature, keyed.counts, eb, keyed)
                if keyed.sparse:
                    flush(rule)
        for rule in rules:
            if rule.name in running:
                flush(rule)
        out = {rule.name: _merged(parts[rule.name], list(rule.columns) + list(rule.computed), labels, self.path)
               for rule in rules}
        return out, check


def _ordered(circ: Circumstance) -> bool:
    from .config import Bins, Bottom40

    return circ.ordered or isinstance(circ.derive, (Bins, Bottom40))


def _merged(parts, columns: list[str], labels: dict, path) -> tuple[Microdata, np.ndarray]:
    """Chunks' combinations made one set, the counts of equal combinations added."""
    if not parts:
        return Microdata(pd.DataFrame(columns=columns), labels, path), np.zeros(0, dtype=np.int64)
    frame = pd.concat([f for f, _ in parts], ignore_index=True)
    counts = np.concatenate([c for _, c in parts])
    if len(parts) > 1 and len(frame.columns):
        keys = frame.astype(object).where(frame.notna(), None)
        group = keys.groupby(list(keys.columns), dropna=False, sort=False).ngroup().to_numpy()
        first = np.unique(group, return_index=True)[1]
        counts = np.bincount(group, weights=counts).astype(np.int64)
        frame = frame.iloc[first].reset_index(drop=True)
    return Microdata(frame, labels, path), counts


def _design_keys(frame: pd.DataFrame, strata: str | None, psu: str) -> list[tuple]:
    stratum = frame[strata].tolist() if strata else [None] * len(frame)
    return list(zip(stratum, frame[psu].tolist()))


class DesignCheck:
    """The design columns read chunk by chunk, refused as `SurveyDesign.from_frame` refuses them."""

    def __init__(self, stream: FileStream, lonely_psu: str | None):
        self.stream = stream
        # the file's rule, else the analysis's (as `rounds.file_design`)
        self.lonely_psu = stream.spec.design.lonely_psu or lonely_psu or stream.analysis.estimation.lonely_psu
        self.faults: dict[str, tuple[int, list[int]]] = {}
        self.missing = {"strata": 0, "psu": 0}
        self.n_rows = 0
        self.any_positive = False
        self.psu_weighted: dict[tuple, bool] = {}
        self.strata_rows: dict = {}

    @property
    def source(self) -> str:
        return self.stream.source_label

    def add(self, eb: EncodedBatch) -> None:
        d = self.stream.spec.design
        w = self.stream.weights(eb)
        rows = np.arange(eb.batch.n_rows) if eb.inside is None else np.flatnonzero(eb.inside)
        w = w[rows] if eb.inside is not None else w
        self.n_rows += len(rows)
        for what, (count, first) in weight_faults(w, rows + eb.batch.start).items():
            old_count, old_first = self.faults.get(what, (0, []))
            self.faults[what] = (old_count + count, (old_first + first)[:5])
        self.any_positive |= bool((w > 0).any())
        columns = [c for c in (d.strata, d.psu) if c]
        if not columns:  # one stratum, each row a PSU
            self._count_rows(None, len(rows), int((w > 0).sum()))
            return
        comb = eb.combinations(self.stream.rule("design", columns))
        for role, col in (("strata", d.strata), ("psu", d.psu)):
            if col:
                self.missing[role] += int(comb.counts[comb.data.frame[col].isna().to_numpy()].sum())
        positive = comb.row_sums(w > 0, None if eb.inside is None else rows)
        if d.psu:
            for k, pos in zip(_design_keys(comb.data.frame, d.strata, d.psu), positive):
                self.psu_weighted[k] = self.psu_weighted.get(k, False) or bool(pos > 0)
        else:
            for v, n, pos in zip(comb.data.frame[d.strata].tolist(), comb.counts, positive):
                self._count_rows(v, int(n), int(pos))

    def _count_rows(self, stratum, rows: int, positive: int) -> None:
        old_rows, old_positive = self.strata_rows.get(stratum, (0, 0))
        self.strata_rows[stratum] = (old_rows + rows, old_positive + positive)

    def problem(self) -> str | None:
        """The first refusal, in `rounds.read_file`'s then `SurveyDesign.from_frame`'s order, or None."""
        d, source = self.stream.spec.design, self.source
        if self.n_rows == 0 and self.stream.spec.universe:
            return empty_universe_message(self.stream.path.name)
        if self.n_rows == 0:
            return f"{source}: the data have no rows."
        problem = weight_problem(self.faults, d.weight, source, self.n_rows, self.any_positive)
        if problem:
            return problem
        for role, col in (("strata", d.strata), ("psu", d.psu)):
            if col and self.missing[role]:
                return missing_design_message(source, col, self.missing[role])
        return None

    def finish(self) -> Layout:
        """The layout of the PSUs, or the InputError `SurveyDesign.from_frame` would raise."""
        problem = self.problem()
        if problem:
            raise InputError(problem)
        d = self.stream.spec.design
        if not d.psu:
            return self._rows_as_psus()
        keys = list(self.psu_weighted)
        h_codes, h_values = _sorted_codes([k[0] for k in keys]) if d.strata else (
            np.zeros(len(keys), dtype=np.int64), [None])
        p_codes, _ = _sorted_codes([k[1] for k in keys])
        order = np.lexsort((p_codes, h_codes))
        psu_stratum = np.asarray(h_codes, dtype=np.int64)[order]
        weighted = np.array([self.psu_weighted[keys[i]] for i in order], dtype=bool)
        layout = PsuLayout.build(psu_stratum, len(h_values), self.lonely_psu)
        self._refuse_lonely(h_values, np.unique(psu_stratum[layout.psu_lonely]))
        df = int(weighted.sum() - np.unique(psu_stratum[weighted]).size)
        stratum_of = {v: i for i, v in enumerate(h_values)} if d.strata else {}
        return Layout(layout, {keys[i]: n for n, i in enumerate(order)}, stratum_of, np.zeros(0, dtype=np.int64),
                      df, self.n_rows, {}, self.lonely_psu)

    def _rows_as_psus(self) -> Layout:
        """Each row its own PSU: what the variance needs is how many there are per stratum."""
        d = self.stream.spec.design
        values = list(self.strata_rows)
        h_codes, h_values = _sorted_codes(values) if d.strata else (np.zeros(1, dtype=np.int64), [None])
        per_stratum = np.zeros((len(h_values), 2), dtype=np.int64)  # rows, rows weighted above zero
        per_stratum[h_codes] = [self.strata_rows[v] for v in values]
        self._refuse_lonely(h_values, np.flatnonzero(per_stratum[:, 0] == 1))
        # a row weighted zero is a PSU with no weight (R's degf)
        df = int(per_stratum[:, 1].sum() - (per_stratum[:, 1] > 0).sum())
        stratum_of = {v: i for i, v in enumerate(h_values)} if d.strata else {}
        return Layout(None, {}, stratum_of, per_stratum[:, 0], df, self.n_rows, {}, self.lonely_psu)

    def _refuse_lonely(self, h_values, lonely_strata: np.ndarray) -> None:
        if len(lonely_strata) and self.lonely_psu == "fail":
            strata = self.stream.spec.design.strata
            names = sorted({str(h_values[h]) if strata else "(single stratum)" for h in lonely_strata})
            raise InputError(lonely_fail_message(self.source, names, strata))


def empty_universe_message(where: str) -> str:
    """Why a file none of whose rows is in its universe is refused (`where`: the file, as messages name it)."""
    return f"{where}: no row meets the file's `universe` conditions, so it has no one to analyse."


def _sorted_codes(values: list) -> tuple[np.ndarray, list]:
    """Codes of `values` numbered in sorted order (as `pd.factorize(sort=True)`), and the values."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), sort=True)
    return codes, list(uniques)
