"""Shared fixtures: where the reference data and the sample country live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "aruvia"
REFERENCE = Path(os.environ.get("LNOB_REFERENCE", ROOT.parent / "shared" / "reference"))


def pytest_configure(config: pytest.Config) -> None:
    """Tests that list reference cases at collection time read the folder from here."""
    config.reference_root = REFERENCE


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The shared reference folder (R survey, rpart, healthequal, laeken, MPI)."""
    if not REFERENCE.is_dir():
        pytest.skip(f"shared reference data not found at {REFERENCE} (set LNOB_REFERENCE)")
    return REFERENCE


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    if not (SAMPLE / "analysis.yaml").exists():
        pytest.skip(f"sample country not found at {SAMPLE}")
    return SAMPLE
