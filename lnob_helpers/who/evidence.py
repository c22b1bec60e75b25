"""Five-factor evidence beyond the survey, and triangulation of all sources.

The guide asks country teams to look past official statistics: national human rights
institutions, recommendations of human rights mechanisms, civil society reports, data that
communities collect themselves, and consultations with the people concerned. This module
keeps that evidence in a small log, `evidence.yaml` in the analysis folder, imports
partners' aggregates shared in the HEAT Plus template, and lays everything side by side in
a matrix of groups x the five factors, so a team sees which findings rest on one kind of
source and which on several.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from ..config import FACTOR_LABELS, FACTORS, Analysis, Factor, Strict
from ..disaggregate import group_id as make_group_id
from ..entries import Fingerprints, duplicate_ids, edit_entries, raise_problems
from ..errors import InputError, describe_validation_error
from ..groups import group_id_label
from ..heat_format import read_heat_template
from ..yamlstore import load_model, locked, save_model
from .left_behind import LeftBehind, parse_group_id

EVIDENCE_FILE = "evidence.yaml"
PARTNER_PATTERN = "partner_aggregates*"
SURVEY_SOURCE = "household_survey"
PARTNER_SOURCE = "partner_aggregates"
SOURCE_TYPES = ("official_statistics", "human_rights_mechanism", "civil_society_report",
                "citizen_generated", "consultation")
SOURCE_LABELS = {
    SURVEY_SOURCE: "Household survey (this analysis)",
    PARTNER_SOURCE: "Partner aggregates",
    "official_statistics": "Official statistics",
    "human_rights_mechanism": "Human rights mechanism",
    "civil_society_report": "Civil society report",
    "citizen_generated": "Citizen-generated data",
    "consultation": "Consultation",
}
SourceType = Literal["official_statistics", "human_rights_mechanism", "civil_society_report",
                     "citizen_generated", "consultation"]
MATRIX_COLUMNS = ["group_id", "label", "factor", "source_type", "count", "summary"]


class EvidenceEntry(Strict):
    """One finding about one group, from one source."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    source_type: SourceType
    group_id: str = Field(default="", description="A group id of the survey tables, e.g. 'ethnicity=Tamar'.")
    group: str = Field(default="", description="A free label when the survey has no such group.")
    factor: Factor
    finding: str = Field(min_length=3)
    citation: str = Field(min_length=3)
    date: str = Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="YYYY, YYYY-MM or YYYY-MM-DD.")

    @field_validator("date", mode="before")
    @classmethod
    def _date_text(cls, value):
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()[:10]
        if isinstance(value, int):
            return str(value)
        return value

    @model_validator(mode="after")
    def _some_group(self) -> "EvidenceEntry":
        if not self.group_id.strip() and not self.group.strip():
            raise ValueError("needs `group_id` (a survey group) or `group` (a free label)")
        if self.group_id and not parse_group_id(self.group_id):
            raise ValueError(f"`group_id` '{self.group_id}' is not like 'circumstance=category'")
        return self

    @property
    def group_key(self) -> str:
        """The survey group id, or the free label when there is none."""
        return self.group_id or self.group

    @property
    def label(self) -> str:
        return self.group or group_id_label(self.group_id)


