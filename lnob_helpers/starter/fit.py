"""Fitting a catalogue to the files at hand: which entries they can serve, and how.

An indicator is written only when its file is there and holds every column it names; a
circumstance keeps the files that hold its column. Categories and special codes of a
circumstance come from the files' own value labels and the values that occur, so the
starter analysis names groups exactly as the data do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..data import read_microdata
from ..derive import value_keys
from ..special_codes import reads_as_special
from .catalogue import Catalogue, Entry
from .detect import FORMATS, SurveyFile


@dataclass
class Fitted:
    """What the files support: chosen entries and circumstances, and what was left out and why."""

    files: dict[str, SurveyFile]                               # file key -> file
    indicators: list[tuple[Entry, SurveyFile]] = field(default_factory=list)
    circumstances: list[dict] = field(default_factory=list)    # ready for analysis.yaml
    unused_keys: dict[str, list[str]] = field(default_factory=dict)  # indicator id -> map keys absent from the data
    left_out: list[str] = field(default_factory=list)          # "not in these files" sentences
    notes: list[str] = field(default_factory=list)             # "could not map" sentences


def available(file: SurveyFile, name: str) -> str | None:
    """The file's spelling of a column, or a computed column's name when its inputs are there."""
    if name in file.type.computed:
        inputs = file.type.computed[name]["spec"]["columns"]
        return name if all(file.column(c) for c in inputs) else None
    return file.column(name)


def fit(catalogue: Catalogue, files: dict[str, SurveyFile]) -> Fitted:
    """Choose the catalogue's indicators and circumstances that `files` (by key) can serve."""
    fitted = Fitted(files)
    _fit_indicators(catalogue, fitted)
    for spec in catalogue.circumstances:
        circ = _fit_circumstance(spec, catalogue, fitted)
        if circ is not None:
            fitted.circumstances.append(circ)
    return fitted


def _fit_indicators(catalogue: Catalogue, fitted: Fitted) -> None:
    by_id: dict[str, list[Entry]] = {}
    for entry in catalogue.indicators:
        by_id.setdefault(entry.id, []).append(entry)
    for ind_id, alternatives in by_id.items():
        reasons = []
        for entry in alternatives:
            file = fitted.files.get(entry.file)
            kind = catalogue.kind_of(entry.file)
            if file is None:
                reasons.append(f"needs the {entry.file} file ({kind})")
                continue
            missing = [c for c in entry.columns if available(file, c) is None]
            if missing:
                reasons.append(f"{file.path.name} lacks {', '.join(missing)}")
                continue
            fitted.indicators.append((entry, file))
            unused = _unused_map_keys(entry, file)
            if unused:
                fitted.unused_keys[entry.id] = unused
            break
        else:
            fitted.left_out.append(f"{ind_id} ({alternatives[0].label}): {'; '.join(reasons)}")


def _unused_map_keys(entry: Entry, file: SurveyFile) -> list[str]:
    """Keys of a category_map that no row of the file holds (a code this country did not use)."""
    derive = entry.item.get("derive") or {}
    if derive.get("kind") != "category_map":
        return []
    column = available(file, derive["column"])
    md = read_microdata(file.path, FORMATS[file.path.suffix.lower()], [column])
    raw, lab = value_keys(md, column)
    seen = set(raw.dropna()) | set(lab.dropna())
    return [k for k in derive["map"] if str(k) not in seen]


def _fit_circumstance(spec: dict, catalogue: Catalogue, fitted: Fitted) -> dict | None:
    """The circumstance with per-file columns of the files at hand, categories and special codes."""
    derive = dict(spec["derive"]) if "derive" in spec else None
    mapping = derive["column"] if derive else spec["column"]
    columns = {}
    for kind, name in mapping.items():
        key = catalogue.files[kind].key
        file = fitted.files.get(key)
        if file is not None and available(file, name):
            columns[key] = available(file, name)
    if not columns:
        wanted = ", ".join(sorted(set(mapping.values())))
        fitted.notes.append(f"circumstance '{spec['id']}' ({spec['label']}): none of the files has {wanted}.")
        return None
    out = {k: v for k, v in spec.items() if k not in ("column", "derive", "note", "ordered", "missing_codes")}
    missing_codes = list(spec.get("missing_codes", []))
    categories: dict[str, list[str]] = {}
    for key, col in columns.items():
        if col in fitted.files[key].type.computed:
            continue
        labels, specials = _observed(fitted.files[key], col)
        categories[key] = labels
        missing_codes += [c for c in specials if c not in missing_codes]
    if derive:
        derive["column"] = columns
        out["derive"] = derive
    else:
        out["column"] = columns
        order = _common_order(list(categories.values()))
        if order is not None:
            out["categories"] = order
            if spec.get("ordered"):
                out["ordered"] = True
        else:
            fitted.notes.append(
                f"circumstance '{spec['id']}': its groups differ between the files "
                f"({'; '.join(f'{k}: ' + ', '.join(v) for k, v in categories.items())}); "
                "it is written without `categories`, so check that the groups line up.")
    if missing_codes:
        out["missing_codes"] = missing_codes
    out["note"] = spec.get("note", "")
    return out


def _observed(file: SurveyFile, column: str) -> tuple[list[str], list]:
    """Labels of the values that occur (in code order) and the codes whose label says 'missing'."""
    md = read_microdata(file.path, FORMATS[file.path.suffix.lower()], [column])
    values = md.frame[column].dropna()
    labels = md.value_labels.get(column, {})
    codes = sorted(values.unique(), key=lambda v: (isinstance(v, str), v))
    named, specials = [], []
    for code in codes:
        label = labels.get(code, labels.get(float(code), None)) if not isinstance(code, str) else labels.get(code)
        if label is not None and reads_as_special(str(label)):
            specials.append(_plain_number(code))
        else:
            named.append(str(label) if label is not None else str(_plain_number(code)))
    for code, label in labels.items():
        if reads_as_special(str(label)) and _plain_number(code) not in specials:
            specials.append(_plain_number(code))
    return list(dict.fromkeys(named)), specials


def _plain_number(v):
    """9.0 -> 9, so codes read as they are written in the questionnaire."""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return int(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def _common_order(lists: list[list[str]]) -> list[str] | None:
    """The categories when every file has the same ones (in the first file's order), else None."""
    if not lists:
        return None
    first = lists[0]
    return first if all(set(other) == set(first) for other in lists[1:]) else None
