"""The country report: assembly, failure handling, PDF, and the full sample report."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from lnob_helpers.errors import LnobError
from lnob_helpers.report import build as build_mod
from lnob_helpers.report.assemble import sanitise, section_from_notebook
from lnob_helpers.report.execute import STEPS, StepFailed, StepKernelManager, StepRun, run_step, socket_kernel_config
from lnob_helpers.render import table_html
from lnob_helpers.report.pdf import find_browser, html_to_pdf

WORKBOOKS = Path(__file__).resolve().parents[1] / "workbooks"


class Tables(HTMLParser):
    """Collects the cells of every HTML table, enough to check the n column of each."""

    def __init__(self):
        super().__init__()
        self.tables, self._row, self._cell, self._in = [], None, None, False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell, self._in = "", True

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._in:
            self._row.append(self._cell.strip())
            self._in = False
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._in:
            self._cell += data


def small_cells_shown(page: str, min_n: int = 25) -> list[str]:
    """Rows of any table with an `n` column below `min_n` whose estimate-like cells hold a number."""
    parser = Tables()
    parser.feed(page)
    bad = []
    for table in parser.tables:
        if not table:
            continue
        header = [h.lower() for h in table[0]]
        if "n" not in header:
            continue
        i_n = header.index("n")
        value_cols = [i for i, h in enumerate(header) if h in ("estimate", "rate", "value", "ci_lb", "ci_ub",
                                                                 "se")]
        for row in table[1:]:
            if len(row) != len(header):
                continue
            try:
                n = float(row[i_n].replace(",", ""))
            except ValueError:
                continue
            if n < min_n and any(re.fullmatch(r"-?[\d.,]+%?", row[i]) for i in value_cols):
                bad.append(" | ".join(row))
    return bad


def _fake_executed(path: Path) -> StepRun:
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell("# Title that the section replaces"),
        new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        new_code_cell("show()", outputs=[
            new_output("display_data", data={"text/markdown": "## Groups\n\nSome **text**."}),
            new_output("display_data", data={"text/html": "<table><tr><th>n</th><th>estimate</th></tr>"
                                                           "<tr><td>12</td><td>suppressed</td></tr></table>"}),
            new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}),
        ]),
    ]
    nbformat.write(nb, str(path))
    return StepRun(path.name, "Step 1 — Who is left behind?", path, 0.1)


def test_section_keeps_outputs_not_code(tmp_path):
    section = section_from_notebook(_fake_executed(tmp_path / "1_who.ipynb"), 1)
    assert "x = 1" not in section.body and "show()" not in section.body
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in section.body
    assert '<img alt="Groups: figure 1"' in section.body  # alt text: the heading above, and the number
    assert section.headings == [(2, "step1-1", "Groups")]
    assert "Title that the section replaces" not in section.body
    assert small_cells_shown(section.body) == []


def test_figures_get_alt_text_from_the_notebook_or_their_heading(tmp_path):
    nb = new_notebook()
    nb.cells = [new_markdown_cell("## Gaps by group"), new_code_cell("show()", outputs=[
        new_output("display_data", data={"image/png": "iVBORw0KGgo="},
                   metadata={"image/png": {"alt": 'Gap <heatmap> & "groups"'}}),
        new_output("display_data", data={"image/png": "iVBORw0KGgo="}),
    ])]
    nbformat.write(nb, str(tmp_path / "1_who.ipynb"))
    body = section_from_notebook(StepRun("1_who.ipynb", "Step 1", tmp_path / "1_who.ipynb", 0.1), 1).body
    assert re.findall(r'<img alt="([^"]*)"', body) == ["Gap &lt;heatmap&gt; &amp; &quot;groups&quot;",
                                                       "Gaps by group: figure 2"]


def test_report_shows_a_table_exactly_as_the_app_does(tmp_path):
    table = pd.DataFrame({"group": ["<b>Tamar</b>", "Few", "Very few"], "estimate": [70.0, 60.0, np.nan],
                          "n": [500, 30, 9], "flag": ["ok", "caution", "suppressed"]})
    shown = table_html(table, digits=1)                       # what the app puts in its page
    nb = new_notebook()
    nb.cells = [new_code_cell("show()", outputs=[new_output("display_data", data={"text/html": shown})])]
    nbformat.write(nb, str(tmp_path / "1_who.ipynb"))
    section = section_from_notebook(StepRun("1_who.ipynb", "Step 1", tmp_path / "1_who.ipynb", 0.1), 1)
    assert sanitise(shown) in section.body  # the same table; only the inline style moves to the report's sheet
    assert "60.0 (c)" in section.body and "<b>Tamar" not in section.body
    assert small_cells_shown(section.body) == []


def test_error_output_stops_assembly(tmp_path):
    run = _fake_executed(tmp_path / "1_who.ipynb")
    nb = nbformat.read(str(run.executed), 4)
    nb.cells[-1].outputs.append(new_output("error", ename="ValueError", evalue="boom", traceback=[]))
    nbformat.write(nb, str(run.executed))
    with pytest.raises(ValueError, match="boom"):
        section_from_notebook(run, 1)


def test_failing_cell_names_step_and_cell_and_keeps_notebook(tmp_path):
    books = tmp_path / "books"
    books.mkdir()
    nb = new_notebook(cells=[
        new_code_cell('analysis = ""  # folder\nmode = "auto"  # mode', metadata={"tags": ["parameters"]}),
        new_code_cell("1 / 0"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(books / "1_who.ipynb"))
    with pytest.raises(StepFailed) as err:
        run_step("1_who.ipynb", STEPS[0][1], tmp_path, tmp_path / "out", workbooks=books, timeout=60)
    message = str(err.value)
    assert "Step 1" in message and "cell" in message and "ZeroDivisionError" in message
    assert err.value.executed.exists()
    assert sorted(p.name for p in books.iterdir()) == ["1_who.ipynb"]   # no socket files left beside it


def test_report_kernels_listen_on_unix_sockets(tmp_path):
    km = StepKernelManager(kernel_name="python3", config=socket_kernel_config(tmp_path))
    assert km.transport == "ipc" and km.ip == str(tmp_path / "kernel")


def test_failed_build_leaves_no_report(tmp_path, sample_dir, monkeypatch):
    copy = tmp_path / "aruvia"
    shutil.copytree(sample_dir, copy, ignore=shutil.ignore_patterns("outputs"))

    def broken(notebook, title, analysis, out_dir, **_):
        raise StepFailed(title, 3, "KeyError: 'x'", out_dir / "executed" / notebook)

    monkeypatch.setattr(build_mod, "run_step", broken)
    monkeypatch.setattr(build_mod, "available_steps", lambda: STEPS[:1])
    results = build_mod.build_reports([copy])
    assert results[0].error and "Step 1" in results[0].error and "cell 3" in results[0].error
    assert not (copy / "outputs" / "report" / "report.html").exists()
    assert build_mod.print_summary(results) == 1


def test_pdf_without_browser_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(LnobError, match="apt-get install -y chromium"):
        build_mod.build_reports([tmp_path], formats=("html", "pdf"))


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(LnobError, match="odt is not a known format"):
        build_mod.build_reports([tmp_path], formats=("html", "odt"))


@pytest.mark.skipif(find_browser() is None, reason="no chromium: install it with scripts/install_browser.sh")
def test_html_to_pdf(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<html><body><h1>Aruvia</h1></body></html>")
    pdf = html_to_pdf(page, tmp_path / "p.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.notebook
@pytest.mark.skipif(not all((WORKBOOKS / nb).exists() for nb, _ in STEPS),
                    reason="not every step notebook is written yet")
def test_full_sample_report(tmp_path, sample_dir):
    copy = tmp_path / "aruvia"
    shutil.copytree(sample_dir, copy, ignore=shutil.ignore_patterns("outputs"))
    formats = ("html", "pdf") if find_browser() else ("html",)
    result = build_mod.build_report(copy, formats=formats, progress=lambda m: None)
    page = (copy / "outputs" / "report" / "report.html").read_text(encoding="utf-8")
    for notebook, title in STEPS:
        assert (WORKBOOKS / notebook).exists(), f"{notebook} is missing"
        assert title in page
    for part in ("Contents", "Methodology annex", "Provenance", "SHA-256", "Aruvia"):
        assert part in page
    assert page.count("data:image/png;base64,") >= 5, "figures must be embedded"
    assert "Traceback" not in page and "Error" not in re.sub(r"<[^>]+>", " ", page).split("Provenance")[0][-200:]
    assert "<script" not in page.lower() or "widget" not in page.lower()
    assert small_cells_shown(page) == []
    if "pdf" in formats:
        assert (copy / "outputs" / "report" / "report.pdf").read_bytes().startswith(b"%PDF")
    assert (copy / "outputs" / "report" / "tables.xlsx").exists() and "tables.xlsx" in page  # named in the annex
    assert result.seconds < 600
