"""Step 1's page and the data collaborative (issue 16): packages uploaded on the evidence tab go into
the analysis's store, and the partners tab shows both partners' figures beside the survey's, their
quality and the gaps. Refusals are one sentence beside the upload, with nothing kept."""

from __future__ import annotations

import datetime
import html
import shutil
from pathlib import Path

import pytest

from hostile import SCRIPT
from lnob_helpers.collab.package import write_package
from lnob_helpers.collab.store import CollabStore
from lnob_helpers.config import collab_db_url, load_analysis
from lnob_helpers.notebook import APP_ENV
from lnob_helpers.ui.partners_panel import RECEIVED, received_path
from lnob_helpers.ui.step1 import PARTNERS_TAB, Step1App
from lnob_helpers.who.step1 import compute_step1
from partners import NETWORK

EVIDENCE_TAB = 3


def _upload(app: Step1App, *paths: Path, names: tuple[str, ...] = ()) -> str:
    """Hand files to the upload widget as the browser does; the message under it, unescaped."""
    now = datetime.datetime.now(datetime.timezone.utc)
    app.packages.upload.value = tuple(
        {"name": name or p.name, "content": memoryview(p.read_bytes()), "size": p.stat().st_size,
         "type": "application/zip", "last_modified": now}
        for p, name in zip(paths, names or ("",) * len(paths)))
    assert app.packages.upload.value == (), "the upload widget is emptied after each upload"
    return html.unescape(app.packages.alerts.value)


@pytest.fixture(scope="module")
def app(partners, tmp_path_factory, monkeypatch_module):
    """Step 1 of a copy of the statistics office's analysis, with no store yet."""
    monkeypatch_module.setenv(APP_ENV, "1")
    monkeypatch_module.delenv("LNOB_COLLAB_DB", raising=False)
    folder = tmp_path_factory.mktemp("step1") / "office"
    shutil.copytree(partners.office_folder, folder, ignore=shutil.ignore_patterns("collaborative"))
    page = Step1App(compute_step1(load_analysis(folder)))
    page.tabs.selected_index = EVIDENCE_TAB
    return page


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_before_any_package_the_partners_tab_says_how_to_add_one(app):
    app.tabs.selected_index = PARTNERS_TAB
    assert "No partner has shared figures yet" in app.partners.intro.value
    assert app.partners.figure.layout.display == "none"
    assert "No package has been added yet" in app.packages.listing.value
    app.tabs.selected_index = EVIDENCE_TAB


def test_two_partners_packages_are_added_and_shown_side_by_side(app, partners):
    said = _upload(app, partners.office_package, partners.network_package)
    assert "lnob-ok" in app.packages.alerts.value
    assert "Aruvia Statistics Office" in said and "Aruvia Women's Network" in said and said.count("added") == 2
    listing = html.unescape(app.packages.listing.value)
    assert "Aruvia Statistics Office" in listing and "Citizen-generated data" in listing
    app.tabs.selected_index = PARTNERS_TAB
    view = app.partners
    intro = html.unescape(view.intro.value)
    assert "Aruvia Statistics Office" in intro and "Aruvia Women's Network" in intro
    table = html.unescape(view.table.value)
    assert "Agree within the intervals" in table and "Aruvia Women's Network" in table
    assert "3 of 5 criteria met" in table  # the quality sits beside the partner's numbers
    assert "Births attended by skilled health personnel" in table and "sba" not in table.split()
    more = html.unescape(view.more.value)
    assert "Ethics and consent" in more and "Women only" in more and "Measured, but too few cases" in more
    assert bytes(view.figure.value).startswith(b"\x89PNG") and view.figure.layout.display is None
    view.agreement.value = "differ"
    assert "No figure matches this choice" in view.table.value
    view.agreement.value = ""
    single = view.table.value.count("<tr>")
    view.crossed.value = True  # groups of two circumstances join in
    assert view.table.value.count("<tr>") > single
    view.crossed.value = False
    with CollabStore.open(collab_db_url(app.analysis.folder)) as store:
        assert sorted(p.manifest.partner.name for p in store.current()) == ["Aruvia Statistics Office",
                                                                            "Aruvia Women's Network"]
    app.tabs.selected_index = EVIDENCE_TAB


