"""Entries that people write by hand in the step files: stable ids and readable checks.

Every list in `step2_why.yaml`, `step3_what.yaml` and the Step 5 files holds entries with a
short id. Ids may be typed by hand or left out; a missing id becomes a slug of the entry's
title, so links between entries survive a rename of the title once the file is saved.
Problems name the entry as people count it: `actions[3] (id `land-reform`)`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from .errors import InputError, describe_validation_error
from .yamlstore import load_model, locked, save_model

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,59}$")
SLUG_MAX = 40


def _check_id(value: str) -> str:
    if not ID_RE.match(value):
        raise ValueError(
            f"`{value}` is not a usable id; expected up to 60 letters, digits, '-', '_' or '.', "
            "starting with a letter or digit (e.g. `land-reform`)"
        )
    return value


EntryId = Annotated[str, AfterValidator(_check_id)]


class Record(BaseModel):
    """Base for everything stored in a step file: unknown keys are reported, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Entry(Record):
    """A record with an id; `id_from` names the field whose text gives the default id."""

    id_from: ClassVar[str] = "title"
    id: EntryId | None = None

    def slug_source(self) -> str:
        return str(getattr(self, self.id_from))


def slugify(text: str, max_length: int = SLUG_MAX) -> str:
    """A lower-case ascii slug of `text`, cut at a word boundary: "Land law (2019)" -> "land-law-2019"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] if "-" in slug[:max_length] else slug[:max_length]
    return slug


def fill_ids(entries: Sequence[Entry], fallback: str) -> None:
    """Give every entry without an id a slug of its title, unique among the ids in `entries`."""
    used = {e.id for e in entries if e.id}
    for entry in entries:
        if entry.id:
            continue
        base = slugify(entry.slug_source()) or fallback
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}-{n}", n + 1
        entry.id = candidate
        used.add(candidate)


def where(collection: str, index: int, entry: Entry) -> str:
    """How a problem names an entry: 1-based position and id."""
    return f"{collection}[{index + 1}] (id `{entry.id}`)"


def duplicate_ids(entries: Sequence[Any], collection: str, key: str = "id") -> list[str]:
    """Sentences for ids (or another `key` field) used by more than one entry of `collection`."""
    positions: dict[str, list[int]] = {}
    for i, entry in enumerate(entries):
        positions.setdefault(str(getattr(entry, key)), []).append(i + 1)
    return [
        f"{collection}: {key} `{entry_id}` is used by entries "
        + ", ".join(str(p) for p in pos)
        + "; expected a different id for each entry"
        for entry_id, pos in positions.items()
        if len(pos) > 1
    ]


def unknown_refs(
    refs: Iterable[str], known: Iterable[str], place: str, field: str, what: str
) -> list[str]:
    """Sentences for references in `refs` that are not among the `known` ids."""
    known_set = set(known)
    missing = [r for r in refs if r not in known_set]
    if not missing:
        return []
    if known_set:
        shown = sorted(known_set)
        expected = "expected one of " + ", ".join(f"`{k}`" for k in shown[:12])
        expected += f" (and {len(shown) - 12} more)" if len(shown) > 12 else ""
    else:
        expected = "none is defined yet, so add it first"
    return [f"{place}: `{field}` refers to `{m}`, which is not {what}; {expected}" for m in missing]


def raise_problems(problems: list[str]) -> None:
    """Raise all problems at once, one per line, from inside a pydantic validator."""
    if problems:
        raise ValueError("\n".join(problems))


M = TypeVar("M", bound=BaseModel)


def load_entries(path: str | os.PathLike, model: type[M], default: M | None = None,
                 cross_check: Callable[[M], list[str]] | None = None) -> M:
    """`yamlstore.load_model`, each problem its own sentence; `cross_check` tests links to other files."""
    try:
        obj = load_model(path, model, default)
    except InputError as err:
        raise InputError(_one_per_line(err.problems, str(path))) from None
    problems = cross_check(obj) if cross_check is not None else []
    if problems:
        raise InputError([f"{path}: {p}." for p in problems])
    return obj


def save_entries(path: str | os.PathLike, obj: M, cross_check: Callable[[M], list[str]] | None = None) -> Path:
    """Re-validate `obj` (ids filled, links inside the file checked), check its links to other
    step files with `cross_check` when given, then save atomically keeping a `.bak`, a version
    for undo and the comments people wrote in the file (`yamlstore.save_model`)."""
    checked = type(obj).model_validate(obj.model_dump())
    problems = cross_check(checked) if cross_check is not None else []
    if problems:
        raise InputError([f"{path}: {p}." for p in problems])
    return save_model(path, checked, exclude_defaults=True)


def validate_entries(model: type[M], data: object, source: str) -> M:
    """Validate `data` (e.g. a step file edited in the app) into `model`; problems raise
    InputError with one sentence each, named after `source`."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise InputError(_one_per_line(describe_validation_error(err, source), source)) from None


