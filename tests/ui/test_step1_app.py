"""Opening Step 1 in the app writes its outputs, so Steps 2-5 find them without a report run."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from lnob_helpers.config import load_analysis
from lnob_helpers.ui.landing import CARDS, step_status
from lnob_helpers.ui.step1 import Step1App
from lnob_helpers.who.left_behind import GROUP_COLUMNS
from lnob_helpers.who.step1 import compute_step1


@pytest.fixture
def analysis(tmp_path, sample_dir):
    folder = tmp_path / "aruvia"
    shutil.copytree(sample_dir, folder, ignore=shutil.ignore_patterns("outputs", "*.bak"))
    return load_analysis(folder)


def test_the_app_page_writes_what_step2_reads(analysis):
    left_behind = analysis.folder / "outputs" / "step1" / "left_behind.csv"
    assert not left_behind.exists()
    app = Step1App(compute_step1(analysis, indicators=["sba", "water"]))
    assert "lnob-error" not in app.alerts.value
    assert list(pd.read_csv(left_behind).columns) == GROUP_COLUMNS
    assert step_status(analysis.folder, CARDS[0])[0] != "todo"    # the landing page sees Step 1 begun


def test_a_folder_that_cannot_be_written_shows_on_the_page(analysis):
    (analysis.folder / "outputs").mkdir()
    (analysis.folder / "outputs" / "step1").write_text("not a folder")
    app = Step1App(compute_step1(analysis, indicators=["sba"]))
    assert "lnob-error" in app.alerts.value
    assert app.widget is not None                                   # the page still opens