def test_the_same_package_again_changes_nothing(app, partners):
    said = _upload(app, partners.network_package)
    assert "unchanged" in said.lower() or "already" in said.lower(), said
    with CollabStore.open(collab_db_url(app.analysis.folder)) as store:
        assert len(store.listing().packages) == 2


def test_a_bad_upload_is_one_sentence_and_nothing_is_kept(app, tmp_path):
    before = sorted((app.analysis.folder / RECEIVED).iterdir())
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"this is not a zip")
    said = _upload(app, junk, names=("<b>report</b>.zip",))
    assert "lnob-error" in app.packages.alerts.value
    assert "not a readable zip file" in said and "<b>" not in app.packages.alerts.value
    assert sorted((app.analysis.folder / RECEIVED).iterdir()) == before
    with CollabStore.open(collab_db_url(app.analysis.folder)) as store:
        assert len(store.listing().packages) == 2


def test_a_hostile_partner_name_is_shown_as_text(app, partners, tmp_path):
    package = write_package(partners.network_folder, tmp_path / "hostile.zip",
                            {**NETWORK, "partner": {"name": f"{SCRIPT} Network", "contact": ""}})
    said = _upload(app, package)
    assert SCRIPT in said and SCRIPT not in app.packages.alerts.value
    assert SCRIPT not in app.packages.listing.value
    app.tabs.selected_index = PARTNERS_TAB
    assert SCRIPT not in app.partners.intro.value + app.partners.table.value + app.partners.more.value
    assert SCRIPT in html.unescape(app.partners.intro.value)
    app.tabs.selected_index = EVIDENCE_TAB


def test_uploaded_names_become_safe_file_names(tmp_path):
    path = received_path(tmp_path, "../../etc/<passwd>.ZIP", b"data")
    assert path.parent.parent == tmp_path / RECEIVED and path.name == "etc_passwd.zip"
    assert received_path(tmp_path, "...", b"x").name == "package.zip"


def test_the_report_shows_the_partners_beside_the_survey(app, monkeypatch):
    """Report mode: the Step 1 section gains the partners' sentences, their quality and the figures that
    differ from the survey's."""
    from lnob_helpers.ui import step1

    shown: list[str] = []
    monkeypatch.setattr(step1, "display", lambda obj, **_: shown.append(str(getattr(obj, "data", obj))))
    step1.render_report(app.result)
    page = html.unescape("\n".join(shown))
    assert "### Partners' figures beside the survey's" in page
    assert "Aruvia Women's Network" in page and "Ethics and consent" in page
    assert "Where a partner's figure differs from the survey's** (0 in 2024)" in page
    assert "every partner's figure agrees" in page
    assert SCRIPT not in "\n".join(shown)  # the hostile partner added above is shown as text


def test_step1_shows_both_partners_from_a_postgresql_store(partners, postgres_url, tmp_path, monkeypatch):
    """The same page on a store several organisations share: LNOB_COLLAB_DB names the server."""
    monkeypatch.setenv(APP_ENV, "1")
    monkeypatch.setenv("LNOB_COLLAB_DB", postgres_url)
    folder = tmp_path / "office"
    shutil.copytree(partners.office_folder, folder, ignore=shutil.ignore_patterns("collaborative"))
    page = Step1App(compute_step1(load_analysis(folder)))
    page.tabs.selected_index = PARTNERS_TAB
    assert "No partner has shared figures yet" in page.partners.intro.value  # an empty database is asked too
    page.tabs.selected_index = EVIDENCE_TAB
    said = _upload(page, partners.office_package, partners.network_package)
    assert said.count("added") == 2 and "lnob-ok" in page.packages.alerts.value
    assert not (folder / "collaborative" / "store.sqlite").exists()
    page.tabs.selected_index = PARTNERS_TAB
    intro, table = html.unescape(page.partners.intro.value), html.unescape(page.partners.table.value)
    assert "Aruvia Statistics Office" in intro and "Aruvia Women's Network" in table
    assert "What nobody covers" in page.partners.more.value
