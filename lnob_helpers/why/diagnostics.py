"""Step 2's diagnostic questions as a checklist with the team's answers.

The questions (shipped in `checklist_step2.yaml`, in the project's own words) follow the
diagnostics of the guide's Step 2; answers live in `step2_why.yaml` under `diagnostics`.
"""

from __future__ import annotations

import pandas as pd

from ..checklists import Checklist, answers_frame, checklist_progress, load_checklist
from .models import Step2Why


def step2_checklist() -> Checklist:
    """The shipped Step 2 diagnostic questions."""
    return load_checklist("step2")


def step2_diagnostics(step2: Step2Why) -> pd.DataFrame:
    """Every Step 2 question with the team's answer and note ("" when unanswered)."""
    return answers_frame(step2_checklist(), step2.diagnostics)


def step2_progress(step2: Step2Why) -> pd.DataFrame:
    """Answered and fulfilled share per section of the Step 2 diagnostics."""
    return checklist_progress(step2_checklist(), step2.diagnostics)
