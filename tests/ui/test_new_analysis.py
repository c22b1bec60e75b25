"""The new-analysis page, driven through its callbacks: files in, a valid analysis.yaml out.

A generated CSV gets the plain column pickers; a generated DHS round (tests/realformat.py) gets
the starter catalogue's proposal. Each ends in a folder beside the app's analysis that passes
`validate_folder`, and the server is switched to it.
"""

from __future__ import annotations

import datetime
import html
import io
import os

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.app import CHOICE_ENV, HOME_ENV, REGISTRY, workspace_analyses
from lnob_helpers.config import load_analysis
from lnob_helpers.errors import InputError
from lnob_helpers.notebook import APP_ENV, SAMPLE_ANALYSIS
from lnob_helpers.ui import new_analysis
from lnob_helpers.ui.new_analysis import (DRAFT_FILE, NewAnalysisPage, PlainChoices, StarterChoices, file_name,
                                          folder_name, new_folder, save_file)
from lnob_helpers.validate import validate_folder
from realformat import write_dhs


def upload(name: str, data: bytes) -> dict:
    """One file as the browser's upload widget hands it to the kernel."""
    return {"name": name, "type": "", "size": len(data), "content": memoryview(data),
            "last_modified": datetime.datetime.now(datetime.timezone.utc)}


def survey_csv(n: int = 900, seed: int = 3, weights=None) -> bytes:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"cluster": rng.integers(1, 41, n), "hh_weight": rng.uniform(0.5, 2.0, n)})
    frame["stratum"] = frame["cluster"] % 4
    frame["region"] = frame["stratum"].map({0: "North", 1: "South", 2: "East", 3: "West"})
    frame["sex"] = rng.choice(["male", "female"], n)
    frame["water"] = rng.choice(["yes", "no"], n, p=[0.7, 0.3])
    frame["age"] = rng.integers(0, 90, n)  # too many values to be offered as groups
    if weights is not None:
        frame["hh_weight"] = weights(n)
    return frame.to_csv(index=False).encode()


def said(page: NewAnalysisPage) -> str:
    """The message under the save button, as the person reads it."""
    return html.unescape(page.alerts.value)


