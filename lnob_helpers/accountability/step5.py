"""Step 5 from start to finish: how accountability for the furthest behind is advancing.

`compute_step5` reads the team's Step 5 files (`step5_accountability.yaml`,
`step5_recommendations.yaml`), the actions of `step3_what.yaml`, the groups the team chose in
`step2_why.yaml` and the left-behind groups Step 1 wrote (`outputs/step1/left_behind.csv`), and
gathers what the Step 5 page and report show:

1. the scorecard self-assessments, scored by area and year, with a headline that states how many
   indicators are rated and gives a score only once enough are (`headline_coverage`);
2. the human-rights recommendations tracked, and - once Step 1's table is there - which of the
   furthest-behind and chosen groups they concern and which actions target them;
3. the participation log with its head counts, and who among those groups has not taken part;
4. how far the VNR, MAPS and participation checklists have got.

`Step5Result.write` saves these tables under `<analysis>/outputs/step5/`, in the app and in
report mode alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..checklists import Checklist, checklist_progress, load_checklist
from ..config import Analysis
from ..consultations import STEP5_FILE
from ..exports import write_tables
from ..groups import STEP1_MISSING, step1_groups
from ..what.models import STEP3_FILE, Step3What, load_step3
from ..why.models import STEP2_FILE, load_step2
from .models import Step5Accountability, load_step5
from .participation import consultation_frame, participant_totals, participation_warnings, who_is_not_participating
from .recommendations import (RECOMMENDATIONS_FILE, RecommendationCoverage, RecommendationsFile, load_recommendations,
                              recommendation_coverage, recommendations_frame)
from .scorecard import ScorecardScores, score_scorecard

OUTPUT_FOLDER = "step5"
CHECKLISTS = ("vnr", "maps", "participation")


@dataclass(frozen=True)
class Step5Result:
    """Everything Step 5 shows and saves; `notes` says in plain words what could not be done."""

    analysis: Analysis
    step5: Step5Accountability
    step3: Step3What
    recommendations: RecommendationsFile
    recommendation_table: pd.DataFrame          # one row per recommendation, lists joined with "; "
    consultation_log: pd.DataFrame              # one row per consultation with its head counts
    head_counts: pd.DataFrame                   # participants summed over consultations, by breakdown
    groups: pd.DataFrame | None                 # Step 1's left-behind groups; None when not written
    focus: pd.DataFrame | None                  # the furthest-behind groups and those chosen in Step 2
    scorecards: list[ScorecardScores]           # one per scorecard assessment, in file order
    coverage: RecommendationCoverage | None     # recommendations and actions per focus group
    participation: pd.DataFrame | None          # who among the focus groups has taken part
    warnings: list[str]                         # participation gaps in plain sentences
    checklists: dict[str, Checklist]          # the shipped checklists Step 5 asks, by name
    notes: tuple[str, ...] = ()

    def progress(self, name: str) -> pd.DataFrame:
        """Answered and fulfilled share per section of one checklist ("vnr", "maps", "participation")."""
        return checklist_progress(self.checklists[name], self.step5.checklists.get(name, []))

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The tables Step 5 hands on, by output file name (group tables only once Step 1 is there)."""
        frames = {}
        if self.scorecards:
            frames["scorecard_scores.csv"] = pd.concat(
                [s.to_frame().assign(scorecard=s.card.title) for s in self.scorecards], ignore_index=True)
            frames["scorecard_ratings.csv"] = pd.concat(
                [s.by_indicator.assign(scorecard=s.card.title) for s in self.scorecards], ignore_index=True)
        frames["recommendations.csv"] = self.recommendation_table
        if self.coverage is not None:
            frames["recommendation_coverage.csv"] = self.coverage.to_frame()
        frames["consultations.csv"] = self.consultation_log
        frames["participant_totals.csv"] = self.head_counts
        if self.participation is not None:
            frames["participation_by_group.csv"] = self.participation
            frames["participation_warnings.csv"] = pd.DataFrame({"warning": self.warnings}, dtype="str")
        frames["checklist_progress.csv"] = pd.concat(
            [self.progress(name).assign(checklist=c.title) for name, c in self.checklists.items()],
            ignore_index=True)
        return frames

    def write(self, folder: Path | None = None) -> list[Path]:
        """Save the tables in `folder` (`<analysis>/outputs/step5/`), each file atomically and, since
        their texts are people's own, formula-safe (`exports.write_tables`)."""
        return write_tables(self.to_frames(), folder or self.analysis.outputs / OUTPUT_FOLDER)


def compute_step5(analysis: Analysis) -> Step5Result:
    """Compute Step 5 from the team's step files and Step 1's written groups; see the module docstring."""
    folder = analysis.folder
    step5 = load_step5(folder / STEP5_FILE)
    step3 = load_step3(folder / STEP3_FILE)
    recs = load_recommendations(folder / RECOMMENDATIONS_FILE, step3)
    groups = step1_groups(analysis)
    focus = None if groups is None else focus_groups(groups, load_step2(folder / STEP2_FILE).priority_groups)
    return Step5Result(
        analysis=analysis, step5=step5, step3=step3, recommendations=recs,
        recommendation_table=recommendations_frame(recs), consultation_log=consultation_frame(step5.consultations),
        head_counts=participant_totals(step5.consultations), groups=groups, focus=focus,
        scorecards=[score_scorecard(a.resolved(), a.ratings, a.headline_coverage) for a in step5.scorecards],
        coverage=None if focus is None else recommendation_coverage(recs, step3, focus),
        participation=None if focus is None else who_is_not_participating(step5.consultations, focus),
        warnings=[] if focus is None else participation_warnings(step5.consultations, focus),
        checklists={name: load_checklist(name) for name in CHECKLISTS},
        notes=(STEP1_MISSING,) if groups is None else (),
    )


def focus_groups(groups: pd.DataFrame, chosen: list[str]) -> pd.DataFrame:
    """The furthest-behind groups and those the team chose in Step 2: Step 1 may list hundreds."""
    return groups[groups["furthest_behind"] | groups["group_id"].isin(chosen)].reset_index(drop=True)
