"""The start page's "Share this analysis" form (issue 16): every refusal is one sentence beside the
form with nothing written, and a good form gives a package partners can import."""

from __future__ import annotations

import html
import shutil
import zipfile

import pytest

from fixtures_steps import said_error, said_ok
from hostile import SCRIPT
from lnob_helpers.collab.package import read_package
from lnob_helpers.config import load_analysis
from lnob_helpers.disaggregate import write_disaggregation
from lnob_helpers.notebook import APP_ENV
from lnob_helpers.ui.share_page import SharePanel


@pytest.fixture(scope="module")
def tabled(sample_copy):
    """The sample with Step 1's table of the latest round written, as after opening Step 1."""
    write_disaggregation(load_analysis(sample_copy))
    return sample_copy


@pytest.fixture
def panel(tabled, monkeypatch):
    monkeypatch.setenv(APP_ENV, "1")
    shutil.rmtree(tabled / "outputs" / "share", ignore_errors=True)
    return SharePanel(tabled)


def _fill(panel: SharePanel, partner: str = "Aruvia Statistics Office", source: str = "survey",
          licence: str = "CC-BY-4.0") -> None:
    panel.form["partner"].value = partner
    panel.form["source_type"].value = source
    panel.form["licence"].value = licence


def _packages(folder):
    return sorted((folder / "outputs" / "share").glob("*.zip")) if (folder / "outputs" / "share").exists() else []


def test_a_survey_is_shared_and_offered_for_download(panel, tabled):
    assert panel.quality_box.layout.display == "none"  # surveys need no quality assessment
    _fill(panel)
    panel.form.button.click()
    message = said_ok(panel.form)
    (path,) = _packages(tabled)
    package = read_package(path)
    assert f"{len(package.aggregates):,} figures" in message
    assert package.manifest.partner.name == "Aruvia Statistics Office"
    assert package.manifest.source_type == "survey"
    assert f'download="{path.name}"' in panel.files.value
    with zipfile.ZipFile(path) as archive:  # aggregates and the manifest, never the survey's rows
        assert not any(name.endswith((".sav", ".dta")) or name.startswith("persons") for name in archive.namelist())
    assert "The latest package" in SharePanel(tabled).files.value  # a reload offers it again


def test_missing_answers_are_refused_naming_the_box(panel, tabled):
    _fill(panel, partner="   ")
    panel.form.button.click()
    assert "Organisation" in said_error(panel.form)
    _fill(panel, licence="")
    panel.form.button.click()
    assert "Licence" in said_error(panel.form)
    assert _packages(tabled) == []


def test_citizen_generated_figures_need_every_quality_answer(panel, tabled):
    _fill(panel, source="citizen_generated")
    assert panel.quality_box.layout.display is None  # the questions appear
    panel.form.button.click()
    assert "Sampling or coverage" in said_error(panel.form)
    for level, note in panel.quality.values():
        level.value = "partly met"
        note.value = "Reached through member groups in four regions."
    panel.quality["ethics_consent"][1].value = ""
    panel.form.button.click()
    assert "ethics and consent" in said_error(panel.form)
    assert _packages(tabled) == []
    panel.quality["ethics_consent"][1].value = "Verbal consent, no names kept."
    panel.form.button.click()
    said_ok(panel.form)
    quality = read_package(_packages(tabled)[0]).manifest.quality
    assert quality.validation.level == "partly met"


def test_a_hostile_name_is_kept_as_text_and_shown_escaped(panel, tabled):
    _fill(panel, partner=SCRIPT)
    panel.form.button.click()
    said_ok(panel.form)
    assert read_package(_packages(tabled)[0]).manifest.partner.name == SCRIPT.strip()
    assert SCRIPT not in panel.files.value and SCRIPT not in panel.form.message.value


def test_without_step1_tables_the_form_says_to_open_step1(tmp_path, sample_dir, monkeypatch):
    monkeypatch.setenv(APP_ENV, "1")
    folder = tmp_path / "fresh"
    shutil.copytree(sample_dir, folder, ignore=shutil.ignore_patterns("outputs", "*.bak"))
    fresh = SharePanel(folder)
    _fill(fresh)
    fresh.form.button.click()
    assert "open Step 1 once" in html.unescape(said_error(fresh.form))
    assert _packages(folder) == []
