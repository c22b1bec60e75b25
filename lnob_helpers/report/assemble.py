"""One self-contained HTML report from the executed step notebooks.

Only outputs are taken, never code: rich HTML tables, Markdown headings and text,
and figures (embedded as data URIs, so the file travels alone). Anything that looks
like a traceback stops the assembly: a report must not carry an error as content.

Text in the notebooks' outputs comes from files people wrote (problem trees, labels,
partner files), and the report is passed around. So Markdown is rendered with raw HTML
escaped, and every section is then cleaned with `nh3` (a maintained HTML sanitiser)
down to the tags a report needs, with images only as embedded PNG or SVG and links only
within the page: no script, event handler or outside address survives.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field

import mistune
import nbformat
import nh3

from ..render import TABLE_STYLE
from .execute import StepRun

_HEADING = re.compile(r"<h([23])>(.*?)</h\1>", re.S)
_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|\x1b\[0;31m")


@dataclass
class Section:
    anchor: str
    title: str
    body: str
    headings: list[tuple[int, str, str]] = field(default_factory=list)  # level, anchor, text


_MARKDOWN = mistune.create_markdown(escape=True)  # raw HTML in Markdown shows as text
SAFE_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "table", "thead", "tbody", "tfoot", "tr",
             "th", "td", "caption", "figure", "figcaption", "img", "em", "strong", "b", "i", "code", "pre", "br",
             "span", "div", "a", "small", "sup", "sub", "blockquote", "hr"}
SAFE_ATTRIBUTES = {"*": {"class", "id"}, "img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan"},
                   "th": {"colspan", "rowspan"}, "a": {"href"}}
SAFE_IMAGES = ("data:image/png;base64,", "data:image/svg+xml;base64,")


def _markdown(text: str) -> str:
    return _MARKDOWN(text)


def _safe_attribute(tag: str, name: str, value: str) -> str | None:
    if tag == "img" and name == "src":
        return value if value.startswith(SAFE_IMAGES) else None
    if tag == "a" and name == "href":
        return value if value.startswith("#") else None
    return value


def sanitise(fragment: str) -> str:
    """`fragment` with only the tags and attributes a report needs; nothing that can run."""
    return nh3.clean(fragment, tags=SAFE_TAGS, attributes=SAFE_ATTRIBUTES, attribute_filter=_safe_attribute,
                     url_schemes={"data"}, link_rel=None)


def _output_html(output: dict) -> str:
    kind = output.get("output_type")
    if kind == "error":
        raise ValueError(f"{output.get('ename')}: {output.get('evalue')}")
    if kind == "stream":
        if output.get("name") == "stdout" and output.get("text", "").strip():
            return f"<pre class='note'>{html.escape(output['text'])}</pre>"
        return ""
    data = output.get("data", {})
    if "text/html" in data:
        return _joined(data["text/html"])
    if "image/png" in data:
        return f'<figure><img alt="figure" src="data:image/png;base64,{_joined(data["image/png"]).strip()}"></figure>'
    if "image/svg+xml" in data:
        svg = _joined(data["image/svg+xml"]).encode()
        return f'<figure><img alt="figure" src="data:image/svg+xml;base64,{base64.b64encode(svg).decode()}"></figure>'
    if "text/markdown" in data:
        return _markdown(_joined(data["text/markdown"]))
    return ""  # widget views and plain reprs carry nothing for a reader


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def section_from_notebook(run: StepRun, number: int) -> Section:
    """The report section of one executed step notebook."""
    nb = nbformat.read(str(run.executed), as_version=4)
    parts = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "parameters" in tags or "injected-parameters" in tags:
            continue
        if cell.cell_type == "markdown":
            parts.append(_markdown(cell.source))
        elif cell.cell_type == "code":
            parts.extend(_output_html(o) for o in cell.get("outputs", []))
    body = sanitise("\n".join(p for p in parts if p))
    if _TRACEBACK.search(body):
        raise ValueError(f"{run.title}: an error message appears among the outputs")
    anchor = f"step{number}"
    headings: list[tuple[int, str, str]] = []

    def _tag(m: re.Match) -> str:
        level, text = int(m.group(1)), m.group(2)
        hid = f"{anchor}-{len(headings) + 1}"
        headings.append((level, hid, html.unescape(re.sub(r"<[^>]+>", "", text))))  # escaped again in the contents
        return f'<h{level + 1} id="{hid}">{text}</h{level + 1}>'

    body = _HEADING.sub(_tag, body)
    # The notebook's own title (h1) is replaced by the section title.
    body = re.sub(r"<h1>.*?</h1>", "", body, count=1, flags=re.S)
    return Section(anchor, run.title, body, headings)


CSS = """
body{font-family:"Segoe UI",Helvetica,Arial,sans-serif;max-width:1050px;margin:0 auto;padding:0 24px;
color:#222;line-height:1.45}
h1,h2,h3,h4{color:#224466;line-height:1.2} h2{border-bottom:2px solid #4477AA;padding-bottom:4px;margin-top:2.2em}
table{border-collapse:collapse;margin:8px 0 16px;font-size:0.86em} th,td{border:1px solid #ccc;padding:3px 7px}
th{background:#eef3f8;text-align:left} td{text-align:right} td:first-child{text-align:left}
figure{margin:12px 0} img{max-width:100%} .cover{padding:60px 0 30px;border-bottom:3px solid #4477AA}
.cover .country{font-size:2.4em;font-weight:700;color:#224466} .meta{color:#555} nav ol{line-height:1.7}
.annex{font-size:0.92em} pre.note{background:#f6f6f6;padding:6px} code{background:#f3f3f3}
@media print{h2{page-break-before:always} .cover{page-break-after:always} figure,table{page-break-inside:avoid}}
""" + TABLE_STYLE


def render_report(*, country: str, iso3: str, date: str, sources: list[str], sections: list[Section],
                  annex_html: str, provenance_html: str) -> str:
    """The whole report page: cover, contents, one section per step, annex, provenance."""
    toc = []
    for s in sections:
        sub = "".join(f'<li><a href="#{hid}">{html.escape(text)}</a></li>'
                      for level, hid, text in s.headings if level == 2)
        toc.append(f'<li><a href="#{s.anchor}">{html.escape(s.title)}</a>{f"<ol>{sub}</ol>" if sub else ""}</li>')
    toc.append('<li><a href="#methodology">Methodology annex</a></li>')
    toc.append('<li><a href="#provenance">Provenance</a></li>')
    source_items = "".join(f"<li>{html.escape(s)}</li>" for s in sources)
    body = "\n".join(f'<section><h2 id="{s.anchor}">{html.escape(s.title)}</h2>\n{s.body}</section>' for s in sections)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Leave No One Behind — {html.escape(country)}</title><style>{CSS}</style></head>
<body>
<header class="cover">
<div class="meta">Leave No One Behind · country analysis</div>
<div class="country">{html.escape(country)} ({html.escape(iso3)})</div>
<p class="meta">Report date: {html.escape(date)}</p>
<p><strong>Data sources</strong></p><ul>{source_items}</ul>
<p class="meta">Following the five steps of the UN Sustainable Development Group's good practice note on
operationalizing Leave No One Behind. All tables hold aggregates; estimates from fewer than the stated
number of unweighted cases are withheld.</p>
</header>
<nav><h2 id="contents">Contents</h2><ol>{''.join(toc)}</ol></nav>
{body}
<section class="annex"><h2 id="methodology">Methodology annex</h2>{sanitise(annex_html)}</section>
<section class="annex"><h2 id="provenance">Provenance</h2>{sanitise(provenance_html)}</section>
</body></html>
"""
