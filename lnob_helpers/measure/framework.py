"""The LNOB indicator framework: structural, process and outcome indicators side by side.

The guide's Step 4 borrows the human-rights indicator framework (OHCHR, "Human rights
indicators: a guide to measurement and implementation"): a structural indicator shows a
commitment (a law ratified, a policy adopted), a process indicator shows the effort made
to honour it (budgets, programmes, access to remedies) and an outcome indicator shows the
result in people's lives. Monitoring all three tells a country team whether a gap persists
because nothing was promised, nothing was done, or what was done did not reach people.

Each entry names its baseline and target, its data source, the body responsible for it,
the SDG target it serves and the groups it follows. The framework is kept in
`step4_framework.yaml` in the analysis folder; Step 5 reads it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from ..config import Strict
from ..entries import duplicate_ids, raise_problems
from ..errors import InputError, describe_validation_error
from ..yamlstore import load_model, save_model

FRAMEWORK_FILE = "step4_framework.yaml"
IndicatorType = Literal["structural", "process", "outcome"]
INDICATOR_TYPES = ("structural", "process", "outcome")
SDG_TARGET = re.compile(r"([1-9]|1[0-7])\.([1-9][0-9]?|[a-z])")


class Observation(Strict):
    """A value in a year; structural indicators often have a word ("yes", "draft") as value."""

    value: float | str
    year: int = Field(ge=1900, le=2100)


class FrameworkIndicator(Strict):
    id: str = Field(min_length=1, pattern=r"^\S+$", description="Short code without spaces, e.g. S1, P2, O3.")
    name: str = Field(min_length=1)
    type: IndicatorType
    baseline: Observation | None = None
    target: Observation | None = None
    source: str = Field(min_length=1, description="Where the value comes from.")
    responsible: str = Field(min_length=1, description="The body that answers for progress.")
    sdg_target: str = Field(description="SDG target such as 10.2 or 16.b.")
    groups: list[str] = Field(default_factory=list, description="Groups followed; empty = whole population.")

    @field_validator("sdg_target")
    @classmethod
    def _sdg_target_form(cls, value: str) -> str:
        if not SDG_TARGET.fullmatch(value.strip()):
            raise ValueError(f"'{value}' is not an SDG target; expected goal.target such as 10.2 or 16.b")
        return value.strip()

    @model_validator(mode="after")
    def _target_after_baseline(self) -> "FrameworkIndicator":
        if self.baseline and self.target and self.target.year <= self.baseline.year:
            raise ValueError(f"target year {self.target.year} must come after baseline year {self.baseline.year}")
        return self


class IndicatorFramework(Strict):
    """All indicators of the framework: the content of `step4_framework.yaml`."""

    indicators: list[FrameworkIndicator] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> "IndicatorFramework":
        raise_problems(duplicate_ids(self.indicators, "indicators"))
        return self

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator, baseline and target spread into value and year columns."""
        rows = [{
            "id": i.id, "name": i.name, "type": i.type,
            "baseline_value": i.baseline.value if i.baseline else None,
            "baseline_year": i.baseline.year if i.baseline else None,
            "target_value": i.target.value if i.target else None,
            "target_year": i.target.year if i.target else None,
            "source": i.source, "responsible": i.responsible, "sdg_target": i.sdg_target,
            "groups": ", ".join(i.groups),
        } for i in self.indicators]
        columns = ["id", "name", "type", "baseline_value", "baseline_year", "target_value", "target_year",
                   "source", "responsible", "sdg_target", "groups"]
        return pd.DataFrame(rows, columns=columns)

    def coverage(self) -> pd.DataFrame:
        """How many indicators of each type per SDG target: an empty cell is a blind spot."""
        counts = pd.crosstab(self.to_frame()["sdg_target"], self.to_frame()["type"])
        return counts.reindex(columns=list(INDICATOR_TYPES), fill_value=0)


def framework_from_records(records: list[dict], source: str = "indicator framework") -> IndicatorFramework:
    """Validate entries typed in the app or read from a sheet; errors name the entry (1-based) and field."""
    try:
        return IndicatorFramework.model_validate({"indicators": records})
    except ValidationError as e:
        raise InputError(describe_validation_error(e, source)) from None


def save_framework(folder: str | os.PathLike, framework: IndicatorFramework) -> Path:
    """Write `step4_framework.yaml` in the analysis folder (atomically, keeping a backup)."""
    return save_model(Path(folder) / FRAMEWORK_FILE, framework)


def load_framework(folder: str | os.PathLike) -> IndicatorFramework:
    """Read `step4_framework.yaml`; an analysis without one starts with an empty framework."""
    return load_model(Path(folder) / FRAMEWORK_FILE, IndicatorFramework, default=IndicatorFramework())
