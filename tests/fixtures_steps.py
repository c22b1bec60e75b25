"""Step 1 and Step 2 fixtures for the fictional country Aruvia (XAV), shared by the tests of
Steps 2, 3 and 5 and the app tests. tests/conftest.py puts tests/ on sys.path and imports the
fixtures, so every folder has them; other tests import `LEFT_BEHIND` and `write_step1` from here.
"""

import copy
import shutil
from pathlib import Path

import pandas as pd
import pytest

LEFT_BEHIND = pd.DataFrame({
    "group_id": ["bottom40=Bottom 40% & area=Rural & ethnicity=Tamar", "displacement=Displaced",
                 "bottom40=Bottom 40%", "disability=With disability"],
    "label": ["Bottom 40%, Rural, Tamar", "Displaced", "Bottom 40%", "With disability"],
    "n_indicators": [6, 3, 4, 2],
    "indicators": ["sba;stunting;school;water;birthreg;cash", "sba;school;birthreg", "sba;stunting;school;cash",
                   "school;cash"],
    "factors": ["socioeconomic;geography;discrimination", "shocks", "socioeconomic", "discrimination;governance"],
    "n_factors": [3, 1, 1, 2],
    "max_gap": [40.0, 20.0, 10.0, -5.0],
    "mean_gap": [22.0, 15.0, 8.0, -2.0],
    "population_share": [0.05, 0.02, 0.40, 0.10],
    "furthest_behind": [True, True, False, False],
})

STEP2 = {
    "problem_trees": [{
        "title": "Births without skilled care among poor rural Tamar women",
        "manifestation": "Only 28% of births to poor rural Tamar women have a skilled attendant.",
        "group_ids": ["bottom40=Bottom 40% & area=Rural & ethnicity=Tamar"],
        "rights": ["right to health", "right to life"],
        "standards": ["CEDAW art. 12"],
        "sdg_targets": ["3.1"],
        "causes": [
            {"id": "far-clinics", "text": "Clinics are far away", "level": "immediate"},
            {"id": "few-midwives", "text": "Few midwives in rural Tamar districts", "level": "underlying",
             "parent": "far-clinics", "evidence": ["ev-3"]},
            {"id": "budget-bias", "text": "Budget formula ignores where Tamar households live", "level": "root",
             "parent": "few-midwives"},
            {"id": "no-tamar-services", "text": "No services in the Tamar language", "level": "root",
             "parent": "few-midwives"},
        ],
    }],
    "actors": [
        {"id": "tamar-women", "name": "Rural Tamar women", "kind": "rights_holder", "claims": ["skilled birth care"]},
        {"id": "moh", "name": "Ministry of Health", "kind": "duty_bearer", "level": "national",
         "obligations": ["fund rural maternity care"]},
        {"id": "district-office", "name": "District health office", "kind": "duty_bearer", "level": "local"},
    ],
    "capacity_gaps": [
        {"id": "moh-budget", "actor": "moh", "category": "resources", "description": "No budget line for midwives"},
        {"id": "moh-data", "actor": "moh", "category": "knowledge", "description": "No data by ethnicity"},
        {"id": "women-info", "actor": "tamar-women", "category": "knowledge", "description": "Entitlements unknown"},
    ],
}


@pytest.fixture
def left_behind_csv(tmp_path):
    path = tmp_path / "left_behind.csv"
    LEFT_BEHIND.to_csv(path, index=False)
    return path


@pytest.fixture
def step2_dict():
    return copy.deepcopy(STEP2)


def write_step1(folder: Path) -> None:
    """Step 1's table (LEFT_BEHIND) where Steps 2-5 read it."""
    (folder / "outputs" / "step1").mkdir(parents=True)
    LEFT_BEHIND.to_csv(folder / "outputs" / "step1" / "left_behind.csv", index=False)


@pytest.fixture
def step_folder(tmp_path, sample_dir):
    """`step_folder(*names)`: a folder with those files of the sample country (its definition and
    step files) and no outputs; `write_step1` adds Step 1's table."""
    def make(*names: str) -> Path:
        for name in names:
            shutil.copy(sample_dir / name, tmp_path / name)
        return tmp_path
    return make


STEP_FILES = ("analysis.yaml", "evidence.yaml", "step2_why.yaml", "step3_what.yaml", "step5_accountability.yaml",
              "step5_recommendations.yaml")


@pytest.fixture
def steps_folder(step_folder):
    """The sample's definition and step files (no survey files) and Step 1's table, for the pages of Steps 2-5."""
    made = step_folder(*STEP_FILES)
    write_step1(made)
    return made


def said_ok(form) -> str:
    """The form's message, which must be a success."""
    assert "lnob-ok" in form.message.value, form.message.value
    return form.message.value


def said_error(form) -> str:
    """The form's message, which must be a refusal."""
    assert "lnob-error" in form.message.value, form.message.value
    return form.message.value


def confirm_delete(button) -> str:
    """Click a delete button, check it asks first, answer "Yes, delete"; the question is returned."""
    button.button.click()
    assert button.asking, button.message.value
    question = button.question.value
    assert "This can be undone." in question
    button.yes.click()
    assert not button.asking
    return question


def undo_beside(form) -> None:
    """Click the Undo offered beside the form's message."""
    (undo,) = form.undo_slot.children
    assert undo.description == "Undo"
    undo.click()
    assert "Undone" in said_ok(form)
