"""`lnob validate`: check analysis.yaml against the data it points to, and the step files.

Every problem is collected (not just the first) and told as one sentence naming the
round, the file, the key or column, what is wrong and what was expected, so a country
team can fix them all in one pass.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pandas as pd

from .config import AllOf, Analysis, AnyOf, Bottom40, CategoryMap, WashingtonGroup, load_analysis, memory_mb
from .consultations import STEP5_FILE
from .data import Microdata, file_columns
from .derive import circumstance_values, indicator_values, value_keys
from .errors import InputError
from .streaming import FileStream, empty_universe_message
from .special_codes import reads_as_special
from .who.evidence import load_evidence
from .why.models import STEP2_FILE, load_step2
from .what.models import STEP3_FILE, load_step3
from .measure.framework import load_framework
from .measure.mpi_sources import load_analysis_mpi
from .measure.targets import load_targets
from .accountability.models import load_step5
from .accountability.recommendations import RECOMMENDATIONS_FILE, load_recommendations


def validate_folder(folder: str | Path) -> list[str]:
    """All problems found in an analysis folder; an empty list means it is valid."""
    try:
        analysis = load_analysis(folder)
    except InputError as e:
        return e.problems
    problems: list[str] = []
    for rnd in analysis.rounds:
        for key, spec in rnd.files.items():
            problems += _check_file(analysis, rnd.year, key, spec)
    return problems + step_file_problems(analysis.folder)


def step_file_problems(folder: Path) -> list[str]:
    """Problems in the files people write in Steps 1-5 (and `mpi.yaml`), links between them included.

    Each file is read the way its step reads it, so what passes here opens in the app and the
    report; a file that is not there yet is fine (the step starts empty).
    """
    problems: list[str] = []

    def read(load, *args):
        try:
            return load(*args)
        except InputError as e:
            problems.extend(e.problems)
            return None

    read(load_evidence, folder)
    step2 = read(load_step2, folder / STEP2_FILE)
    step3 = read(load_step3, folder / STEP3_FILE, step2)
    read(load_targets, folder)
    read(load_framework, folder)
    read(load_analysis_mpi, folder)
    read(load_step5, folder / STEP5_FILE)
    read(load_recommendations, folder / RECOMMENDATIONS_FILE, step3)
    return problems


def validation_notes(folder: str | Path) -> list[str]:
    """What is worth knowing but not wrong: circumstances some data files have no column for."""
    try:
        analysis = load_analysis(folder)
    except InputError:
        return []  # `validate_folder` reports why
    used = list(dict.fromkeys(ind.file for ind in analysis.indicators))
    notes = []
    for circ in analysis.circumstances:
        lacking = [key for key in used if circ.for_file(key) is None]
        if lacking:
            notes.append(f"circumstance '{circ.id}' has no column for file {', '.join(repr(k) for k in lacking)}, "
                         "so the tables of indicators read from there leave it out.")
    return notes


def _check_file(analysis: Analysis, year: int, key: str, spec) -> list[str]:
    where = f"round {year}, file '{key}' ({spec.path})"
    try:
        columns = file_columns(analysis, spec)
    except InputError as e:
        return [f"{where}: {p}" for p in e.problems]
    except Exception:  # unreadable header or metadata; its text may quote the file, so it is not shown
        return [f"{where}: the file could not be read as {spec.format}; check that it is a {spec.format} file."]
    present = set(columns) | set(spec.computed)
    problems = [f"{where}: the column name '{name}' appears {columns.count(name)} times; rename all but one."
                for name in dict.fromkeys(c for c in columns if columns.count(c) > 1)]
    problems += _check_computed(spec, columns, where)
    for col, role in _column_roles(analysis, key, spec):
        if col not in present:
            problems.append(f"{where}: column '{col}' ({role}) is not in the data.")
    if problems:
        return problems
    # One streaming pass: each rule's distinct combinations of values, with how many rows have them.
    try:
        stream = FileStream(analysis, key, spec, memory_mb(), source_label=where)
        circumstances = {c.id: stream.circumstance_rule(c) for c in stream.circumstances}
        indicators = {i.id: stream.indicator_rule(i) for i in stream.indicators}
        census, design = stream.census([*circumstances.values(), *indicators.values()])
    except InputError as e:
        return [f"{where}: {p.removeprefix(f'{Path(spec.path).name}: ')}" for p in e.problems]
    if spec.universe and design.n_rows == 0:
        return [empty_universe_message(where)]
    try:
        design.finish()
    except InputError as e:
        problems += e.problems
    for circ in stream.circumstances:
        problems += _check_circumstance(*census[circumstances[circ.id].name], circ, where)
    for ind in stream.indicators:
        problems += _check_indicator(*census[indicators[ind.id].name], ind, where)
    return problems


def _column_roles(analysis: Analysis, key: str, spec) -> list[tuple[str, str]]:
    d = spec.design
    roles = [(d.weight, "the design weight")]
    roles += [(c, r) for c, r in ((d.strata, "the design strata"), (d.psu, "the design PSU")) if c]
    roles += [(c.column, "in the universe of the file") for c in spec.universe]
    for circ in analysis.circumstances_for(key):
        roles += [(c, f"used by circumstance '{circ.id}'") for c in circ.source_columns]
    for ind in analysis.indicators:
        if ind.file == key:
            roles += [(c, f"used by indicator '{ind.id}'") for c in ind.source_columns]
            roles += [(c.column, f"in the population filter of indicator '{ind.id}'") for c in ind.population]
            if ind.skipped:
                roles += [(c.column, f"in the skipped test of indicator '{ind.id}'") for c in ind.skipped.when]
    return roles


def _check_computed(spec, columns: list[str], where: str) -> list[str]:
    """Computed names that would hide a column of the data, and inputs the file does not have."""
    problems, known = [], set(columns)
    for name, computed in spec.computed.items():
        if name in columns:
            problems.append(f"{where}: computed column '{name}' has the name of a column in the data; "
                            "give it a name of its own.")
        problems += [f"{where}: column '{col}', an input of computed column '{name}', is not in the data"
                     + (" (a computed column can only use those written before it)." if col in spec.computed else ".")
                     for col in computed.columns if col not in known]
        known.add(name)
    return problems


def _placed(where: str, md: Microdata, error: InputError) -> list[str]:
    """Messages from the readers start with the file name; say the round and file key instead."""
    return [f"{where}: {p.removeprefix(f'{md.name}: ')}" for p in error.problems]


def _check_circumstance(md: Microdata, rows: np.ndarray, circ, where: str) -> list[str]:
    """`md` holds the distinct combinations of the circumstance's columns, `rows` how many rows have each."""
    try:
        cat = circumstance_values(md, circ)
    except InputError as e:
        return _placed(where, md, e)
    problems = []
    counts = pd.Series(rows).groupby(cat, observed=False).sum()
    if circ.categories:
        for c in circ.categories:
            if counts.get(c, 0) == 0:
                problems.append(
                    f"{where}: category '{c}' of circumstance '{circ.id}' does not occur in the data "
                    "(check its spelling against the data's values or value labels)."
                )
    if not circ.category_order:  # categories read from the data; declared ones are checked on load
        problems += [f"{where}: category '{c}' in not_disadvantaged of circumstance '{circ.id}' does not occur "
                     f"in the data (its categories are {_some([str(v) for v in cat.categories])})."
                     for c in circ.not_disadvantaged if c not in set(cat.categories)]
    if circ.recode and circ.column:
        problems += _unseen_keys(md, where, circ.column, circ.recode, "recode", f"circumstance '{circ.id}'")
    if isinstance(circ.derive, CategoryMap):
        problems += _unseen_keys(md, where, circ.derive.column, circ.derive.map, "category_map",
                                 f"circumstance '{circ.id}'")
    for col, on_purpose, lossy in _circumstance_columns(circ):
        problems += _unplanned_codes(md, rows, where, col, on_purpose, lossy, f"circumstance '{circ.id}'")
    if (counts > 0).sum() < 2:
        problems.append(
            f"{where}: circumstance '{circ.id}' has fewer than two groups with data, so it cannot "
            "show any disparity."
        )
    return problems


