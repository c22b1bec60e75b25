"""`lnob validate`: check analysis.yaml against the data it points to.

Every problem is collected (not just the first) and told as one sentence naming the
round, the file, the key or column, what is wrong and what was expected, so a country
team can fix them all in one pass.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .config import Analysis, load_analysis
from .data import Microdata, file_columns, read_data_file
from .derive import circumstance_values, value_keys, indicator_values
from .errors import InputError
from .rounds import needed_columns
from .survey import SurveyDesign


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
    return problems


def _check_file(analysis: Analysis, year: int, key: str, spec) -> list[str]:
    where = f"round {year}, file '{key}' ({spec.path})"
    try:
        columns = file_columns(analysis, spec)
    except InputError as e:
        return [f"{where}: {p}" for p in e.problems]
    except Exception:  # unreadable header or metadata; its text may quote the file, so it is not shown
        return [f"{where}: the file could not be read as {spec.format}; check that it is a {spec.format} file."]
    present = set(columns)
    problems = [f"{where}: the column name '{name}' appears {columns.count(name)} times; rename all but one."
                for name in dict.fromkeys(c for c in columns if columns.count(c) > 1)]
    for col, role in _column_roles(analysis, key, spec):
        if col not in present:
            problems.append(f"{where}: column '{col}' ({role}) is not in the data.")
    if problems:
        return problems
    try:
        md = read_data_file(analysis, spec, needed_columns(analysis, key, spec))
    except InputError as e:
        return [f"{where}: {p}" for p in e.problems]
    d = spec.design
    try:
        SurveyDesign.from_frame(md.frame, d.weight, d.strata, d.psu, d.lonely_psu or analysis.estimation.lonely_psu,
                                source=where)
    except InputError as e:
        problems += e.problems
    for circ in analysis.circumstances:
        problems += _check_circumstance(md, circ, where)
    for ind in analysis.indicators:
        if ind.file == key:
            problems += _check_indicator(md, ind, where)
    return problems


def _column_roles(analysis: Analysis, key: str, spec) -> list[tuple[str, str]]:
    d = spec.design
    roles = [(d.weight, "the design weight")]
    roles += [(c, r) for c, r in ((d.strata, "the design strata"), (d.psu, "the design PSU")) if c]
    for circ in analysis.circumstances:
        roles += [(c, f"used by circumstance '{circ.id}'") for c in circ.source_columns]
    for ind in analysis.indicators:
        if ind.file == key:
            roles += [(c, f"used by indicator '{ind.id}'") for c in ind.source_columns]
            roles += [(c.column, f"in the population filter of indicator '{ind.id}'") for c in ind.population]
    return roles


def _placed(where: str, md: Microdata, error: InputError) -> list[str]:
    """Messages from the readers start with the file name; say the round and file key instead."""
    return [f"{where}: {p.removeprefix(f'{md.name}: ')}" for p in error.problems]


def _check_circumstance(md: Microdata, circ, where: str) -> list[str]:
    try:
        cat = circumstance_values(md, circ)
    except InputError as e:
        return _placed(where, md, e)
    problems = []
    counts = cat.value_counts()
    if circ.categories:
        for c in circ.categories:
            if counts.get(c, 0) == 0:
                problems.append(
                    f"{where}: category '{c}' of circumstance '{circ.id}' does not occur in the data "
                    "(check its spelling against the data's values or value labels)."
                )
    if circ.recode and circ.column:
        raw, lab = value_keys(md, circ.column, circ.missing_codes)
        seen = set(raw.dropna()) | set(lab.dropna())
        for k in circ.recode:
            if str(k) not in seen:
                problems.append(
                    f"{where}: recode key '{k}' of circumstance '{circ.id}' does not occur in column "
                    f"'{circ.column}'."
                )
    if (counts > 0).sum() < 2:
        problems.append(
            f"{where}: circumstance '{circ.id}' has fewer than two groups with data, so it cannot "
            "show any disparity."
        )
    return problems


def _check_indicator(md: Microdata, ind, where: str) -> list[str]:
    try:
        values = indicator_values(md, ind)
    except InputError as e:
        return _placed(where, md, e)
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