class EvidenceLog(Strict):
    entries: list[EvidenceEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> "EvidenceLog":
        raise_problems(duplicate_ids(self.entries, "entries"))
        return self

    def to_frame(self) -> pd.DataFrame:
        rows = [e.model_dump() | {"label": e.label} for e in self.entries]
        columns = [*EvidenceEntry.model_fields, "label"]
        return pd.DataFrame(rows, columns=columns)


def load_evidence(folder: str | os.PathLike) -> EvidenceLog:
    """The evidence log of an analysis folder (empty when there is none yet)."""
    return load_model(Path(folder) / EVIDENCE_FILE, EvidenceLog, default=EvidenceLog())


def add_evidence(folder: str | os.PathLike, entry: Mapping) -> EvidenceEntry:
    """Validate one new entry and save the log atomically; raises InputError with sentences."""
    path = Path(folder) / EVIDENCE_FILE
    data = _checked_values(entry)
    with locked(path):  # read, add and write as one step: a second writer waits, nothing is lost
        log = load_evidence(folder)
        data.setdefault("id", next_evidence_id(log))
        new = _entry(data, f"{path.name}, new entry")
        if any(e.id == new.id for e in log.entries):
            raise InputError(f"{path.name}, new entry: `id` '{new.id}' is already used; expected a new id.")
        save_model(path, EvidenceLog(entries=[*log.entries, new]))
    return new


def update_evidence(folder: str | os.PathLike, entry_id: str, values: Mapping,
                    seen: Fingerprints | None = None) -> EvidenceEntry:
    """Replace the fields of entry `entry_id` with `values` (its id stays) and save the log.

    `seen`: the entries' fingerprints as the page showed them; an entry someone else changed
    since is not overwritten (`entries.EditConflict`).
    """
    data = _checked_values(values)
    data.pop("id", None)
    new = _entry({**data, "id": entry_id}, f"{EVIDENCE_FILE}, entry {entry_id}")

    def change(log: dict) -> None:
        entries = log["entries"]
        entries[_position(entries, entry_id)] = new.model_dump(exclude_defaults=True)

    edit_entries(Path(folder) / EVIDENCE_FILE, _load_log, change, _save_log, seen=seen)
    return new


def delete_evidence(folder: str | os.PathLike, entry_id: str, seen: Fingerprints | None = None) -> EvidenceEntry:
    """Take entry `entry_id` out of the log and save it; returns the entry removed."""
    removed = []

    def change(log: dict) -> None:
        entries = log["entries"]
        removed.append(entries.pop(_position(entries, entry_id)))

    edit_entries(Path(folder) / EVIDENCE_FILE, _load_log, change, _save_log, seen=seen)
    return EvidenceEntry.model_validate(removed[0])


def check_evidence_date(value: object, today: dt.date | None = None) -> str:
    """The date of a finding as YYYY, YYYY-MM or YYYY-MM-DD; a real date, not in the future."""
    today = today or dt.date.today()
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()[:10]
    text = str(value if value is not None else "").strip()
    expected = "expected YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2024-05"
    if not text:
        raise InputError(f"Date: the box is empty; {expected}.")
    match = _DATE.match(text)
    if match is None:
        raise InputError(f"Date: '{text}' is not a date; {expected}.")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        first = dt.date(year, month or 1, day or 1)
    except ValueError:
        raise InputError(f"Date: '{text}' is not a date of the calendar; {expected}.") from None
    if first > today:
        raise InputError(f"Date: {text} is in the future; expected the date the finding was published "
                         "or collected, today or earlier.")
    return text


_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_TEXT_FIELDS = {"finding": "Finding", "citation": "Citation"}


def _checked_values(values: Mapping) -> dict:
    """The form's values with empty ones dropped; the date and texts checked in plain words."""
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in dict(values).items()}
    data = {k: v for k, v in data.items() if v not in (None, "")}
    for key, label in _TEXT_FIELDS.items():
        if len(str(data.get(key, ""))) < 3:
            raise InputError(f"{label}: the box is empty or too short; expected a few words.")
    data["date"] = check_evidence_date(data.get("date"))
    return data


def _entry(data: dict, where: str) -> EvidenceEntry:
    try:
        return EvidenceEntry.model_validate(data)
    except ValidationError as err:
        raise InputError(describe_validation_error(err, where)) from None


def _position(entries: list[dict], entry_id: str) -> int:
    for i, entry in enumerate(entries):
        if entry.get("id") == entry_id:
            return i
    raise InputError(f"{EVIDENCE_FILE}: the entry was deleted meanwhile (perhaps by someone else); "
                     "the page now shows the entries as they are.")


def _load_log(path: Path) -> EvidenceLog:
    return load_model(path, EvidenceLog, default=EvidenceLog())


def _save_log(path: Path, log: EvidenceLog) -> Path:
    return save_model(path, log)


def next_evidence_id(log: EvidenceLog) -> str:
    used = {e.id for e in log.entries}
    k = len(log.entries) + 1
    while f"E{k:02d}" in used:
        k += 1
    return f"E{k:02d}"


# --- partner aggregates -------------------------------------------------------------------

def read_partner_aggregates(path: str | os.PathLike, analysis: Analysis) -> pd.DataFrame:
    """A partner's HEAT Plus file, each row tagged with its file and matched to survey groups.

    A row is matched to a group when its dimension names a circumstance (by id or label)
    and its subgroup is one of that circumstance's categories; `group_id` stays empty
    otherwise and `factor` then too. `worse` tells whether the row is on the unfavourable
    side of its setting average by at least `settings.left_behind.min_gap`.
    """
    table = read_heat_template(path)
    names = {}
    for c in analysis.circumstances:
        names[c.id.lower()] = c
        names[c.label.lower()] = c
    circ = table["dimension"].str.lower().map(lambda d: names.get(d))
    gid = [make_group_id([c.id], [s]) if c is not None else "" for c, s in zip(circ, table["subgroup"])]
    factor = [c.factor if c is not None else "" for c in circ]
    scale = table["indicator_scale"].to_numpy(dtype=float)
    sign = np.where(table["favourable_indicator"].to_numpy() == 1, -1.0, 1.0)
    gap = sign * (table["estimate"].to_numpy(dtype=float) - table["setting_average"].to_numpy(dtype=float)) / scale
    return table.assign(
        provenance=Path(path).name, group_id=gid, factor=factor, gap=gap * 100,
        worse=gap >= analysis.settings.left_behind.min_gap - 1e-12,
    )


