"""The starter catalogues: what `lnob init` knows about DHS and MICS files (package data).

Each programme's YAML file lists its file types (name, identifying columns, design), its
standard circumstances and its indicators. Indicator entries are kept as the text they are
written in, comments included, so the citation above each entry travels into the
analysis.yaml that `lnob init` writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml

PROGRAMMES = ("DHS", "MICS")
_ENTRY_START = re.compile(r"^  - id:", re.MULTILINE)


@dataclass(frozen=True)
class FileType:
    """One kind of file of a programme (DHS KR, MICS ch, ...) and how to analyse it."""

    kind: str
    key: str
    about: str
    signature: tuple[str, ...]
    year: str
    design: dict
    design_note: str = ""
    universe: tuple[dict, ...] = ()
    computed: dict[str, dict] = field(default_factory=dict)  # name -> {spec, note}


@dataclass(frozen=True)
class Entry:
    """A catalogue indicator: its id, the file key it reads, its source text and its columns."""

    id: str
    label: str
    file: str
    text: str
    columns: tuple[str, ...]
    item: dict = field(compare=False, repr=False)


@dataclass(frozen=True)
class Catalogue:
    programme: str
    survey: str
    files: dict[str, FileType]
    circumstances: list[dict]
    indicators: list[Entry]

    def kind_of(self, key: str) -> str | None:
        """The file type (KR, ch, ...) that a file key (children, ...) stands for."""
        return next((t.kind for t in self.files.values() if t.key == key), None)


@cache
def load_catalogue(programme: str) -> Catalogue:
    """The catalogue of `programme` ("DHS" or "MICS") from the package's YAML files."""
    text = resources.files(__package__).joinpath(f"{programme.lower()}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    files = {kind: FileType(kind=kind, key=spec["key"], about=spec["about"], signature=tuple(spec["signature"]),
                            year=spec["year"], design=spec["design"], design_note=spec.get("design_note", ""),
                            universe=tuple(spec.get("universe", ())), computed=spec.get("computed", {}))
             for kind, spec in data["files"].items()}
    return Catalogue(programme=data["programme"], survey=data["survey"], files=files,
                     circumstances=data["circumstances"], indicators=_entries(text))


def _entries(text: str) -> list[Entry]:
    """Indicator entries as written: each with the comment lines just above it."""
    section = text[text.index("\nindicators:\n") + len("\nindicators:\n"):]
    starts = [m.start() for m in _ENTRY_START.finditer(section)]
    entries = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(section)
        body = _without_trailing_comments(section[start:end])
        comments = _comments_before(section[:start])
        item = yaml.safe_load(body)[0]
        entries.append(Entry(id=item["id"], label=item["label"], file=item["file"],
                             text=(comments + "\n" if comments else "") + body, columns=tuple(entry_columns(item)),
                             item=item))
    return entries


def _comments_before(text: str) -> str:
    """The comment lines that end `text` (the note above an entry), without blank lines."""
    lines = text.rstrip("\n").split("\n")
    taken = []
    for line in reversed(lines):
        if line.strip().startswith("#"):
            taken.append(line)
        else:
            break
    return "\n".join(reversed(taken))


def _without_trailing_comments(text: str) -> str:
    """An entry's own lines: the comments at its end belong to the next entry."""
    lines = text.rstrip().split("\n")
    while lines and lines[-1].strip().startswith("#"):
        lines.pop()
    return "\n".join(lines).rstrip()


def entry_columns(item: dict) -> list[str]:
    """Every column an indicator entry reads: value, derivation, population and skip test."""
    cols = [item["column"]] if item.get("column") else []
    derive = item.get("derive") or {}
    if derive.get("column"):
        cols.append(derive["column"])
    cols += [c["column"] for c in derive.get("conditions", [])]
    cols += [c["column"] for c in item.get("population", [])]
    cols += [c["column"] for c in (item.get("skipped") or {}).get("when", [])]
    return list(dict.fromkeys(cols))