def said_at_upload(page: NewAnalysisPage) -> str:
    """The message under the upload button."""
    return html.unescape(page.uploader.alerts.value)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An analysis folder the app was started on, in a workspace of its own, and a server that can switch."""
    folder = tmp_path / "workspace" / "home-analysis"
    folder.mkdir(parents=True)
    monkeypatch.setenv(APP_ENV, "1")
    monkeypatch.setenv(HOME_ENV, str(folder))
    monkeypatch.setenv(CHOICE_ENV, str(tmp_path / "choice"))
    return folder


def test_names_are_made_safe_and_nothing_is_overwritten(tmp_path):
    assert folder_name("  Kenya MICS 2022 / round 6! ") == "kenya-mics-2022-round-6"
    assert folder_name("..") == folder_name("نيجر") == "analysis"
    assert file_name("../../etc/passwd.csv") == "passwd.csv"
    assert file_name(r"C:\Users\me\KEKR8AFL.DTA") == "KEKR8AFL.DTA"
    assert file_name("my survey (final).Sav") == "my_survey_final.Sav"
    assert file_name(".hidden.csv") == "hidden.csv"
    with pytest.raises(InputError, match=r"'notes\.xlsx' is not a survey file"):
        file_name("notes.xlsx")
    first, second = new_folder(tmp_path, "Test land"), new_folder(tmp_path, "Test land")
    assert (first.name, second.name) == ("test-land", "test-land-2")
    path, said = save_file(first, "a.csv", b"x,y\n1,2\n")
    again, said_again = save_file(first, "a.csv", b"x,y\n1,2\n")
    other, _ = save_file(first, "a.csv", b"x,y\n3,4\n")
    assert again == path and "saved already" in said_again
    assert other.name == "a-2.csv" and path.read_bytes() == b"x,y\n1,2\n"


def test_csv_gets_plain_pickers_and_saves_a_valid_analysis(home):
    page = NewAnalysisPage(home)
    page.title.value = "Testland survey 2023"
    page.country.value = "Testland"
    page.iso3.value = "xtl"
    page.upload.value = (upload("my survey (final).csv", survey_csv()),)
    assert page.upload.value == (), "the upload widget is emptied once the files are saved"
    folder = home.parent / "testland-survey-2023"
    assert page.folder == folder and (folder / "my_survey_final.csv").is_file()
    choices = page.choices
    assert isinstance(choices, PlainChoices)
    assert (choices.weight.value, choices.strata.value, choices.psu.value) == ("hh_weight", "stratum", "cluster")
    assert set(choices.circ_pick.value) == {"region", "sex"} and "age" not in choices.circ_pick.options
    choices.circ_rows["region"][1].value = "governance"  # the user changes a factor
    choices.indicator.value = "water"
    assert choices.ones.value == ("yes",) and choices.ind_label.value == "Water"
    choices.ind_label.value = "Safe water <b>"
    choices.year.value = 2023
    page.save()
    assert "valid and saved" in said(page), page.outcome.value
    assert validate_folder(folder) == []
    analysis = load_analysis(folder)
    assert (analysis.country.name, analysis.country.iso3, analysis.rounds[0].year) == ("Testland", "XTL", 2023)
    assert analysis.circumstance("region").factor == "governance"
    assert analysis.indicators[0].label == "Safe water <b>"
    assert 'href="1_who.ipynb"' in page.outcome.value and "&lt;" not in page.outcome.value
    assert (home.parent / "choice").exists() is False  # the choice file lives where the server says
    assert open(os.environ[CHOICE_ENV]).read().strip() == folder.name
    assert workspace_analyses(home) == {home.name: home.resolve(), folder.name: folder.resolve()}
    page.save()
    assert "saved already" in said(page)  # a second save never overwrites


def test_problems_are_sentences_naming_the_column_and_nothing_is_saved(home):
    page = NewAnalysisPage(home)
    page.title.value = "Broken weights"
    page.country.value = "Testland"
    negative = lambda n: np.where(np.arange(n) % 7 == 0, -1.0, 1.0)  # noqa: E731
    page.upload.value = (upload("survey.csv", survey_csv(weights=negative)),)
    page.choices.indicator.value = "water"
    page.save()
    assert "problem" in said(page)
    assert "hh_weight" in page.outcome.value and "Traceback" not in page.outcome.value
    assert not (page.folder / "analysis.yaml").exists() and (page.folder / DRAFT_FILE).exists()
    assert list(workspace_analyses(home)) == [home.name]  # not offered to the server


def test_missing_choices_are_named(home):
    page = NewAnalysisPage(home)
    page.save()
    assert "Add the survey files first" in said(page)
    page.upload.value = (upload("survey.csv", survey_csv()),)
    assert "Name of the analysis: the box is empty" in said_at_upload(page) and page.folder is None
    page.title.value = "Testland"
    page.upload.value = (upload("survey.csv", survey_csv()),)
    page.save()
    assert "Country: the box is empty" in said(page)
    page.country.value = "Testland"
    page.save()
    assert "Indicator column: nothing is chosen" in said(page)
    page.iso3.value = "Test"
    page.save()
    assert "ISO code: 'Test' is not three letters" in said(page)
    page.upload.value = (upload("notes.xlsx", b"PK"),)
    assert "is not a survey file" in said_at_upload(page)


def test_dhs_files_get_the_starter_proposal(home, tmp_path):
    files = write_dhs(tmp_path / "downloads")
    page = NewAnalysisPage(home)
    page.title.value = "Testland DHS 2019"
    page.country.value = "Testland"
    page.upload.value = tuple(upload(p.name, p.read_bytes()) for p in files.values())
    choices = page.choices
    assert isinstance(choices, StarterChoices) and choices.catalogue.programme == "DHS"
    assert choices.year.value == 2019
    weight, strata, psu = choices.design["children"]
    assert (weight.value, strata.value, psu.value) == ("v005", "v022", "v021")
    labels = [tick.description for _, tick, _ in choices.circumstances]
    assert "Wealth quintile" in labels and not any("wealth" == label for label in labels)
    dropped = choices.indicators[0]
    dropped[2].value = False
    wealth = next(c for c in choices.circumstances if c[0]["id"] == "wealth")
    wealth[2].value = "discrimination"
    page.save()
    assert "valid and saved" in said(page), page.outcome.value
    folder = page.folder
    assert validate_folder(folder) == []
    analysis = load_analysis(folder)
    assert dropped[0].id not in [i.id for i in analysis.indicators]
    assert analysis.circumstance("wealth").factor == "discrimination"
    assert {spec.path for spec in analysis.rounds[0].files.values()} == {p.name for p in files.values()}
    assert (folder / "XXKR7AFL.DTA").read_bytes() == files["KR"].read_bytes()  # saved unchanged


def test_no_new_analysis_beside_the_shipped_sample(monkeypatch):
    monkeypatch.setenv(APP_ENV, "1")
    page = NewAnalysisPage(SAMPLE_ANALYSIS)
    assert page.upload.disabled and "sample country" in page.notice.value
    assert not (SAMPLE_ANALYSIS / REGISTRY).exists()


def test_server_that_cannot_switch_names_the_command(home, monkeypatch):
    monkeypatch.delenv(CHOICE_ENV)
    page = NewAnalysisPage(home)
    page.title.value = "Other"
    page.country.value = "Testland"
    page.upload.value = (upload("survey.csv", survey_csv()),)
    page.choices.indicator.value = "water"
    page.save()
    assert "valid and saved" in said(page)
    assert f"lnob app {page.folder}" in page.outcome.value


def test_report_mode_shows_a_note_and_no_widgets(monkeypatch):
    monkeypatch.delenv(APP_ENV, raising=False)
    shown = []
    monkeypatch.setattr("lnob_helpers.ui.forms.display", lambda *objs, **kw: shown.extend(objs))
    new_analysis.show()
    assert shown and all(type(o).__module__.startswith("IPython") for o in shown)
    assert "lnob init" in "".join(getattr(o, "data", "") for o in shown)


@pytest.mark.browser
def test_in_the_browser_download_upload_save_and_switch(tmp_path, sample_dir):
    """Chromium: a download link works with the login cookie alone, a file over tornado's default
    10 MB message limit uploads, the analysis saves, and the start page then opens it."""
    import shutil
    import socket

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian chromium is not installed (scripts/install_browser.sh installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    from lnob_helpers.app import launch_app

    home = tmp_path / "ws" / "aruvia"
    shutil.copytree(sample_dir, home, ignore=shutil.ignore_patterns("outputs", "*.bak", ".lnob"))
    built = home / "outputs" / "report" / "report.html"  # a report built earlier, which the panel offers
    built.parent.mkdir(parents=True)
    built.write_text("<!DOCTYPE html><title>report</title><p>Aruvia</p>", encoding="utf-8")
    big = tmp_path / "big survey.csv"
    frame = pd.read_csv(io.BytesIO(survey_csv(n=60_000)))
    frame["note"] = "x" * 160  # about 11 MB in all
    frame.to_csv(big, index=False)
    assert big.stat().st_size > 10 * 1024 * 1024
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = launch_app(home, port, max_kernels=4)
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage"]
    try:
        assert app.wait_ready(90)
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=args)
            page = browser.new_context(accept_downloads=True).new_page()
            page.goto(app.url())
            page.wait_for_selector(".lnob-report-panel a", timeout=90_000)
            with page.expect_download() as download:
                page.locator(".lnob-report-panel a").first.click()  # the link carries no token
            assert download.value.suggested_filename == "report.html"
            assert download.value.failure() is None

            page.goto(app.url("0_new_analysis.ipynb"))
            page.wait_for_selector(".lnob-new-analysis", timeout=90_000)
            boxes = page.locator(".lnob-new-analysis input[type=text]")
            boxes.nth(0).fill("Big survey")
            boxes.nth(1).fill("Testland")
            boxes.nth(1).press("Enter")
            page.wait_for_timeout(300)
            with page.expect_file_chooser() as chooser:
                page.locator(".widget-upload").click()
            chooser.value.set_files(str(big))
            page.wait_for_selector("text=Indicator column", timeout=60_000)
            page.locator(".widget-dropdown", has_text="Indicator column").locator("select").select_option(label="water")
            page.wait_for_timeout(500)
            page.get_by_role("button", name="Check and save").click()
            page.wait_for_selector("text=Open Step 1 on it", timeout=60_000)
            assert (home.parent / "big-survey" / "big_survey.csv").read_bytes() == big.read_bytes()

            page.goto(app.url())
            page.wait_for_selector(".lnob-report-panel", timeout=90_000)
            assert page.locator("h2").first.inner_text() == "Leave No One Behind — Testland"
            browser.close()
    finally:
        app.stop()
