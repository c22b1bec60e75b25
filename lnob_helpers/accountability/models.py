"""What a team records in `step5_accountability.yaml`: scorecard ratings, the participation log
and checklist answers. Recommendations live in their own file (`step5_recommendations.yaml`)
because they are imported from CSV."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, model_validator

from ..entries import Record, duplicate_ids, fill_ids, load_entries, raise_problems, save_entries
from ..checklists import ChecklistAnswer, checklist_answer_problems
from ..consultations import Consultation
from .scorecard import ScorecardAssessment


class Step5Accountability(Record):
    """Everything Step 5 stores apart from the recommendations."""

    scorecards: list[ScorecardAssessment] = Field(default_factory=list)
    consultations: list[Consultation] = Field(default_factory=list)
    checklists: dict[str, list[ChecklistAnswer]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ids(self) -> "Step5Accountability":
        fill_ids(self.consultations, "consultation")
        problems = duplicate_ids(self.consultations, "consultations")
        problems += checklist_answer_problems(self.checklists, "checklists")
        raise_problems(problems)
        return self


def load_step5(path: str | os.PathLike) -> Step5Accountability:
    """Read `step5_accountability.yaml`; a missing file is an empty Step 5."""
    return load_entries(path, Step5Accountability, default=Step5Accountability())


def save_step5(path: str | os.PathLike, step5: Step5Accountability) -> Path:
    """Re-validate and save atomically, keeping a `.bak`."""
    return save_entries(path, step5)