def _one_per_line(problems: list[str], source: str) -> list[str]:
    sentences: list[str] = []
    for problem in problems:
        first, *rest = problem.split("\n")
        sentences.append(_end(first))
        sentences.extend(_end(f"{source}: {line}") for line in rest)
    return sentences


def _end(sentence: str) -> str:
    return sentence if sentence.endswith(".") else sentence + "."


# --- one save at a time, and no silent overwrite of someone else's edit ----------------------

Fingerprints = dict[str, str]
CONFLICT = ("Someone else changed {what} after this page showed it, so your change was not saved. "
            "The page now shows their version; please make your change again.")


class EditConflict(InputError):
    """Raised when the entry being saved changed since the page was drawn."""


def entry_fingerprints(data: object, collection: str = "") -> Fingerprints:
    """A short hash of each entry's own fields, keyed `collection:id`, at any depth.

    Nested lists of entries are left out of their parent's hash, so adding a cause to a
    problem tree does not count as changing the tree.
    """
    found: Fingerprints = {}
    if isinstance(data, Mapping):
        own = {k: v for k, v in data.items() if not _is_entry_list(v)}
        if "id" in data and collection:
            text = json.dumps(own, sort_keys=True, default=str)
            found[f"{collection}:{data['id']}"] = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        for key, value in data.items():
            if isinstance(value, (list, Mapping)):
                found.update(entry_fingerprints(value, str(key)))
    elif isinstance(data, list):
        for item in data:
            found.update(entry_fingerprints(item, collection))
    return found


def _is_entry_list(value: object) -> bool:
    return isinstance(value, list) and any(isinstance(v, Mapping) and "id" in v for v in value)


def edit_entries(path: str | os.PathLike, load: Callable[[Path], M], change: Callable[[dict], None],
                 save: Callable[[Path, M], Path], seen: Fingerprints | None = None) -> M:
    """One save as a transaction: lock the file, read it afresh, apply `change`, validate, write.

    `seen` holds the fingerprints of the entries as the page showed them; an entry that this
    change edits or removes and that someone else changed meanwhile stops the save with a
    plain sentence (optimistic concurrency). Additions never conflict. A problem raises
    InputError before anything is written, so the file stays as it was.
    """
    path = Path(path)
    with locked(path):
        current = load(path)
        data = current.model_dump()
        before = entry_fingerprints(data)
        change(data)
        if seen is not None:
            after = entry_fingerprints(data)
            stale = sorted(key for key, fp in before.items() if after.get(key) != fp and seen.get(key) != fp)
            if stale:
                raise EditConflict(CONFLICT.format(what=_describe(stale[0])))
        updated = validate_entries(type(current), data, path.name)
        save(path, updated)
    return updated


def _describe(key: str) -> str:
    collection, _, entry_id = key.partition(":")
    return f"the entry `{entry_id}` in {collection.replace('_', ' ')}"
