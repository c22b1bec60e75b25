"""The manifest of a contribution package: who shares what, made how, under which licence.

A partner in a data collaborative reads the manifest before the numbers: it says which kind of
source the aggregates come from, how they were made, what they cover, for which years, under
which licence they may be reused, how small cells were withheld, and the SHA-256 of every file,
so a changed file is caught on import. Unknown keys are errors, as in every file the workbook
reads, so a misspelt key is reported rather than ignored.

Figures from citizen-generated or administrative sources carry a short quality assessment. Its
five criteria are the ones issue 16 names; the descriptions below are the workbook's own words,
informed by the principles of the Copenhagen Framework on Citizen Data (Collaborative on Citizen
Data, convened by the UN Statistics Division and UN Women): quality, ethics and the
human-rights-based approach to data.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from ..config import Country, Strict, Suppression
from ..errors import InputError, describe_validation_error

PACKAGE_FORMAT = "lnob-contribution/1"
SourceType = Literal["survey", "census", "administrative", "civil_society", "citizen_generated"]
SOURCE_TYPE_LABELS = {
    "survey": "Survey",
    "census": "Census",
    "administrative": "Administrative data",
    "civil_society": "Civil society data",
    "citizen_generated": "Citizen-generated data",
}
NEEDS_QUALITY = ("citizen_generated", "administrative")
QualityLevel = Literal["met", "partly met", "not met", "not known"]
# criterion -> (label, what it asks); the order is the order people read them in
QUALITY_CRITERIA = {
    "sampling_or_coverage": (
        "Sampling or coverage",
        "Whom the figures speak for: how people or places were reached or listed, and which groups "
        "may be missing or over-represented."),
    "method_documented": (
        "Method documented",
        "Whether the definitions, questions, tools and calculations are written down well enough "
        "for someone else to repeat or check them."),
    "validation": (
        "Validation",
        "Whether the figures were checked, for instance against another source, by spot checks or "
        "re-contacts, or in a review with the people concerned."),
    "timeliness": (
        "Timeliness",
        "How recent the data are and how soon after collection they were shared, against how fast "
        "the situation they describe changes."),
    "ethics_consent": (
        "Ethics and consent",
        "Whether people agreed to take part knowing how their data would be used, were protected "
        "from harm, and had a say in the design or the reading of the results."),
}
FileRole = Literal["heat_plus", "sdmx_csv", "withheld"]
MAX_TEXT = 2000


class Partner(Strict):
    """The organisation sharing the package, and how to reach it."""

    name: str = Field(min_length=1, max_length=200)
    contact: str = Field(default="", max_length=500)

    @field_validator("name", "contact")
    @classmethod
    def _strip(cls, v: str, info) -> str:
        if info.field_name == "name" and not v.strip():
            raise ValueError("must not be blank")
        return v.strip()


class Assessment(Strict):
    """One quality criterion: a level and a sentence saying why."""

    level: QualityLevel
    note: str = Field(min_length=1, max_length=MAX_TEXT, description="One sentence saying why this level.")

    @field_validator("note")
    @classmethod
    def _said(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must say in a sentence why this level was given")
        return v.strip()


class Quality(Strict):
    """The quality assessment of a non-survey source, one `Assessment` per criterion."""

    sampling_or_coverage: Assessment
    method_documented: Assessment
    validation: Assessment
    timeliness: Assessment
    ethics_consent: Assessment


class Period(Strict):
    """The years the figures refer to, first and last included."""

    start: int = Field(ge=1900, le=2100)
    end: int = Field(ge=1900, le=2100)

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end < self.start:
            raise ValueError(f"ends ({self.end}) before it starts ({self.start})")
        return self


class PackageFile(Strict):
    """One file of the package, its role and its SHA-256, which import recomputes."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)
    role: FileRole
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    rows: int = Field(ge=0)


class Manifest(Strict):
    """Everything `manifest.json` holds."""

    package_format: Literal["lnob-contribution/1"] = PACKAGE_FORMAT
    partner: Partner
    source_type: SourceType
    method: str = Field(min_length=1, max_length=MAX_TEXT)
    coverage: str = Field(min_length=1, max_length=MAX_TEXT)
    period: Period
    licence: str = Field(min_length=1, max_length=500,
                         description="An SPDX-like licence id (CC-BY-4.0) or the licence's terms in words.")
    quality: Quality | None = None
    country: Country
    suppression: Suppression = Field(description="The small-cell rule the partner applied before sharing.")
    files: list[PackageFile] = Field(min_length=1)
    workbook_version: str = Field(min_length=1, max_length=50)
    created: datetime

    @field_validator("method", "coverage", "licence")
    @classmethod
    def _text(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        if any(ord(ch) < 32 and ch not in "\n\t" for ch in v):
            raise ValueError("holds control characters; write plain text")
        return v.strip()

    @model_validator(mode="after")
    def _quality_where_needed(self) -> "Manifest":
        if self.source_type in NEEDS_QUALITY and self.quality is None:
            criteria = ", ".join(label.lower() for label, _ in QUALITY_CRITERIA.values())
            raise ValueError(f"figures from {SOURCE_TYPE_LABELS[self.source_type].lower()} need a quality "
                             f"assessment (`quality`): a level and a sentence for each of {criteria}")
        names = [f.name for f in self.files]
        if len(set(names)) != len(names):
            raise ValueError("`files` names the same file twice")
        return self

    def file(self, role: str) -> PackageFile | None:
        """The file with `role`, or None."""
        return next((f for f in self.files if f.role == role), None)

    def to_json(self) -> bytes:
        return (self.model_dump_json(indent=2, exclude_none=True) + "\n").encode("utf-8")


def parse_manifest(data: bytes, source: str) -> Manifest:
    """The manifest in `data` (JSON), or InputError with one sentence per problem naming the field."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"{source}: not valid JSON ({err}).") from None
    if not isinstance(raw, dict):
        raise InputError(f"{source}: expected a JSON object of manifest fields.")
    return validate_manifest(raw, source)


def validate_manifest(fields: dict, source: str) -> Manifest:
    """`fields` as a Manifest, or InputError with one sentence per problem naming the field."""
    try:
        return Manifest.model_validate(fields)
    except ValidationError as err:
        raise InputError(describe_validation_error(err, source)) from None


def period_from_text(text: str) -> dict[str, int]:
    """"2019-2024" or "2024" as a period's start and end, or InputError naming the option."""
    parts = [p.strip() for p in text.split("-")]
    if len(parts) not in (1, 2) or not all(p.isdigit() and len(p) == 4 for p in parts):
        raise InputError(f"--period '{text}': expected a year (2024) or first and last years (2019-2024).")
    return {"start": int(parts[0]), "end": int(parts[-1])}
