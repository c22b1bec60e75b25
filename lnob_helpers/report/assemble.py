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
from .paper import CSS_DPI, DEFAULT_PAPER, PAPERS, Paper

_HEADING = re.compile(r"<h([23])>(.*?)</h\1>", re.S)
_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|\x1b\[0;31m")


@dataclass
class Section:
    anchor: str
    title: str
    body: str
    headings: list[tuple[int, str, str]] = field(default_factory=list)  # level, anchor, text
    annex: bool = False


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
        alt = _image_alt(output, "image/png")
        return f'<figure><img alt="{alt}" src="data:image/png;base64,{_joined(data["image/png"]).strip()}"></figure>'
    if "image/svg+xml" in data:
        svg = _joined(data["image/svg+xml"]).encode()
        alt = _image_alt(output, "image/svg+xml")
        return f'<figure><img alt="{alt}" src="data:image/svg+xml;base64,{base64.b64encode(svg).decode()}"></figure>'
    if "text/markdown" in data:
        return _markdown(_joined(data["text/markdown"]))
    return ""  # widget views and plain reprs carry nothing for a reader


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _image_alt(output: dict, mime: str) -> str:
    """The alt text a notebook gave its image (`display(Image(..., metadata={"alt": ...}))`), escaped; else ''."""
    meta = output.get("metadata", {})
    alt = (meta.get(mime) or {}).get("alt") or meta.get("alt") or ""
    return html.escape(str(alt), quote=True)


_HEADING_OR_IMAGE = re.compile(r"<h([2-6])\b[^>]*>(.*?)</h\1>|<img alt=\"([^\"]*)\"", re.S)


def _label_figures(body: str, title: str) -> str:
    """Alt text for images that came without one: the heading they sit under, and their number."""
    heading, count = title, 0

    def _fill(m: re.Match) -> str:
        nonlocal heading, count
        if m.group(1):
            heading = html.unescape(re.sub(r"<[^>]+>", "", m.group(2))).strip() or title
            return m.group(0)
        count += 1
        if m.group(3):
            return m.group(0)
        return f'<img alt="{html.escape(f"{heading}: figure {count}", quote=True)}"'

    return _HEADING_OR_IMAGE.sub(_fill, body)


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
    # The notebook's own title (h1) is replaced by the section title.
    body = re.sub(r"<h1>.*?</h1>", "", body, count=1, flags=re.S)
    return section_from_html(f"step{number}", run.title, body)


def section_from_html(anchor: str, title: str, body: str) -> Section:
    """A report section from sanitised HTML: its h2/h3 go one level down and into the contents."""
    headings: list[tuple[int, str, str]] = []

    def _tag(m: re.Match) -> str:
        level, text = int(m.group(1)), m.group(2)
        hid = f"{anchor}-{len(headings) + 1}"
        headings.append((level, hid, html.unescape(re.sub(r"<[^>]+>", "", text))))  # escaped again in the contents
        return f'<h{level + 1} id="{hid}">{text}</h{level + 1}>'

    body = _HEADING.sub(_tag, sanitise(body))
    return Section(anchor, title, _label_figures(body, title), headings)


# Tables are fitted to their page and window. Long unbroken tokens in cells (ids, lists joined by
# ";", hashes) get break opportunities, so a column is only as wide as its longest word; a table
# whose columns cannot then sit side by side on a portrait page goes on a landscape page (the CSS
# named page `wide`, which the Word version follows too), with the heading and lines introducing
# it; and one too wide even for that may break words anywhere ("dense"). No table is clipped.
TABLE_WRAP, WIDE, DENSE = "table-wrap", "wide", "dense"
TABLE_PT, WIDE_TABLE_PT = 8.0, 7.5  # printed table text, portrait and landscape
CELL_PAD_PX = 4  # left and right padding of a printed cell
SAFETY = 1.15  # the estimate below was within 10% of chromium's own layout on the sample report
TOKEN_CHARS = 16  # a longer unbroken token gets break opportunities
_INTRODUCED_TABLE = re.compile(
    r"((?:<h([3-6])\b[^>]*>(?:(?!</h\2>).)*</h\2>\s*)?(?:<p>(?:(?!</p>).)*</p>\s*){0,2})(<table\b.*?</table>)", re.S)
_ROW = re.compile(r"<tr\b.*?</tr>", re.S)
_CELL = re.compile(r"(<(t[hd])\b[^>]*>)(.*?)(</t[hd]>)", re.S)
_LONG_TOKEN = re.compile(r"[^\s<>]{%d,}" % (TOKEN_CHARS + 1))
_AFTER_SEPARATOR = re.compile(r"(?<=[_;,./=|])")
_NARROW = set("ijlft.,;:'|!()[] ")


def _breakable(token: str) -> str:
    """An escaped token with `<wbr>` after its separators, and every TOKEN_CHARS characters without one."""
    pieces = []
    for part in _AFTER_SEPARATOR.split(html.unescape(token)):
        pieces += [part[i:i + TOKEN_CHARS] for i in range(0, len(part), TOKEN_CHARS)]
    return "<wbr>".join(html.escape(p, quote=False) for p in pieces if p)


def _cell_breakable(m: re.Match) -> str:
    text = re.sub(r"(?<=>)[^<]+|^[^<]+", lambda t: _LONG_TOKEN.sub(lambda w: _breakable(w.group(0)), t.group(0)),
                  m.group(3))
    return m.group(1) + text + m.group(4)


def _em(word: str) -> float:
    """About how wide `word` is in a sans-serif font, in em."""
    return sum(0.556 if c.isdigit() else 0.3 if c in _NARROW else 0.85 if c in "mwMW" else 0.68 if c.isupper()
               else 0.53 for c in word)


def min_table_px(table: str, font_pt: float) -> float:
    """About how wide `table` is, in CSS pixels, when every column is as narrow as its words allow."""
    widths: dict[int, float] = {}
    for row in _ROW.findall(table):
        for i, (_, tag, cell, _) in enumerate(_CELL.findall(row)):
            words = html.unescape(re.sub(r"<wbr>", " ", re.sub(r"<(?!wbr)[^>]+>", "", cell))).split()
            bold = 1.1 if tag == "th" else 1.0
            widths[i] = max(widths.get(i, 0.0), max((_em(w) * bold for w in words), default=0.0))
    font_px = font_pt * CSS_DPI / 72
    return SAFETY * sum(w * font_px + 2 * CELL_PAD_PX + 1 for w in widths.values())


def fit_tables(fragment: str, paper: Paper) -> str:
    """Every table of `fragment` in a wrapper, marked for a landscape page when too wide for a portrait one."""

    def _wrap(m: re.Match) -> str:
        intro, table = m.group(1), _CELL.sub(_cell_breakable, m.group(3))
        if min_table_px(table, TABLE_PT) <= paper.printable_width_px():
            return f'{intro}<div class="{TABLE_WRAP}">{table}</div>'
        too_wide = min_table_px(table, WIDE_TABLE_PT) > paper.printable_width_px(landscape=True)
        return f'<div class="{TABLE_WRAP} {WIDE}{f" {DENSE}" if too_wide else ""}">{intro}{table}</div>'

    return _INTRODUCED_TABLE.sub(_wrap, fragment)


CSS = """
body{font-family:"Segoe UI",Helvetica,Arial,sans-serif;max-width:1050px;margin:0 auto;padding:0 24px;
color:#222;line-height:1.45}
h1,h2,h3,h4{color:#224466;line-height:1.2} h2{border-bottom:2px solid #4477AA;padding-bottom:4px;margin-top:2.2em}
table{border-collapse:collapse;margin:8px 0 16px;font-size:0.86em} th,td{border:1px solid #ccc;padding:3px 7px}
th{background:#eef3f8;text-align:left} td{text-align:right} td:first-child{text-align:left}
th,td,pre{overflow-wrap:break-word} pre{white-space:pre-wrap} .table-wrap{max-width:100%;overflow-x:auto}
.dense th,.dense td{overflow-wrap:anywhere}
figure{margin:12px 0} img{max-width:100%;height:auto} .cover{padding:60px 0 30px;border-bottom:3px solid #4477AA}
.cover .country{font-size:2.4em;font-weight:700;color:#224466} .meta{color:#555} nav ol{line-height:1.7}
.annex{font-size:0.92em} pre.note{background:#f6f6f6;padding:6px} code{background:#f3f3f3}
@media screen{div.wide{width:calc(100vw - 64px);max-width:1400px;position:relative;left:50%;
transform:translateX(-50%)} div.wide table{font-size:0.78em}}
@media print{
body{max-width:none;margin:0;padding:0;font-size:10pt}
h2{break-before:page} .cover{break-after:page} h3,h4,h5{break-after:avoid}
figure,tr{break-inside:avoid} thead{display:table-header-group} figure img{max-height:200mm}
div.table-wrap{overflow:visible} div.wide{page:wide}
a{color:inherit;text-decoration:none}
}
""" + TABLE_STYLE + (
    f"@media print{{div.table-wrap table{{font-size:{TABLE_PT}pt}} div.wide table{{font-size:{WIDE_TABLE_PT}pt}}"
    f"div.table-wrap table th,div.table-wrap table td{{padding:2px {CELL_PAD_PX}px}}}}")


COUNTRY_KIND = "country analysis"
COUNTRY_NOTE = ("Following the five steps of the UN Sustainable Development Group's good practice note on\n"
                "operationalizing Leave No One Behind. All tables hold aggregates; estimates from fewer than the stated\n"
                "number of unweighted cases are withheld.")


def _cover(country: str, iso3: str, date: str, sources: list[str], kind: str = COUNTRY_KIND,
           note: str = COUNTRY_NOTE) -> str:
    source_items = "".join(f"<li>{html.escape(s)}</li>" for s in sources)
    return f"""<header class="cover">
<div class="meta">Leave No One Behind · {html.escape(kind)}</div>
<div class="country">{html.escape(country)} ({html.escape(iso3)})</div>
<p class="meta">Report date: {html.escape(date)}</p>
<p><strong>Data sources</strong></p><ul>{source_items}</ul>
<p class="meta">{html.escape(note, quote=False)}</p>
</header>"""


def _contents(sections: list[Section]) -> str:
    items = []
    for s in sections:
        sub = "".join(f'<li><a href="#{hid}">{html.escape(text)}</a></li>'
                      for level, hid, text in s.headings if level == 2 and not s.annex)
        items.append(f'<li><a href="#{s.anchor}">{html.escape(s.title)}</a>{f"<ol>{sub}</ol>" if sub else ""}</li>')
    return f'<nav><h2 id="contents">Contents</h2><ol>{"".join(items)}</ol></nav>'


def _section(s: Section, paper: Paper) -> str:
    kind = ' class="annex"' if s.annex else ""
    return f'<section{kind}><h2 id="{s.anchor}">{html.escape(s.title)}</h2>\n{fit_tables(s.body, paper)}</section>'


def tables_annex(tables_file: str) -> str:
    """The annex that points to the attached workbook of full tables (the file sits beside the report)."""
    name = html.escape(tables_file)
    return (f'<p>The full tables behind this report are in the attached workbook <a href="{name}">'
            f"<code>{name}</code></a>, which sits beside this report: one sheet per table that the five steps "
            "wrote, aggregates only, with estimates from too few cases withheld as in the report. Its first sheet, "
            "<em>contents</em>, says which step wrote each table. Text in the workbook is stored as text, so no "
            "cell is ever run as a formula.</p>")


def render_report(*, country: str, iso3: str, date: str, sources: list[str], sections: list[Section],
                  annex_html: str, provenance_html: str, paper: Paper = PAPERS[DEFAULT_PAPER],
                  tables_file: str | None = None, kind: str = COUNTRY_KIND, cover_note: str = COUNTRY_NOTE,
                  annex_title: str = "Methodology annex", provenance_title: str = "Provenance") -> str:
    """The whole report page, in this order: cover, contents, `sections` (one per step), annexes.

    The annexes are the methodology, the attached workbook of full tables (when `tables_file` is
    given) and the provenance. `paper` sets the printed page size. The country report keeps the
    defaults; another report (the joint report of a data collaborative) names its `kind` on the
    cover, its own `cover_note` and its annexes' titles.
    """
    annexes = [Section("methodology", annex_title, sanitise(annex_html), annex=True)]
    if tables_file:
        annexes.append(Section("full-tables", "Full tables (attached workbook)", tables_annex(tables_file),
                               annex=True))
    annexes.append(Section("provenance", provenance_title, sanitise(provenance_html), annex=True))
    parts = [_cover(country, iso3, date, sources, kind, cover_note), _contents([*sections, *annexes]),
             *(_section(s, paper) for s in [*sections, *annexes])]
    body = "\n".join(parts)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Leave No One Behind — {html.escape(country)}</title><style>{paper.css()}{CSS}</style></head>
<body>
{body}
</body></html>
"""
