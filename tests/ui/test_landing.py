"""The start page: step cards, the report built from the browser, downloads, and which analysis is open.

The report panel is driven through its callbacks with a stand-in for `lnob report` (fast), and
once for real (marked `notebook`). The download route and the analysis switch are checked over
HTTP against a launched app, as in tests/test_app_access.py.
"""

from __future__ import annotations

import html
import os
import shutil
import socket
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lnob_helpers.app import (CHOICE_ENV, HOME_ENV, REGISTRY, current_analysis, launch_app, register_analysis,
                              workspace_analyses)
from lnob_helpers.app_security import outputs_file
from lnob_helpers.errors import InputError
from lnob_helpers.notebook import APP_ENV
from lnob_helpers.ui import downloads, landing, report_page
from lnob_helpers.ui.landing import LandingPage, landing_html
from lnob_helpers.report.tables import tables_workbook
from lnob_helpers.ui.report_page import ReportPanel

HOSTILE = '<img src=x onerror="alert(1)">'


def copy_sample(sample: Path, dest: Path, country: str | None = None) -> Path:
    shutil.copytree(sample, dest, ignore=shutil.ignore_patterns("outputs", "*.bak", ".lnob"))
    if country:
        text = (dest / "analysis.yaml").read_text(encoding="utf-8")
        (dest / "analysis.yaml").write_text(text.replace("name: Aruvia", f"name: {country}", 1), encoding="utf-8")
    return dest


def write_outputs(folder: Path) -> None:
    (folder / "outputs" / "step1").mkdir(parents=True, exist_ok=True)
    (folder / "outputs" / "step1" / "left_behind.csv").write_text(
        "group,value,note\r\nRural,0.41,'=HYPERLINK(\"x\")\r\nUrban,0.72,\r\n", encoding="utf-8")
    (folder / "outputs" / "step2").mkdir(exist_ok=True)
    (folder / "outputs" / "step2" / "roles.csv").write_text(f"role,who\r\nduty-bearer,{HOSTILE}\r\n", encoding="utf-8")


@pytest.fixture
def workspace(tmp_path, sample_dir, monkeypatch):
    """Home (the sample) and a second analysis made beside it from the app, on a server that can switch."""
    home = copy_sample(sample_dir, tmp_path / "ws" / "aruvia")
    other = copy_sample(sample_dir, tmp_path / "ws" / "second-analysis", country="Secondland")
    register_analysis(home, other)
    write_outputs(home)
    monkeypatch.setenv(APP_ENV, "1")
    monkeypatch.setenv(HOME_ENV, str(home))
    monkeypatch.setenv(CHOICE_ENV, str(tmp_path / "choice"))
    return home, other


# --- cards and downloads -----------------------------------------------------------------------

def test_cards_and_no_report_inside_the_page(workspace):
    home, _ = workspace
    (home / "outputs" / "report").mkdir()
    (home / "outputs" / "report" / "report.html").write_text("<html></html>")
    page = landing_html(home, HOSTILE)
    assert page.count('class="lnob-card"') == 5 and HOSTILE not in page and "data:" not in page
    assert "outputs/report" in page  # report mode says where the report is
    assert "outputs/report" not in landing_html(home, "Aruvia", in_app=True)  # the app offers downloads


def test_offer_links_files_under_outputs_only(workspace, tmp_path):
    home, _ = workspace
    files = downloads.step_files(home, 1) + downloads.step_files(home, 2)
    assert [p.name for p in files] == ["left_behind.csv", "roles.csv"]
    odd = home / "outputs" / "step2" / f"{HOSTILE}.csv"
    odd.write_text("a\r\n1\r\n")
    box = downloads.offer([*files, odd, home / "outputs" / "step3" / "not_yet.csv"], f"Tables {HOSTILE}")
    assert HOSTILE not in box.value and "&lt;img" in box.value
    assert 'href="/lnob/download/aruvia/step1/left_behind.csv"' in box.value
    assert "not_yet" not in box.value and box.value.count("<li>") == 3
    assert "Nothing to download yet" in downloads.offer([home / "outputs" / "step4" / "x.csv"], "Step 4").value
    with pytest.raises(InputError, match="only files in an analysis's outputs folder"):
        downloads.offer([home / "analysis.yaml"], "The analysis")
    with pytest.raises(InputError):
        downloads.offer([home / "outputs" / ".." / "persons_2019.csv"], "Data")
    outside = downloads.links_html(files, "Tables", in_app=False)
    assert "href" not in outside and str(home / "outputs" / "step1" / "left_behind.csv") in outside


def test_tables_workbook_gathers_the_step_tables_as_text(workspace):
    from openpyxl import load_workbook

    home, _ = workspace
    book = load_workbook(tables_workbook(home))
    assert book.sheetnames == ["contents", "1 left_behind", "2 roles"]
    note = book["1 left_behind"]["C2"]
    assert note.value == '=HYPERLINK("x")' and note.data_type == "s"  # shown as typed, never run
    assert book["2 roles"]["B2"].value == HOSTILE


