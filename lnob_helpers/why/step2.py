"""Step 2 from start to finish: why are the groups left behind, and who has to act?

`compute_step2` reads the team's `step2_why.yaml` and the left-behind groups Step 1 wrote
(`outputs/step1/left_behind.csv`), and gathers everything the Step 2 page and report show:

1. the left-behind groups ranked for the causal analysis, weighing who has been heard (the
   evidence log and the participation log) - only when Step 1's table is there;
2. the problem trees and their causes;
3. the role pattern (rights holders, duty-bearers, other actors) and the capacity gaps;
4. the answers to the Step 2 diagnostic questions and how far each section has got.

`Step2Result.write` saves these tables under `<analysis>/outputs/step2/`, in the app and in
report mode alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..config import Analysis
from ..consultations import consulted_groups, load_consultations
from ..exports import write_tables
from ..groups import STEP1_MISSING, step1_groups
from ..scoring import Ranking
from ..who.evidence import load_evidence
from ..who.left_behind import furthest_behind_group
from .diagnostics import step2_diagnostics, step2_progress
from .models import STEP2_FILE, Step2Why, load_step2
from .prioritise import prioritise_groups
from .problem_tree import tree_frame
from .roles import CapacityGapAnalysis, capacity_gaps, role_pattern

OUTPUT_FOLDER = "step2"
TREE_COLUMNS = ["tree_id", "title", "manifestation", "groups", "rights", "standards", "sdg_targets", "n_causes"]


@dataclass(frozen=True)
class Step2Result:
    """Everything Step 2 shows and saves; `notes` says in plain words what could not be done."""

    analysis: Analysis
    step2: Step2Why
    groups: pd.DataFrame | None        # Step 1's left-behind groups; None when Step 1 has not written them
    priorities: Ranking | None         # the groups ranked for the causal analysis; None without Step 1
    roles: pd.DataFrame                # role pattern, one row per actor
    capacity: CapacityGapAnalysis
    diagnostics: pd.DataFrame          # every diagnostic question with the team's answer
    progress: pd.DataFrame             # answered and fulfilled share per section
    notes: tuple[str, ...] = ()

    def priority_table(self, top: int) -> pd.DataFrame:
        """The `top` groups in plain words, with whether the team chose each for the causal analysis."""
        if self.priorities is None:
            return pd.DataFrame()
        table = self.priorities.to_frame().head(top)
        return pd.DataFrame({
            "rank": table["rank"], "group": table["label"], "score": table["score"].round(2),
            "furthest behind": table["furthest_behind"].map({True: "yes", False: ""}),
            "chosen by the team": table["group_id"].isin(self.step2.priority_groups).map({True: "yes", False: ""}),
            "why this score": table["explanation"],
        })

    def furthest_note(self) -> str | None:
        """One sentence when the top priority is not the furthest-behind group, saying why; else None.

        The furthest-behind group is Step 1's (`who.left_behind.furthest_behind_group`, the rule
        every step shares); the priority score also weighs size, shocks and voice, so another
        group may come first.
        """
        if self.priorities is None or self.groups is None:
            return None
        furthest, top = furthest_behind_group(self.groups), self.priorities.table.iloc[0]
        if top["group_id"] == furthest["group_id"]:
            return None
        return (f"Step 2's top priority, {top['label']}, is not the furthest-behind group, {furthest['label']}, "
                "because the priority score weighs not only how far and on how many indicators a group is "
                "behind but also its size, its exposure to shocks and whether it has been heard.")

    def trees_frame(self) -> pd.DataFrame:
        """One row per problem tree: id, title, manifestation, groups, rights, standards, targets."""
        rows = [(t.id, t.title, t.manifestation, "; ".join(t.group_ids), "; ".join(t.rights),
                 "; ".join(t.standards), "; ".join(t.sdg_targets), len(t.causes)) for t in self.step2.problem_trees]
        return pd.DataFrame(rows, columns=TREE_COLUMNS)

    def causes_frame(self) -> pd.DataFrame:
        """Every cause of every tree, with the tree it belongs to."""
        frames = [tree_frame(t).assign(tree_id=t.id, tree=t.title) for t in self.step2.problem_trees]
        columns = ["tree_id", "tree", "cause_id", "level", "text", "parent", "evidence"]
        return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The tables Step 2 hands on, by output file name (the ranking only once Step 1 is there)."""
        frames = {}
        if self.priorities is not None:
            ranked = self.priorities.to_frame()
            frames["group_priorities.csv"] = ranked.assign(
                chosen_by_team=ranked["group_id"].isin(self.step2.priority_groups))
        return frames | {
            "problem_trees.csv": self.trees_frame(),
            "causes.csv": self.causes_frame(),
            "roles.csv": self.roles,
            "capacity_gaps.csv": self.capacity.to_frame(),
            "capacity_matrix.csv": self.capacity.matrix().reset_index(),
            "diagnostics.csv": self.diagnostics,
            "diagnostics_progress.csv": self.progress,
        }

    def write(self, folder: Path | None = None) -> list[Path]:
        """Save the tables in `folder` (`<analysis>/outputs/step2/`), each file atomically and, since
        their texts are people's own, formula-safe (`exports.write_tables`)."""
        return write_tables(self.to_frames(), folder or self.analysis.outputs / OUTPUT_FOLDER)


def compute_step2(analysis: Analysis) -> Step2Result:
    """Compute Step 2 from the team's `step2_why.yaml` and Step 1's written groups; see the module docstring."""
    step2 = load_step2(analysis.folder / STEP2_FILE)
    groups = step1_groups(analysis)
    return Step2Result(
        analysis=analysis, step2=step2, groups=groups,
        priorities=None if groups is None else _group_priorities(analysis, step2, groups),
        roles=role_pattern(step2), capacity=capacity_gaps(step2),
        diagnostics=step2_diagnostics(step2), progress=step2_progress(step2),
        notes=(STEP1_MISSING,) if groups is None else (),
    )


def _group_priorities(analysis: Analysis, step2: Step2Why, groups: pd.DataFrame) -> Ranking:
    """Rank Step 1's groups with the team's weights; voice comes from the evidence and participation logs."""
    evidence = load_evidence(analysis.folder).to_frame()
    consulted = consulted_groups(load_consultations(analysis.folder))
    return prioritise_groups(groups, step2.priority_weights, evidence=evidence[evidence["group_id"] != ""],
                             consulted_groups=consulted,
                             not_disadvantaged={c.id: c.not_disadvantaged for c in analysis.circumstances})
