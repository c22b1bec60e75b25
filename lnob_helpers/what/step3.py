"""Step 3 from start to finish: what should be done, and what no action reaches yet.

`compute_step3` reads the team's `step3_what.yaml` (its links to `step2_why.yaml` checked) and
the left-behind groups Step 1 wrote (`outputs/step1/left_behind.csv`), and gathers what the
Step 3 page and report show:

1. the prioritised action plan, with what drives each score - only when Step 1's table is there;
2. the coverage warnings: root causes and furthest-behind groups no action reaches, and actions
   that reach no left-behind group - likewise;
3. how the actions spread over the guide's seven areas.

`Step3Result.write` saves these tables under `<analysis>/outputs/step3/`, in the app and in
report mode alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..config import Analysis
from ..exports import write_tables
from ..groups import STEP1_MISSING, group_labels, name_groups, step1_groups
from ..scoring import Ranking
from ..why.models import STEP2_FILE, Step2Why, load_step2
from .coverage import CoverageReport, check_coverage
from .models import ACTION_AREAS, STEP3_FILE, Step3What, load_step3
from .prioritise import prioritise_actions

OUTPUT_FOLDER = "step3"
PLAN_SHOWN = ["rank", "title", "area", "score", "aimed at", "causes", "duty_bearers", "sdg_targets", "lead"]


@dataclass(frozen=True)
class Step3Result:
    """Everything Step 3 shows and saves; `notes` says in plain words what could not be done."""

    analysis: Analysis
    step2: Step2Why
    step3: Step3What
    groups: pd.DataFrame | None        # Step 1's left-behind groups; None when Step 1 has not written them
    plan: Ranking | None               # the prioritised action plan; None without Step 1
    coverage: CoverageReport | None    # coverage warnings; None without Step 1
    areas: pd.DataFrame                # actions per area of the guide's seven
    notes: tuple[str, ...] = ()

    def plan_table(self, top: int) -> pd.DataFrame:
        """The `top` actions for reading: the groups each is aimed at (their labels) rather than every
        group it reaches, and the wording of the causes it addresses."""
        if self.plan is None:
            return pd.DataFrame(columns=PLAN_SHOWN)
        labels = group_labels(self.groups)
        causes = {c.id: c.text for c in self.step2.causes().values()}
        aimed = {a.id: name_groups(a.group_ids, labels) for a in self.step3.actions}
        addressed = {a.id: "; ".join(causes.get(c, c) for c in a.cause_ids) for a in self.step3.actions}
        table = self.plan.table.head(top)
        return table.assign(**{"aimed at": table["action_id"].map(aimed),
                               "causes": table["action_id"].map(addressed)})[PLAN_SHOWN]

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The tables Step 3 hands on, by output file name (plan and warnings only once Step 1 is there)."""
        frames = {}
        if self.plan is not None:
            frames["action_plan.csv"] = self.plan.to_frame()
        if self.coverage is not None:
            frames["coverage_warnings.csv"] = self.coverage.to_frame()
        return frames | {"action_areas.csv": self.areas}

    def write(self, folder: Path | None = None) -> list[Path]:
        """Save the tables in `folder` (`<analysis>/outputs/step3/`), each file atomically and, since
        their texts are people's own, formula-safe (`exports.write_tables`)."""
        return write_tables(self.to_frames(), folder or self.analysis.outputs / OUTPUT_FOLDER)


def compute_step3(analysis: Analysis) -> Step3Result:
    """Compute Step 3 from the team's step files and Step 1's written groups; see the module docstring."""
    step2 = load_step2(analysis.folder / STEP2_FILE)
    step3 = load_step3(analysis.folder / STEP3_FILE, step2)
    groups = step1_groups(analysis)
    return Step3Result(
        analysis=analysis, step2=step2, step3=step3, groups=groups,
        plan=None if groups is None else prioritise_actions(step3, step2, groups),
        coverage=None if groups is None else check_coverage(step3, step2, groups),
        areas=area_counts(step3), notes=(STEP1_MISSING,) if groups is None else (),
    )


def area_counts(step3: Step3What) -> pd.DataFrame:
    """Actions per area of the guide's seven, areas without any action included."""
    counts = pd.Series([a.area for a in step3.actions], dtype="str").value_counts()
    return pd.DataFrame({"area": list(ACTION_AREAS.values()),
                         "actions": [int(counts.get(k, 0)) for k in ACTION_AREAS]})