def _check_indicator(md: Microdata, rows: np.ndarray, ind, where: str) -> list[str]:
    """`md` holds the distinct combinations of the indicator's columns, `rows` how many rows have each."""
    try:
        values = indicator_values(md, ind)
    except InputError as e:
        return _placed(where, md, e)
    problems = []
    if isinstance(ind.derive, CategoryMap):
        problems += _unseen_keys(md, where, ind.derive.column, ind.derive.map, "category_map",
                                 f"indicator '{ind.id}'")
    for col, on_purpose, lossy in _indicator_columns(ind):
        problems += _unplanned_codes(md, rows, where, col, on_purpose, lossy, f"indicator '{ind.id}'")
    if problems:  # the checks of the values below would only repeat these causes
        return problems
    seen = values[~np.isnan(values)]
    if seen.size == 0:
        return [
            f"{where}: indicator '{ind.id}' has no value for anyone in its reference population; "
            "check the column, the missing codes and the population filter."
        ]
    if ind.type == "binary":
        odd = np.unique(seen[~np.isin(seen, (0.0, 1.0))])
        if odd.size:
            shown = ", ".join(f"{v:g}" for v in odd[:6])
            return [
                f"{where}: binary indicator '{ind.id}' holds {shown} after missing codes; "
                "expected only 0 and 1 (declare other codes in `missing_codes` or use a category_map)."
            ]
    return []