# --- the report from the browser -------------------------------------------------------------

FAKE_REPORT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    folder, outcome = Path(sys.argv[1]), sys.argv[2]
    for i in range(1, 6):
        print(f"[x] {i}/5 Step {i} ...", flush=True)
        time.sleep(0.05)
        if outcome == "fail" and i == 3:
            print("FAILED " + str(folder) + ": Step 3 failed at cell 4: KeyError: 'x'.", file=sys.stderr)
            sys.exit(1)
        print(f"[x] {i}/5 Step {i} done in 0.1 s", flush=True)
    if outcome == "hang":
        time.sleep(60)
    out = folder / "outputs" / "report"
    out.mkdir(parents=True, exist_ok=True)
    print("[x] writing tables.xlsx ...", flush=True)
    (out / "tables.xlsx").write_bytes(b"PK")
    (out / "report.html").write_text("<html>report</html>")
    print("[x] writing report.docx ...", flush=True)
    (out / "report.docx").write_bytes(b"PK")
    print(f"done   {folder} in 0.5 s: {out / 'report.html'}")
""")


def stand_in(outcome: str):
    return staticmethod(lambda folder, formats: [sys.executable, "-c", FAKE_REPORT, str(folder), outcome])


def finish(panel: ReportPanel, timeout: float = 30) -> None:
    assert panel.thread is not None
    panel.thread.join(timeout)
    assert not panel.thread.is_alive(), "the report build did not finish"


def test_report_button_builds_step_by_step_and_offers_files(workspace, monkeypatch):
    home, _ = workspace
    monkeypatch.setattr(ReportPanel, "command", stand_in("ok"))
    monkeypatch.setattr(report_page, "find_browser", lambda: None)
    panel = LandingPage(landing.load_analysis(home)).report
    assert "No report has been built" in panel.files.value
    seen = []
    panel.bar.observe(lambda change: seen.append(change["new"]), "value")
    panel.start(panel.button)
    assert panel.button.layout.display == "none"  # no second build from this page meanwhile
    finish(panel)
    assert seen == [1, 2, 3, 4, 5, 6, 7] and panel.bar.max == 7 and panel.bar.bar_style == "success"
    assert panel.button.layout.display is None
    for name in ("report.html", "report.docx", "tables.xlsx"):
        assert name in panel.files.value
    assert "href=\"/lnob/download/aruvia/report/report.html\"" in panel.files.value
    assert "no Chromium browser" in panel.alerts.value


def test_report_failure_is_one_sentence(workspace, monkeypatch):
    home, _ = workspace
    monkeypatch.setattr(ReportPanel, "command", stand_in("fail"))
    panel = ReportPanel(home)
    panel.start(panel.button)
    finish(panel)
    assert "Step 3 failed at cell 4: KeyError" in html.unescape(panel.alerts.value)
    assert panel.bar.bar_style == "danger" and panel.bar.value == 2


def test_a_second_build_waits_for_the_first(workspace, monkeypatch):
    home, _ = workspace
    monkeypatch.setattr(ReportPanel, "command", stand_in("hang"))
    first, second = ReportPanel(home), ReportPanel(home)
    first.timeout = 3
    first.start(first.button)
    second.start(second.button)
    assert "building this analysis's report already" in html.unescape(second.alerts.value)
    assert second.thread is None
    first.start(first.button)
    assert "being built already" in first.alerts.value
    finish(first, 20)
    assert "took longer than" in first.alerts.value


@pytest.mark.notebook
def test_report_button_runs_the_real_pipeline(tmp_path, sample_dir, monkeypatch):
    home = copy_sample(sample_dir, tmp_path / "aruvia")
    monkeypatch.setenv(APP_ENV, "1")
    monkeypatch.setattr(report_page, "find_browser", lambda: None)  # HTML only: PDF is tested in test_report.py
    panel = ReportPanel(home)
    start = time.monotonic()
    panel.start(panel.button)
    finish(panel, 900)
    assert panel.bar.bar_style == "success", panel.alerts.value
    assert (home / "outputs" / "report" / "report.html").stat().st_size > 10_000
    for name in ("report.html", "report.docx", "tables.xlsx"):
        assert name in panel.files.value
    print(f"real report build from the page: {time.monotonic() - start:.0f} s")


# --- which analysis is open ----------------------------------------------------------------

def test_landing_lists_and_switches_analyses_by_country(workspace):
    home, other = workspace
    page = LandingPage(landing.load_analysis(home))
    assert page.picker.options == (("Aruvia (aruvia)", "aruvia"), ("Secondland (second-analysis)", "second-analysis"))
    page.picker.value = "second-analysis"
    page.switch(page.open_button)
    assert "Secondland" in page.opened.value
    assert current_analysis(home, os.environ[CHOICE_ENV]) == other.resolve()


def test_only_registered_real_folders_beside_home_can_be_opened(workspace, tmp_path):
    home, other = workspace
    stranger = copy_sample(home, home.parent / "team-02")  # another team's folder, never registered
    (home.parent / "linked").symlink_to(other, target_is_directory=True)
    (home / REGISTRY).write_text("second-analysis\nteam-02-missing\nlinked\n../etc\n.hidden\n")
    assert workspace_analyses(home) == {"aruvia": home.resolve(), "second-analysis": other.resolve()}
    choice = tmp_path / "choice"
    for name in ("team-02", "linked", "../etc", ""):
        choice.write_text(name)
        assert current_analysis(home, choice) == home.resolve(), name
    with pytest.raises(InputError):
        register_analysis(home, tmp_path / "elsewhere")
    assert stranger.exists()


def test_outputs_file_refuses_traversal_hidden_files_and_symlinks_out(workspace):
    home, other = workspace
    secret = home.parent / "secret.csv"
    secret.write_text("x")
    (home / "outputs" / "step1" / "link.csv").symlink_to(secret)
    (home / "outputs" / "step1" / ".hidden.csv").write_text("x")
    assert outputs_file(home, "aruvia", "step1/left_behind.csv") == (home / "outputs/step1/left_behind.csv").resolve()
    for path in ("../analysis.yaml", "step1/../../analysis.yaml", "step1/link.csv", "step1/.hidden.csv",
                 "step1", "/etc/passwd", "step1//left_behind.csv", "step1/left_behind.csv\x00"):
        assert outputs_file(home, "aruvia", path) is None, path
    assert outputs_file(home, "team-02", "step1/left_behind.csv") is None
    (other / "outputs").mkdir()
    (other / "outputs" / "a.csv").write_text("x")
    assert outputs_file(home, "second-analysis", "a.csv") == (other / "outputs" / "a.csv").resolve()


# --- over HTTP, against a launched app -----------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict]:
    """Status, body and headers of one GET, redirects not followed."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=180) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


