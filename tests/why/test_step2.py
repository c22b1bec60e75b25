"""Step 2 computed from an analysis folder: the result, its tables and the files it writes."""

from pathlib import Path

import pandas as pd
import pytest
from fixtures_steps import write_step1  # tests/ is on sys.path: see conftest.py

from lnob_helpers.config import load_analysis
from lnob_helpers.groups import STEP1_MISSING
from lnob_helpers.why.step2 import compute_step2
from lnob_helpers.yamlstore import dump_yaml, read_yaml

TAMAR = "bottom40=Bottom 40% & area=Rural & ethnicity=Tamar"
ALWAYS_WRITTEN = {"problem_trees.csv", "causes.csv", "roles.csv", "capacity_gaps.csv", "capacity_matrix.csv",
                  "diagnostics.csv", "diagnostics_progress.csv"}


@pytest.fixture
def folder(step_folder) -> Path:
    """The sample's definition, evidence log and step files; Step 1's table only where a test writes it."""
    return step_folder("analysis.yaml", "evidence.yaml", "step2_why.yaml", "step5_accountability.yaml")


def test_step2_ranks_step1s_written_groups_and_writes_its_tables(folder):
    write_step1(folder)
    result = compute_step2(load_analysis(folder))
    assert result.notes == ()
    assert result.priorities.top(4) == [TAMAR, "bottom40=Bottom 40%", "displacement=Displaced",
                                        "disability=With disability"]
    assert result.priorities.table["rank"].tolist() == [1, 2, 3, 4]
    shown = result.priority_table(2)
    assert shown.columns.tolist() == ["rank", "group", "score", "furthest behind", "chosen by the team",
                                      "why this score"]
    assert shown["group"].tolist() == ["Bottom 40%, Rural, Tamar", "Bottom 40%"]
    assert shown["chosen by the team"].tolist() == ["yes", ""]

    written = result.write()
    out = folder / "outputs" / "step2"
    assert {p.name for p in written} == ALWAYS_WRITTEN | {"group_priorities.csv"}
    assert all(p.parent == out for p in written)
    ranked = pd.read_csv(out / "group_priorities.csv")
    assert ranked["group_id"].tolist() == result.priorities.top(4)
    assert ranked.set_index("group_id")["chosen_by_team"].to_dict() == {
        TAMAR: True, "bottom40=Bottom 40%": False, "displacement=Displaced": True, "disability=With disability": True}
    causes = pd.read_csv(out / "causes.csv")
    assert len(causes) == sum(len(t.causes) for t in result.step2.problem_trees)
    assert set(causes["tree_id"]) == {t.id for t in result.step2.problem_trees}
    trees = pd.read_csv(out / "problem_trees.csv")
    assert trees["n_causes"].sum() == len(causes)
    assert len(pd.read_csv(out / "diagnostics.csv")) == len(result.diagnostics)
    assert pd.read_csv(out / "capacity_matrix.csv")["actor"].tolist() == result.roles["actor"].tolist()


def test_voice_counts_the_participation_log(folder):
    """The rural Tamar took part in a logged consultation; without the log only the broader Tamar were heard."""
    write_step1(folder)
    voice = compute_step2(load_analysis(folder)).priorities.to_frame().set_index("group_id")["voice"]
    assert voice[TAMAR] == 0.0
    step5 = read_yaml(folder / "step5_accountability.yaml")
    (folder / "step5_accountability.yaml").write_text(dump_yaml({**step5, "consultations": []}), encoding="utf-8")
    voice = compute_step2(load_analysis(folder)).priorities.to_frame().set_index("group_id")["voice"]
    assert voice[TAMAR] == 0.5


def test_without_step1_the_result_says_so_and_writes_the_rest(folder):
    result = compute_step2(load_analysis(folder))
    assert result.groups is None and result.priorities is None
    assert result.notes == (STEP1_MISSING,)
    assert result.priority_table(10).empty
    assert not (folder / "outputs" / "step1").exists()  # Step 2 never runs Step 1 itself
    assert {p.name for p in result.write()} == ALWAYS_WRITTEN
    assert len(result.roles) == len(result.step2.actors)
