"""The data collaborative (issue 16) in chromium, as a partner's team would use it.

One fresh copy of the sample country, one app server, one page at 1366x768, in order: Step 1 is
opened so its tables exist; the start page's "Share this analysis with partners" refuses a
citizen-generated package without its quality answers, then makes one that downloads and reads
back; Step 1's evidence tab takes two partners' packages and refuses a file that is not a
package, escaping its name; the partners tab shows both partners' figures beside the survey's,
their quality and the gaps figure. The README's collaborative section shows two screenshots.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from browser.walk_helpers import (assert_clean, choose, click, form, message, open_page, open_tab, shot,
                                  shows, type_in, wait_for_file)
from lnob_helpers.collab.manifest import QUALITY_CRITERIA
from lnob_helpers.collab.package import read_package

pytestmark = pytest.mark.browser
NETWORK = "Aruvia Women's Network"


@pytest.fixture(scope="module")
def folder(sample_dir, tmp_path_factory) -> Path:
    """A copy of the sample with no outputs and no collaborative store yet."""
    copy = tmp_path_factory.mktemp("collab") / "aruvia"
    shutil.copytree(sample_dir, copy, ignore=shutil.ignore_patterns("outputs", "*.bak", "collaborative"))
    return copy


@pytest.fixture(scope="module")
def app(folder, start_app):
    return start_app(folder, max_kernels=2)


def add(upload, files: list) -> None:
    """Choose `files` (paths, or name-and-bytes payloads) with the "Add packages" button."""
    with upload.page.expect_file_chooser() as chooser:
        upload.locator(".widget-upload", has_text="Add packages").click()
    chooser.value.set_files(files)


def test_the_start_page_asks_for_quality_then_makes_a_package_to_download(app, folder, page, tmp_path):
    open_page(page, app, "1_who.ipynb", "Survey round")
    wait_for_file(folder / "outputs" / "step1" / "disaggregation_2024.csv")
    page.goto(app.url())
    page.locator(".lnob-card").first.wait_for(timeout=120_000)
    share = form(page, "Share this analysis with partners")
    type_in(share, "Organisation", NETWORK)
    type_in(share, "Contact", "data@network.example.org")
    choose(share, "Kind of source", "Citizen-generated data")
    type_in(share, "Licence", "CC-BY-SA-4.0")
    click(share, "Make the package")
    refused = message(share, "error", "Sampling or coverage")
    assert "nothing is chosen" in refused and "\n" not in refused.strip()
    made = folder / "outputs" / "share"
    assert not list(made.glob("*.zip")), "a refused form writes no package"

    for nth, (label, _) in enumerate(QUALITY_CRITERIA.values()):
        choose(share, label, "Partly met" if nth == 0 else "Met")
        type_in(share, "Why", f"Answered in the workshop: {label.lower()}.", nth=nth)
    click(share, "Make the package")
    assert "Send it to your partners" in message(share, "ok", "Made contribution_")
    link = page.locator(".lnob-share a", has_text=re.compile(r"contribution_[A-Z]{3}_.*\.zip"))
    link.wait_for()
    page.evaluate("(e) => e.scrollIntoView({block: 'start'})", share.element_handle())
    shot(page, "share-form")
    with page.expect_download() as download:
        link.click()
    assert download.value.failure() is None
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    package = read_package(saved)
    assert package.manifest.partner.name == NETWORK
    assert package.manifest.source_type == "citizen_generated"
    assert package.manifest.quality.sampling_or_coverage.level == "partly met"
    assert len(package.aggregates) > 0
    assert_clean(page)


def test_partners_packages_come_in_on_the_evidence_tab_and_a_stranger_file_is_refused(app, folder, page,
                                                                                       partners):
    open_page(page, app, "1_who.ipynb", "Survey round")
    open_tab(page, "Evidence")
    upload = page.locator(".lnob-package-import")
    add(upload, [str(p) for p in partners.packages])
    said = message(upload, "ok", "Aruvia Statistics Office")
    assert NETWORK in said
    received = folder / "collaborative" / "received"
    kept = sorted(p.relative_to(received) for p in received.rglob("*") if p.is_file())
    assert len(kept) == 2

    add(upload, [{"name": "<b>x</b>.zip", "mimeType": "application/zip", "buffer": b"not a package at all"}])
    refused = message(upload, "error", "<b>x</b>.zip")
    assert len(refused.strip().splitlines()) == 1, refused
    assert upload.locator(".lnob-alert b").count() == 0, "a file's name is shown as text, never as HTML"
    assert upload.locator(".lnob-alert").count() == 1
    assert sorted(p.relative_to(received) for p in received.rglob("*") if p.is_file()) == kept, "nothing kept"
    assert_clean(page)


def test_the_partners_tab_shows_their_figures_beside_the_surveys(app, page):
    open_tab(page, "Partners")
    view = page.locator(".lnob-partners")
    shows(page, "Aruvia Statistics Office", NETWORK, "Agree within the intervals", "criteria met",
          "Figures by sex")
    gaps = view.locator("img.widget-image").first
    gaps.scroll_into_view_if_needed()
    page.wait_for_function("(e) => e.complete && e.naturalWidth > 0", arg=gaps.element_handle(),
                           timeout=30_000)  # the gaps figure is drawn
    for column in ("Our survey", "Partner", "Quality of the partner's data", "Agreement"):
        assert view.locator("th", has_text=column).count() > 0, column
    page.evaluate("(e) => e.scrollIntoView({block: 'start'})", page.locator(".lm-TabBar").first.element_handle())
    shot(page, "partners-tab")
    assert_clean(page)
    choose(view, "Show", re.compile(r"^Differ"))
    shows(page, "No figure matches this choice.")
    choose(view, "Show", "Every figure")
    view.locator("td", has_text="Agree within the intervals").first.wait_for()
    assert_clean(page)
