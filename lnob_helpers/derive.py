"""Turning raw survey columns into indicators and circumstances, as analysis.yaml says.

Raw values are matched either by their code or by their value label, so the same
analysis.yaml works for a CSV holding labels and an SPSS file holding labelled codes.
Nothing here evaluates user text: filters and derivations are structured data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import (
    AllOf,
    AnyOf,
    Bins,
    Bottom40,
    CategoryMap,
    Circumstance,
    Condition,
    Indicator,
    Threshold,
    WashingtonGroup,
)
from .data import Microdata
from .errors import InputError

WITH_DISABILITY = "With disability"
WITHOUT_DISABILITY = "Without disability"
BOTTOM40 = "Bottom 40%"
TOP60 = "Top 60%"


def _key(v) -> str:
    """One spelling for a value, so 2, 2.0 and "2" match each other."""
    if isinstance(v, (bool, np.bool_)):
        return str(int(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    return str(v).strip()


def _column(md: Microdata, col: str) -> pd.Series:
    if col not in md.frame.columns:
        raise InputError(f"{md.name}: column '{col}' is not in the data.")
    return md.frame[col]


def value_keys(md: Microdata, col: str, missing_codes=()) -> tuple[pd.Series, pd.Series]:
    """Each value's code-key and label-key (the label where the file has one), NaN if missing.

    Works on the distinct values only, so wide files with many rows stay fast.
    """
    codes, uniques = pd.factorize(_column(md, col), use_na_sentinel=True)
    miss = {_key(m) for m in missing_codes}
    labels = {_key(k): str(v) for k, v in md.value_labels.get(col, {}).items()}
    raw_u = np.array([_key(v) for v in uniques] + [None], dtype=object)
    lab_u = np.array([labels.get(k, k) for k in raw_u[:-1]] + [None], dtype=object)
    gone = np.array([k in miss or lab in miss for k, lab in zip(raw_u[:-1], lab_u[:-1])] + [True])
    raw_u[gone] = None
    lab_u[gone] = None
    idx = np.where(codes < 0, len(uniques), codes)
    return pd.Series(raw_u[idx], dtype=object), pd.Series(lab_u[idx], dtype=object)


def _numeric(md: Microdata, col: str, missing_codes=()) -> pd.Series:
    s = pd.to_numeric(_column(md, col), errors="coerce").astype(float)
    miss = [float(m) for m in missing_codes if _is_number(m)]
    return s.where(~s.isin(miss)) if miss else s


def _is_number(v) -> bool:
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False


def _matches(raw: pd.Series, lab: pd.Series, values) -> pd.Series:
    wanted = {_key(v) for v in values}
    return raw.isin(wanted) | lab.isin(wanted)


# --- reference population ---------------------------------------------------------------------

def population_mask(md: Microdata, conditions: list[Condition]) -> np.ndarray:
    """Rows meeting every condition (the indicator's reference population)."""
    mask = np.ones(len(md.frame), dtype=bool)
    for cond in conditions:
        mask &= _condition_holds(md, cond)[0]
    return mask


def _condition_holds(md: Microdata, cond: Condition, missing_codes=()) -> tuple[np.ndarray, np.ndarray]:
    """Per row, whether the condition holds and whether its column has a value to test.

    A missing value never holds, so any_of and all_of need the second array to tell
    "no" from "unknown".
    """
    holds = np.ones(len(md.frame), dtype=bool)
    known = np.ones(len(md.frame), dtype=bool)
    if cond.in_ is not None or cond.not_in is not None:
        raw, lab = value_keys(md, cond.column, missing_codes)
        known &= raw.notna().to_numpy()
        if cond.in_ is not None:
            holds &= _matches(raw, lab, cond.in_).to_numpy()
        if cond.not_in is not None:
            holds &= ~_matches(raw, lab, cond.not_in).to_numpy() & known
    if cond.min is not None or cond.max is not None:
        x = _numeric(md, cond.column, missing_codes).to_numpy()
        known &= ~np.isnan(x)
        with np.errstate(invalid="ignore"):
            if cond.min is not None:
                holds &= x >= cond.min
            if cond.max is not None:
                holds &= x <= cond.max
    return holds, known


# --- indicators -----------------------------------------------------------------------------

def indicator_values(md: Microdata, ind: Indicator) -> np.ndarray:
    """The indicator per row: 0/1 or a number, NaN outside the reference population or missing.

    A blank that `skipped` says the questionnaire skipped by design gets its value, before the
    population filter, so those rows stay in the denominator.
    """
    if ind.derive is None:
        values = _numeric(md, ind.column, ind.missing_codes)
        if values.isna().all() and _column(md, ind.column).notna().any():
            raise InputError(
                f"{md.name}: indicator '{ind.id}' column '{ind.column}' holds no numbers; "
                "use a category_map derivation to turn its values into 0/1."
            )
    elif isinstance(ind.derive, Threshold):
        d = ind.derive
        x = _numeric(md, d.column, ind.missing_codes)
        ops = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
        with np.errstate(invalid="ignore"):
            values = pd.Series(np.where(x.isna(), np.nan, ops[d.op](x, d.value).astype(float)))
    elif isinstance(ind.derive, CategoryMap):
        raw, lab = value_keys(md, ind.derive.column, ind.missing_codes)
        mapping = {_key(k): float(v) for k, v in ind.derive.map.items()}
        by_raw = raw.map(mapping)
        values = by_raw.where(by_raw.notna(), lab.map(mapping)).astype(float)
    elif isinstance(ind.derive, (AnyOf, AllOf)):
        values = pd.Series(_combined(md, ind.derive, ind.missing_codes))
    else:  # guarded by the config model
        raise InputError(f"indicator '{ind.id}': unsupported derivation '{ind.derive.kind}'.")
    out = values.to_numpy(dtype=float, na_value=np.nan, copy=True)
    if ind.skipped is not None:
        out[np.isnan(out) & population_mask(md, ind.skipped.when)] = ind.skipped.value
    out[~population_mask(md, ind.population)] = np.nan
    return out


def _combined(md: Microdata, d: AnyOf | AllOf, missing_codes) -> np.ndarray:
    """any_of: 1 if one holds, 0 if none does, missing if all are unknown.

    all_of: 1 if all hold, 0 if one fails, missing if none fails but one is unknown.
    """
    tests = [_condition_holds(md, c, missing_codes) for c in d.conditions]
    holds = np.array([h for h, _ in tests])
    known = np.array([k for _, k in tests])
    if isinstance(d, AnyOf):
        return np.where(holds.any(axis=0), 1.0, np.where(known.any(axis=0), 0.0, np.nan))
    fails = known & ~holds
    return np.where(fails.any(axis=0), 0.0, np.where(known.all(axis=0), 1.0, np.nan))


# --- circumstances ----------------------------------------------------------------------------

def circumstance_values(md: Microdata, circ: Circumstance) -> pd.Categorical:
    """Group labels per row as a categorical in the configured order (ordered if declared).

    `circ` is as this file holds it (`Circumstance.for_file`), its columns plain names.
    Values that are not among the declared categories raise an InputError naming them,
    because a silent drop would make a group vanish from every table.
    """
    d = circ.derive
    if isinstance(d, Bins):
        x = _numeric(md, d.column, circ.missing_codes)
        cat = pd.cut(x, bins=d.edges, labels=d.labels, right=False, ordered=True)
        labels = pd.Series(cat.astype(object)).where(cat.notna())
    elif isinstance(d, Bottom40):
        labels = _bottom40(md, d, circ)
    elif isinstance(d, WashingtonGroup):
        labels = _wgss(md, d, circ)
    else:
        col = circ.column if d is None else d.column
        raw, lab = value_keys(md, col, circ.missing_codes)
        if isinstance(d, CategoryMap):
            mapping = {_key(k): str(v) for k, v in d.map.items()}
            labels = raw.map(mapping)
            labels = labels.where(labels.notna(), lab.map(mapping))
        else:
            labels = lab
    if circ.recode:
        recode = {_key(k): v for k, v in circ.recode.items()}
        mapped = labels.map(recode)
        labels = mapped.where(mapped.notna(), labels)
    order = circ.category_order
    present = [v for v in pd.unique(labels.dropna())]
    if order:
        unknown = sorted(set(present) - set(order))
        if unknown:
            unseen = [c for c in order if c not in set(present)]
            hint = (f"; its categories {', '.join(repr(c) for c in unseen)} never occur, so check their spelling"
                    if unseen else "; add them to `categories` or group them with `recode`")
            raise InputError(
                f"{md.name}: circumstance '{circ.id}' has value(s) {', '.join(repr(u) for u in unknown[:6])} "
                f"that are not among its categories{hint}."
            )
    else:
        order = sorted(present, key=_natural)
    return pd.Categorical(labels, categories=order, ordered=circ.ordered or isinstance(d, (Bins, Bottom40)))


def _natural(v: str):
    return (0, float(v), "") if _is_number(v) else (1, 0.0, v)


def _bottom40(md: Microdata, d: Bottom40, circ: Circumstance) -> pd.Series:
    raw, lab = value_keys(md, d.column, circ.missing_codes)
    rank = raw.map({str(q): q for q in range(1, 6)})
    by_label = lab.map({q: i + 1 for i, q in enumerate(d.quintiles)})
    rank = rank.where(rank.notna(), by_label)
    return pd.Series(np.where(rank <= 2, BOTTOM40, TOP60), dtype=object).where(rank.notna())


def _wgss(md: Microdata, d: WashingtonGroup, circ: Circumstance) -> pd.Series:
    """At least one domain with "a lot of difficulty" or "cannot do at all" means disability.

    A person with no difficulty reported in the domains answered counts as without disability;
    a person with none of the six answered is missing.
    """
    severe = np.zeros(len(md.frame), dtype=bool)
    answered = np.zeros(len(md.frame), dtype=bool)
    for col in d.columns:
        raw, lab = value_keys(md, col, circ.missing_codes)
        severe |= _matches(raw, lab, [*d.a_lot, *d.cannot]).to_numpy()
        answered |= _matches(raw, lab, d.answered).to_numpy()
    out = np.where(severe, WITH_DISABILITY, np.where(answered, WITHOUT_DISABILITY, None))
    return pd.Series(out, dtype=object).where(pd.notna(out))