def partner_files(folder: str | os.PathLike) -> list[Path]:
    """Partner aggregate files shipped in the analysis folder (`partner_aggregates*.csv|xlsx`)."""
    return sorted(p for p in Path(folder).glob(PARTNER_PATTERN) if p.suffix.lower() in (".csv", ".xlsx"))


# --- the matrix -------------------------------------------------------------------------

@dataclass(frozen=True)
class EvidenceMatrix:
    """Every piece of evidence on a group and factor, from the survey, partners and the log.

    `records`: one row per group, factor and kind of source (MATRIX_COLUMNS), `count` pieces
    of evidence summarised in `summary`.
    """

    records: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.records.copy()

    def wide(self, groups: list[str] | None = None) -> pd.DataFrame:
        """Groups x the five factors; each cell names the kinds of source (with counts)."""
        rec = self.records if groups is None else self.records.loc[self.records["group_id"].isin(groups)]
        cell = rec.assign(text=rec["source_type"].map(SOURCE_LABELS).fillna(rec["source_type"])
                          + " (" + rec["count"].astype(str) + ")")
        table = cell.pivot_table(index=["group_id", "label"], columns="factor", values="text",
                                 aggfunc="; ".join, sort=False)
        table = table.reindex(columns=list(FACTORS)).astype(object).fillna("")
        return table.rename(columns=FACTOR_LABELS).reset_index()

    def triangulation(self) -> pd.DataFrame:
        """Per group: the kinds of source that speak about it; two or more = triangulated."""
        grouped = self.records.groupby(["group_id", "label"], sort=False)
        out = grouped.agg(
            sources=("source_type", lambda s: ";".join(dict.fromkeys(s))),
            n_sources=("source_type", "nunique"),
            factors=("factor", lambda s: ";".join(f for f in FACTORS if f in set(s))),
        ).reset_index()
        out["triangulated"] = out["n_sources"] >= 2
        return out.sort_values(["n_sources", "group_id"], ascending=[False, True], kind="stable").reset_index(drop=True)

    def for_group(self, group: str) -> pd.DataFrame:
        """What each kind of source says about one group (id or free label)."""
        rows = self.records.loc[(self.records["group_id"] == group) | (self.records["label"] == group)]
        return rows.assign(source=rows["source_type"].map(SOURCE_LABELS))[
            ["source", "factor", "count", "summary"]].reset_index(drop=True)


def evidence_matrix(left_behind: LeftBehind, log: EvidenceLog, analysis: Analysis,
                    partners: pd.DataFrame | None = None) -> EvidenceMatrix:
    """Combine the survey's left-behind groups, partners' aggregates and the evidence log."""
    parts = [_survey_records(left_behind, analysis), _log_records(log)]
    if partners is not None and len(partners):
        parts.append(_partner_records(partners))
    records = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) \
        else pd.DataFrame(columns=MATRIX_COLUMNS)
    records = records.groupby(["group_id", "label", "factor", "source_type"], sort=False).agg(
        count=("count", "sum"), summary=("summary", " | ".join)).reset_index()
    return EvidenceMatrix(records[MATRIX_COLUMNS])


def _survey_records(left_behind: LeftBehind, analysis: Analysis) -> pd.DataFrame:
    g = left_behind.groups
    if g.empty:
        return pd.DataFrame(columns=MATRIX_COLUMNS)
    labels = {i.id: i.label or i.id for i in analysis.indicators}
    named = g["indicators"].map(lambda ids: "; ".join(labels.get(i, i) for i in str(ids).split(";") if i))
    summary = ("left behind on " + g["n_indicators"].astype(str) + " indicator(s) ("
               + named + "), mean gap " + g["mean_gap"].round(1).astype(str) + " points")
    long = g.assign(summary=summary, factor=g["factors"].str.split(";")).explode("factor")
    return pd.DataFrame({
        "group_id": long["group_id"], "label": long["label"], "factor": long["factor"],
        "source_type": SURVEY_SOURCE, "count": long["n_indicators"].astype(int), "summary": long["summary"],
    })


def _log_records(log: EvidenceLog) -> pd.DataFrame:
    return pd.DataFrame(
        [{"group_id": e.group_key, "label": e.label, "factor": e.factor, "source_type": e.source_type,
          "count": 1, "summary": f"{e.finding} ({e.citation}, {e.date})"} for e in log.entries],
        columns=MATRIX_COLUMNS,
    )


def _partner_records(partners: pd.DataFrame) -> pd.DataFrame:
    rows = partners.loc[partners["worse"] & (partners["group_id"] != "")]
    summary = (rows["indicator_name"] + ": " + rows["estimate"].round(1).astype(str) + " against "
               + rows["setting_average"].round(1).astype(str) + " overall (" + rows["source"] + ", "
               + rows["provenance"] + ")")
    return pd.DataFrame({
        "group_id": rows["group_id"], "label": rows["subgroup"], "factor": rows["factor"],
        "source_type": PARTNER_SOURCE, "count": 1, "summary": summary,
    })