# --- codes and map keys ----------------------------------------------------------------------
# A column's values, as (column, values declared on purpose, whether a value declared nowhere
# is silently lost). Declared on purpose: missing codes, map keys, values a condition names.

def _indicator_columns(ind) -> list[tuple[str, list, bool]]:
    d = ind.derive
    if isinstance(d, CategoryMap):
        return [(d.column, [*ind.missing_codes, *d.map], True)]
    if isinstance(d, (AnyOf, AllOf)):
        named = {col: [v for c in d.conditions if c.column == col for v in (c.in_ or []) + (c.not_in or [])]
                 for col in ind.source_columns}
        return [(col, [*ind.missing_codes, *named[col]], False) for col in ind.source_columns]
    return [(col, list(ind.missing_codes), False) for col in ind.source_columns]


def _circumstance_columns(circ) -> list[tuple[str, list, bool]]:
    d = circ.derive
    if isinstance(d, (WashingtonGroup, Bottom40)):
        return []  # they count only the answers they list; every other code is already missing
    on_purpose = [*circ.missing_codes, *circ.recode, *circ.categories]
    if isinstance(d, CategoryMap):
        return [(d.column, [*on_purpose, *d.map], True)]
    return [(col, on_purpose, False) for col in circ.source_columns]


def _unplanned_codes(md: Microdata, rows: np.ndarray, where: str, col: str, on_purpose: list, lossy: bool,
                     owner: str) -> list[str]:
    """Codes labelled missing/don't know/flagged..., and for a lossy map any unmapped code, with row counts
    (`rows` per row of `md`)."""
    raw, lab = value_keys(md, col, on_purpose)
    counts = pd.DataFrame({"raw": raw, "lab": lab, "n": rows}).groupby(["raw", "lab"])["n"].sum()
    problems = []
    for (code, label), n in counts.items():
        value = f"value '{code}'" if code == label else f"code {code} labelled '{label}'"
        if reads_as_special(label):
            problems.append(f"{where}: column '{col}' has {value} in {n} rows; "
                            f"declare it in missing_codes of {owner} or map it.")
        elif lossy:
            problems.append(f"{where}: column '{col}' has {value} in {n} rows that is in neither the category_map "
                            f"nor the missing_codes of {owner}, so those rows would silently become missing; "
                            "map it or declare it in missing_codes.")
    return problems


def _unseen_keys(md: Microdata, where: str, col: str, keys, kind: str, owner: str) -> list[str]:
    """Map keys that match no code or label of the column: a typo would otherwise drop rows silently."""
    raw, lab = value_keys(md, col)
    present = sorted(set(raw.dropna()) | set(lab.dropna()))
    problems = []
    for key in keys:
        if key.strip() in present:
            continue
        close = _closest(key.strip(), present)
        hint = f"did you mean {_some(close, ' or ')}?" if close else f"its codes and labels are {_some(present)}."
        problems.append(f"{where}: {kind} key '{key}' of {owner} never occurs in column '{col}'; {hint}")
    return problems


def _closest(key: str, present: list[str]) -> list[str]:
    """The present values most like `key` (ties all kept), if like enough to be its intended spelling."""
    score = {p: difflib.SequenceMatcher(None, key, p).ratio() for p in present}
    best = max(score.values(), default=0.0)
    return [p for p in present if score[p] == best] if best >= 0.6 else []


def _some(values: list[str], sep: str = ", ", shown: int = 8) -> str:
    listed = sep.join(f"'{v}'" for v in values[:shown])
    return listed + (f" and {len(values) - shown} more" if len(values) > shown else "") if values else "no values"