@pytest.fixture(scope="module")
def served(tmp_path_factory, sample_dir):
    base = tmp_path_factory.mktemp("served") / "ws"
    home = copy_sample(sample_dir, base / "aruvia")
    other = copy_sample(sample_dir, base / "second-analysis", country="Secondland")
    register_analysis(home, other)
    write_outputs(home)
    (home / "outputs" / "step1" / "link.csv").symlink_to(home / "analysis.yaml")
    app = launch_app(home, free_port(), max_kernels=4, cull_idle=6)  # each page load keeps a kernel until culled
    try:
        assert app.wait_ready(90), "the app server did not start within 90 s"
        yield app, home, other
    finally:
        app.stop()


def test_download_needs_the_token_and_comes_as_an_attachment(served):
    app, home, _ = served
    url = f"http://127.0.0.1:{app.port}/lnob/download/aruvia/step1/left_behind.csv"
    status, body, headers = get(f"{url}?token={app.token}")
    assert status == 200 and body == (home / "outputs/step1/left_behind.csv").read_bytes()
    assert headers["Content-Disposition"].startswith("attachment") and headers["X-Content-Type-Options"] == "nosniff"
    status, body, headers = get(url, {"Authorization": f"token {app.token}"})
    assert status == 200
    for bad in (url, url + "?token=wrong"):
        status, body, headers = get(bad)
        assert status == 302 and headers["Location"].startswith("/login") and b"0.41" not in body
    status, _, _ = get(f"{url}?token={app.token}", {"Host": f"attacker.example:{app.port}"})
    assert status == 403


def test_download_refuses_everything_outside_outputs(served):
    app, home, _ = served
    base = f"http://127.0.0.1:{app.port}/lnob/download"
    for path in ("aruvia/..%2Fanalysis.yaml", "aruvia/%2e%2e/analysis.yaml", "aruvia/step1/..%2F..%2Fanalysis.yaml",
                 "aruvia/step1/link.csv", "aruvia/..%2F..%2Fsecond-analysis/analysis.yaml",
                 "..%2Faruvia/analysis.yaml", "team-02/step1/left_behind.csv", "aruvia/step1"):
        status, body, _ = get(f"{base}/{path}?token={app.token}")
        assert status == 404 and b"Aruvia" not in body and b"weight" not in body, path


def heading(body: bytes) -> str:
    """The country in the start page's heading (the page carries its outputs as JSON text)."""
    text = body.decode("utf-8")
    start = text.index("Leave No One Behind \\u2014 ") + len("Leave No One Behind \\u2014 ")
    return text[start:text.index("\\u003c", start)]


def test_a_switch_opens_the_other_analysis_on_new_pages(served):
    app, home, other = served
    choice = Path(app.run_dir) / "analysis-choice"
    status, body, _ = get(app.url())
    assert status == 200 and heading(body) == "Aruvia"
    choice.write_text("second-analysis\n")
    try:
        status, body, _ = get(app.url())
        assert status == 200 and heading(body) == "Secondland" and str(other) in body.decode()
        choice.write_text("team-02\n")  # not one this server may open: home again
        assert heading(get(app.url())[1]) == "Aruvia"
    finally:
        choice.unlink(missing_ok=True)
