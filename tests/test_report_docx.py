"""The Word version of the report (issue 14): the same sections, tables and figures as the HTML page,
with Word headings, repeating table headers, a table of contents field, and people's text as text."""

from __future__ import annotations

import re

import lxml.html
import nbformat
import pandas as pd
import pytest
from docx import Document
from docx.shared import Mm
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from hostile import HYPERLINK, PAYLOADS, SCRIPT
from lnob_helpers.render import table_html
from lnob_helpers.report.assemble import render_report, section_from_notebook
from lnob_helpers.report.docx import html_to_docx
from lnob_helpers.report.execute import StepRun
from lnob_helpers.report.paper import PAPERS
from report_build import built_sample_report

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def html_parts(page: str) -> dict:
    """What the page shows: headings by level, each table's first row, and the embedded PNGs' alt texts."""
    tree = lxml.html.fromstring(page)
    headings = {level: [_norm(h.text_content()) for h in tree.iter(f"h{level}")] for level in (2, 3, 4)}
    headings[2] = [h for h in headings[2] if h != "Contents"]  # Word's table of contents field takes its place
    tables = [[_norm(c.text_content()) for c in t.xpath("(.//tr)[1]/*[self::th or self::td]")]
              for t in tree.iter("table")]
    images = [img.get("alt") for img in tree.iter("img") if img.get("src", "").startswith("data:image/png")]
    return {"headings": headings, "tables": tables, "images": images}


def docx_parts(path) -> dict:
    doc = Document(str(path))
    styles = {2: "Heading 1", 3: "Heading 2", 4: "Heading 3"}
    headings = {level: [_norm(p.text) for p in doc.paragraphs if p.style.name == style]
                for level, style in styles.items()}
    tables = []
    for table in doc.tables:
        first = table.rows[0]._tr
        tables.append([_norm("".join(t.text or "" for t in tc.iter(f"{W}t"))) for tc in first.tc_lst])
    images = [shape._inline.docPr.get("descr") for shape in doc.inline_shapes]
    fields = [_norm(t.text) for t in doc.element.body.iter(f"{W}instrText")]
    return {"headings": headings, "tables": tables, "images": images, "fields": fields, "doc": doc}


def _all_text(doc) -> str:
    return "\n".join(t.text or "" for t in doc.element.body.iter(f"{W}t"))


def _report(sections_html: str, tmp_path, paper: str = "a4") -> str:
    nb = new_notebook()
    nb.cells = [new_markdown_cell("# Step"), new_code_cell("show()", outputs=[
        new_output("display_data", data={"text/html": sections_html}),
        new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
    ])]
    nbformat.write(nb, str(tmp_path / "1_who.ipynb"))
    section = section_from_notebook(StepRun("1_who.ipynb", "Step 1 — Who is left behind?",
                                            tmp_path / "1_who.ipynb", 0.1), 1)
    return render_report(country="Aruvia", iso3="ARU", date="2026-01-01", sources=["Survey (2024): a.csv"],
                         sections=[section], annex_html="<p>Methods.</p>", provenance_html="<p>Files.</p>",
                         paper=PAPERS[paper], tables_file="tables.xlsx")


def test_docx_holds_the_pages_sections_tables_and_figures(tmp_path):
    frame = pd.DataFrame({"group": ["Rural", "Urban"], "estimate": [41.0, 72.0], "n": [500, 400]})
    wide = pd.DataFrame({f"measure {i}": ["13.3 (10.7-16.0)"] for i in range(14)})
    page = _report("<h2>Groups</h2><p>Some <strong>text</strong>.</p>" + table_html(frame, digits=1)
                   + "<h3>All measures</h3>" + table_html(wide) + "<ul><li>one</li><li>two</li></ul>", tmp_path)
    out = html_to_docx(page, tmp_path / "report.docx", PAPERS["a4"])
    want, got = html_parts(page), docx_parts(out)
    assert got["headings"] == want["headings"]
    assert got["headings"][2] == ["Step 1 — Who is left behind?", "Methodology annex",
                                  "Full tables (attached workbook)", "Provenance"]
    assert got["tables"] == want["tables"] and got["tables"][0] == ["group", "estimate", "n"]
    assert got["images"] == want["images"] == ["All measures: figure 1"]  # the heading it sits under
    assert any(f.startswith("TOC ") for f in got["fields"])
    doc = got["doc"]
    header = doc.tables[0].rows[0]
    assert header._tr.trPr.find(f"{W}tblHeader") is not None  # repeats on every page
    assert all(r.bold for c in header.cells for p in c.paragraphs for r in p.runs if r.text.strip())
    assert [p.style.name for p in doc.paragraphs if p.text in ("one", "two")] == ["List Bullet", "List Bullet"]
    first, *others = doc.sections
    assert abs(first.page_width - Mm(210)) < Mm(1) and abs(first.page_height - Mm(297)) < Mm(1)
    assert any(s.page_width > s.page_height for s in others), "the 14-column table sits on a landscape page"
    assert "tables.xlsx" in _all_text(doc)


def test_docx_on_letter_paper(tmp_path):
    out = html_to_docx(_report("<p>x</p>", tmp_path, "letter"), tmp_path / "report.docx", PAPERS["letter"])
    section = Document(str(out)).sections[0]
    assert abs(section.page_width - Mm(215.9)) < Mm(1) and abs(section.page_height - Mm(279.4)) < Mm(1)


def test_hostile_text_stays_text_in_word(tmp_path):
    frame = pd.DataFrame({"group": list(PAYLOADS), "note": [f"{p} note" for p in PAYLOADS]})
    markdown = "\n\n".join(f"- {p}" for p in PAYLOADS)
    nb_html = table_html(frame, digits=1) + "<p>" + "</p><p>".join(
        p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for p in PAYLOADS) + "</p>"
    page = _report(nb_html + f"<pre>{SCRIPT}</pre>".replace("<script", "&lt;script").replace("</script", "&lt;/script")
                   + markdown.replace("<", "&lt;"), tmp_path)
    out = html_to_docx(page, tmp_path / "report.docx", PAPERS["a4"])
    got = docx_parts(out)
    text = _all_text(got["doc"])
    for payload in PAYLOADS:
        assert payload in text, f"{payload!r} did not reach the Word document as text"
    assert set(f.split()[0] for f in got["fields"]) <= {"TOC", "PAGE"}  # no payload became a field
    assert HYPERLINK in [_norm(c.text) for row in got["doc"].tables[0].rows for c in row.cells]
    assert not [r for r in got["doc"].part.rels.values() if r.is_external], "no outside links or pictures"


@pytest.mark.notebook
def test_sample_report_docx_matches_its_html(tmp_path_factory, sample_dir):
    out = built_sample_report(tmp_path_factory.getbasetemp(), sample_dir)
    page = (out / "report.html").read_text(encoding="utf-8")
    want, got = html_parts(page), docx_parts(out / "report.docx")
    assert got["headings"] == want["headings"]
    assert len(got["tables"]) == len(want["tables"]) >= 10
    assert got["tables"] == want["tables"]
    assert got["images"] == want["images"] and len(got["images"]) >= 5
    assert all(alt and alt != "figure" for alt in got["images"]), "every figure has alt text from its heading"
    assert any(f.startswith("TOC ") for f in got["fields"])
    assert (out / "tables.xlsx").exists() and "tables.xlsx" in page
