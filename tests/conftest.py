"""Shared fixtures: the pinned reference data, the sample country and the Aruvia step fixtures."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SAMPLE = ROOT / "data" / "samples" / "aruvia"
# The pinned copy makes a plain clone check the reference values; $LNOB_REFERENCE runs the same
# tests against another folder of the same layout.
REFERENCE = Path(os.environ.get("LNOB_REFERENCE", TESTS / "reference"))

# The fixtures of Steps 2, 3 and 5, registered for every test folder by being imported here
# (pyproject's `pythonpath = ["tests"]` makes tests/fixtures_steps.py importable).
from fixtures_steps import left_behind_csv, step2_dict, step_folder, steps_folder  # noqa: F401
from partners import Partners, make_partners


def pytest_configure(config: pytest.Config) -> None:
    """Tests that list reference cases at collection time read the folder from here."""
    config.reference_root = REFERENCE


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The reference folder (R survey, rpart, healthequal, laeken, MPI); never skipped."""
    assert REFERENCE.is_dir(), f"reference data not found at {REFERENCE}"
    return REFERENCE


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    if not (SAMPLE / "analysis.yaml").exists():
        pytest.skip(f"sample country not found at {SAMPLE}")
    return SAMPLE


@pytest.fixture(scope="module")
def sample_copy(sample_dir, tmp_path_factory) -> Path:
    """A copy of the sample country without outputs or backups, one per test module, for the
    module's tests to run on and write to."""
    copy = tmp_path_factory.mktemp("sample") / "aruvia"
    shutil.copytree(sample_dir, copy, ignore=shutil.ignore_patterns("outputs", "*.bak"))
    return copy


@pytest.fixture(scope="session")
def partners(sample_dir, tmp_path_factory) -> Partners:
    """Two partners of a data collaborative (tests/partners.py): the statistics office's and the women's
    network's analyses and contribution packages, made once for the collab and browser tests."""
    return make_partners(sample_dir, tmp_path_factory.mktemp("partners"))
