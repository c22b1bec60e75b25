"""Step 3 computed from an analysis folder: the result, its tables and the files it writes."""

from pathlib import Path

import pandas as pd
import pytest
from fixtures_steps import write_step1  # tests/ is on sys.path: see conftest.py

from lnob_helpers.config import load_analysis
from lnob_helpers.errors import InputError
from lnob_helpers.groups import STEP1_MISSING
from lnob_helpers.what.models import ACTION_AREAS
from lnob_helpers.what.step3 import PLAN_SHOWN, compute_step3
from lnob_helpers.yamlstore import dump_yaml, read_yaml


@pytest.fixture
def folder(step_folder) -> Path:
    """The sample's definition and Steps 2-3 files; Step 1's table only where a test writes it."""
    return step_folder("analysis.yaml", "step2_why.yaml", "step3_what.yaml")


def test_step3_ranks_the_actions_and_writes_plan_warnings_and_areas(folder):
    write_step1(folder)
    result = compute_step3(load_analysis(folder))
    assert result.notes == ()
    n_actions = len(result.step3.actions)
    assert result.plan.table["rank"].tolist() == list(range(1, n_actions + 1))
    assert result.plan.top(1) == ["tamar-health-boards"]
    assert result.plan.table["score"].is_monotonic_decreasing
    shown = result.plan_table(3)
    assert shown.columns.tolist() == PLAN_SHOWN and len(shown) == 3
    assert "Root cause `stigma`" in " ".join(result.coverage.messages())
    assert result.areas["area"].tolist() == list(ACTION_AREAS.values())
    assert result.areas["actions"].sum() == n_actions

    written = result.write()
    out = folder / "outputs" / "step3"
    assert {p.name for p in written} == {"action_plan.csv", "coverage_warnings.csv", "action_areas.csv"}
    plan = pd.read_csv(out / "action_plan.csv")
    assert plan["action_id"].tolist() == result.plan.top(n_actions)
    assert all(text.endswith(f"total {score:.2f}") for text, score in zip(plan["explanation"], plan["score"]))
    warnings = pd.read_csv(out / "coverage_warnings.csv")
    assert warnings["message"].tolist() == result.coverage.messages()


def test_without_step1_the_result_says_so_and_writes_the_areas(folder):
    result = compute_step3(load_analysis(folder))
    assert result.plan is None and result.coverage is None
    assert result.notes == (STEP1_MISSING,)
    assert result.plan_table(5).empty
    assert [p.name for p in result.write()] == ["action_areas.csv"]


def test_actions_linked_to_causes_step2_lacks_are_named(folder):
    step3 = read_yaml(folder / "step3_what.yaml")
    step3["actions"][0]["cause_ids"] = ["no-such-cause"]
    (folder / "step3_what.yaml").write_text(dump_yaml(step3), encoding="utf-8")
    with pytest.raises(InputError, match="`cause_ids` refers to `no-such-cause`"):
        compute_step3(load_analysis(folder))
