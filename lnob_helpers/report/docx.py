"""The Word version of the report, made from the same assembled, sanitised HTML page.

Country teams draft a Common Country Analysis in Word, so the report must open there as an
editable document: real headings (Heading 1-4, so Word's navigation pane and table of contents
work), real tables with a repeating header row, the figures as pictures with their alt text, and
a table of contents field. Walking the finished HTML page keeps one source for every format: the
DOCX holds the same sections, headings, tables and figures as the HTML and the PDF, and text
people wrote stays text: the page was sanitised, every text is written as plain runs, and the only
fields are the table of contents and the page numbers.

python-docx writes the file: maintained, pure Python, and no outside program is needed (pandoc
would be a second converter to install and keep in step).
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.image.exceptions import UnrecognizedImageError
from docx.image.image import Image as DocxImage
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from ..yamlstore import atomic_write_bytes
from .assemble import TABLE_PT, WIDE, WIDE_TABLE_PT
from .paper import Paper

HEADING_STYLES = {"h2": "Heading 1", "h3": "Heading 2", "h4": "Heading 3", "h5": "Heading 4", "h6": "Heading 4"}
VOID = {"img", "br", "wbr", "hr", "meta", "link", "input", "col", "source"}
BLOCKS = {"p", "div", "section", "header", "nav", "figure", "table", "ul", "ol", "pre", "blockquote", "hr",
          *HEADING_STYLES, "h1"}
TOC_FIELD = r'TOC \o "1-3" \h \z \u'
TABLE_FONT = {False: Pt(TABLE_PT), True: Pt(WIDE_TABLE_PT)}  # portrait, landscape: as in the printed report
MONOSPACE = "Consolas"
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DATA_PNG = "data:image/png;base64,"


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find_all(self, tag: str) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                found += [child] if child.tag == tag else []
                found += child.find_all(tag)
        return found


class _TreeBuilder(HTMLParser):
    """The page as a tree of `Node`s (text unescaped); the head and its style sheet are left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "head":
            self.in_head = True
        if self.in_head:
            return
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.in_head:
            self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False
            return
        if self.in_head or tag in VOID:
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self.in_head:
            self.stack[-1].children.append(data)


def parse_html(page: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(page)
    builder.close()
    return builder.root


@dataclass
class _Style:
    bold: bool = False
    italic: bool = False
    code: bool = False
    sup: bool = False
    sub: bool = False
    size: Pt | None = None

    def with_tag(self, tag: str) -> _Style:
        changes = {"strong": "bold", "b": "bold", "em": "italic", "i": "italic", "code": "code", "sup": "sup",
                   "sub": "sub"}
        if tag not in changes:
            return self
        return _Style(**{**self.__dict__, changes[tag]: True})


class _Writer:
    """Walks the page tree and writes the document; `landscape` follows the page's wide tables."""

    def __init__(self, paper: Paper) -> None:
        self.paper = paper
        self.doc = Document()
        self.landscape = False
        self.wide = False
        self.figures = 0
        normal = self.doc.styles["Normal"]
        normal.font.size = Pt(10)
        self._page_setup(self.doc.sections[0], landscape=False)
        self._page_number(self.doc.sections[0])

    # --- pages ---------------------------------------------------------------------------------

    def _page_setup(self, section, landscape: bool) -> None:
        p = self.paper
        long_side, short_side = Mm(p.height_mm), Mm(p.width_mm)
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = (long_side, short_side) if landscape else (short_side, long_side)
        section.left_margin = section.right_margin = Mm(p.side_mm)
        section.top_margin, section.bottom_margin = Mm(p.top_mm), Mm(p.bottom_mm)

    def _page_number(self, section) -> None:
        paragraph = section.footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _field(paragraph, "PAGE", "1")

    def _orient(self) -> bool:
        """A new section (so a new page) when the content's orientation changes: a wide table, or the
        text after it. True when one was started."""
        if self.wide == self.landscape:
            return False
        self.landscape = self.wide
        self._page_setup(self.doc.add_section(WD_SECTION.NEW_PAGE), self.landscape)
        return True

    def text_width(self):
        section = self.doc.sections[-1]
        return section.page_width - section.left_margin - section.right_margin

    def text_height(self):
        section = self.doc.sections[-1]
        return section.page_height - section.top_margin - section.bottom_margin

    # --- blocks --------------------------------------------------------------------------------

    def paragraph(self, container, style: str | None = None, new_page: bool = False):
        """A new paragraph of `container`; `new_page` starts it on a new page, as the printed report does."""
        started = self._orient() if container is self.doc else False
        paragraph = container.add_paragraph(style=style)
        if new_page and not started:
            paragraph.paragraph_format.page_break_before = True
        return paragraph

    def blocks(self, node: Node, container) -> None:
        """Block children of `node`; loose inline content between blocks becomes a paragraph."""
        inline: list[Node | str] = []
        for child in node.children:
            if isinstance(child, Node) and child.tag in BLOCKS | {"li"}:
                self._loose(inline, container)
                inline = []
                self.block(child, container)
            else:
                inline.append(child)
        self._loose(inline, container)

    def _loose(self, inline: list[Node | str], container) -> None:
        if any((c.strip() if isinstance(c, str) else True) for c in inline):
            self.runs(self.paragraph(container), Node("span", children=inline), _Style())

    def block(self, node: Node, container) -> None:
        tag, classes = node.tag, node.classes
        if tag in HEADING_STYLES:
            self.runs(self.paragraph(container, HEADING_STYLES[tag], new_page=tag == "h2"), node, _Style())
        elif tag == "h1" or "country" in classes:
            self.runs(self.paragraph(container, "Title"), node, _Style())
        elif tag == "nav":
            self.contents(node)
        elif tag == "div" and WIDE in classes and container is self.doc:
            self.wide = True
            self.blocks(node, container)
            self.wide = False
        elif tag in ("ul", "ol"):
            self.listing(node, container, level=1)
        elif tag == "table":
            self.table(node, container)
        elif tag == "figure":
            self.figure(node, container)
        elif tag == "pre":
            self.runs(self.paragraph(container), node, _Style(code=True), keep_spaces=True)
        elif tag == "blockquote":
            self.runs(self.paragraph(container, "Quote"), node, _Style())
        elif tag == "hr":
            return
        elif tag == "div" and "meta" in classes:
            self.runs(self.paragraph(container, "Subtitle"), node, _Style())
        elif tag == "p":
            self.runs(self.paragraph(container), node, _Style())
        else:  # header, section, div, li outside a list: their children
            self.blocks(node, container)

    def contents(self, nav: Node) -> None:
        """Word's table of contents field; until Word updates it, it shows the page's own contents list."""
        self.paragraph(self.doc, "TOC Heading", new_page=True).add_run("Contents")
        entries = []
        for ol in (c for c in nav.children if isinstance(c, Node) and c.tag == "ol"):
            for li in (c for c in ol.children if isinstance(c, Node) and c.tag == "li"):
                entries.append((0, _inline_text(li, skip={"ol"})))
                entries += [(1, _inline_text(sub)) for sub in li.find_all("li")]
        first = self.paragraph(self.doc)
        _field_start(first, TOC_FIELD)
        last = first
        for i, (level, text) in enumerate(entries):
            paragraph = first if i == 0 else self.paragraph(self.doc)
            paragraph.paragraph_format.left_indent = Mm(6 * level)
            paragraph.add_run(text)
            last = paragraph
        _field_end(last)
        _update_fields_on_open(self.doc)

    def listing(self, node: Node, container, level: int) -> None:
        """A list; numbered items carry their number as text, since Word's own numbering would run on
        from one list to the next."""
        number = 0
        for li in node.children:
            if not isinstance(li, Node) or li.tag != "li":
                continue
            inline = Node("span", children=[c for c in li.children if not (isinstance(c, Node) and c.tag in BLOCKS)])
            if node.tag == "ul":
                paragraph = self.paragraph(container, "List Bullet" + (f" {level}" if level > 1 else ""))
            else:
                number += 1
                paragraph = self.paragraph(container, "List Paragraph")
                paragraph.paragraph_format.left_indent = Mm(6 * level)
                paragraph.add_run(f"{number}. ")
            self.runs(paragraph, inline, _Style())
            for child in li.children:
                if isinstance(child, Node) and child.tag in ("ul", "ol"):
                    self.listing(child, container, min(level + 1, 3))
                elif isinstance(child, Node) and child.tag in BLOCKS:
                    self.block(child, container)

    def figure(self, node: Node, container) -> None:
        for img in node.find_all("img"):
            self.picture(self.paragraph(container).add_run(), img, container)
        for caption in node.find_all("figcaption"):
            self.runs(self.paragraph(container, "Caption"), caption, _Style())

    def picture(self, run, img: Node, container) -> None:
        """An embedded PNG as a picture that fits the page, with its alt text; any other image as its alt text."""
        alt = _clean(img.attrs.get("alt", ""))
        src = img.attrs.get("src", "")
        if not src.startswith(_DATA_PNG):
            run.text = f"[Figure: {alt}]" if alt else "[Figure]"
            run.italic = True
            return
        try:
            blob = base64.b64decode(src[len(_DATA_PNG):])
            native = DocxImage.from_blob(blob)
        except (ValueError, UnrecognizedImageError):  # a broken picture must not stop the document
            run.text = f"[Figure: {alt}]" if alt else "[Figure]"
            return
        room_w = self.text_width() if container is self.doc else Mm(60)
        scale = min(1.0, room_w / native.width, (self.text_height() * 0.9) / native.height)
        shape = run.add_picture(io.BytesIO(blob), width=int(native.width * scale))
        self.figures += 1
        shape._inline.docPr.set("descr", alt)
        shape._inline.docPr.set("name", f"Figure {self.figures}")

    # --- tables --------------------------------------------------------------------------------

    def table(self, node: Node, container) -> None:
        cells, n_rows, n_cols, header_rows = _grid(node)
        if not n_rows or not n_cols:
            return
        if container is self.doc:
            self._orient()
        table = container.add_table(rows=n_rows, cols=n_cols)
        table.style = self.doc.styles["Table Grid"]
        grid = [row.cells for row in table.rows]  # python-docx finds a cell by walking the whole table: once
        size = TABLE_FONT[self.landscape]
        for r, c, rs, cs, cell_node in cells:
            target = grid[r][c]
            if rs > 1 or cs > 1:
                target = target.merge(grid[r + rs - 1][c + cs - 1])
            self.cell(target, cell_node, _Style(bold=cell_node.tag == "th" or r < header_rows, size=size))
        room = self.text_width() if container is self.doc else Mm(80)
        weights = _column_weights(cells, n_cols)
        widths = [int(room * w / sum(weights)) for w in weights]
        for column, width in zip(table.columns, widths):
            column.width = width
        for r, tr in enumerate(table._tbl.tr_lst):
            col = 0
            for tc in tr.tc_lst:
                tc.width = sum(widths[col:col + tc.grid_span])
                col += tc.grid_span
            if r < header_rows:
                repeat = OxmlElement("w:tblHeader")
                repeat.set(qn("w:val"), "true")
                tr.get_or_add_trPr().append(repeat)
        self.paragraph(container)  # Word joins two tables that touch

    def cell(self, target, node: Node, style: _Style) -> None:
        """A table cell's content: its inline content, and each block inside it, as paragraphs."""
        groups: list[Node] = []
        inline: list[Node | str] = []
        for child in node.children:
            if isinstance(child, Node) and child.tag in BLOCKS:
                if inline:
                    groups.append(Node("span", children=inline))
                    inline = []
                groups.append(child)
            else:
                inline.append(child)
        if inline or not groups:
            groups.append(Node("span", children=inline))
        for i, group in enumerate(groups):
            self.runs(target.paragraphs[0] if i == 0 else target.add_paragraph(), group, style)

    # --- runs ----------------------------------------------------------------------------------

    def runs(self, paragraph, node: Node, style: _Style, keep_spaces: bool = False) -> None:
        """The inline content of `node` as runs of `paragraph`, with HTML's white-space rules."""
        pieces: list[tuple[str | Node, _Style]] = []
        _collect(node, style, pieces)
        if not keep_spaces:
            pieces = _collapse(pieces)
        elif pieces and isinstance(pieces[0][0], str):  # a line break right after <pre> is not content
            pieces[0] = (pieces[0][0].removeprefix("\n"), pieces[0][1])
        for item, st in pieces:
            if isinstance(item, Node):
                if item.tag == "br":
                    paragraph.add_run().add_break()
                elif item.tag == "img":
                    self.picture(paragraph.add_run(), item, None)
                continue
            if keep_spaces:
                lines = item.split("\n")
                for i, line in enumerate(lines):
                    run = _styled(paragraph.add_run(line), st)
                    if i < len(lines) - 1:
                        run.add_break()
            else:
                _styled(paragraph.add_run(item), st)


def _collect(node: Node, style: _Style, out: list) -> None:
    for child in node.children:
        if isinstance(child, str):
            out.append((_clean(child), style))
        elif child.tag in ("br", "img"):
            out.append((child, style))
        elif child.tag != "wbr":
            _collect(child, style.with_tag(child.tag), out)


def _collapse(pieces: list) -> list:
    """HTML's white space: runs of spaces and newlines become one space; none at the ends."""
    out, after_space = [], True
    for item, st in pieces:
        if isinstance(item, Node):
            out.append((item, st))
            after_space = True
            continue
        text = re.sub(r"\s+", " ", item)
        if after_space:
            text = text.lstrip(" ")
        if text:
            out.append((text, st))
            after_space = text.endswith(" ")
    while out and isinstance(out[-1][0], str) and out[-1][0].endswith(" "):
        trimmed = out[-1][0].rstrip(" ")
        out[-1:] = [(trimmed, out[-1][1])] if trimmed else []
    return out


def _styled(run, style: _Style):
    run.bold = style.bold or None
    run.italic = style.italic or None
    if style.code:
        run.font.name = MONOSPACE
    if style.sup:
        run.font.superscript = True
    if style.sub:
        run.font.subscript = True
    if style.size is not None:
        run.font.size = style.size
    return run


def _clean(text: str) -> str:
    """`text` without the control characters XML cannot hold."""
    return _NOT_XML.sub("", text)


def _inline_text(node: Node, skip: frozenset[str] | set[str] = frozenset()) -> str:
    parts = []
    for child in node.children:
        if isinstance(child, str):
            parts.append(child)
        elif child.tag not in skip:
            parts.append(_inline_text(child, skip))
    return _clean(re.sub(r"\s+", " ", "".join(parts)).strip())


def _grid(table: Node) -> tuple[list[tuple[int, int, int, int, Node]], int, int, int]:
    """Cells placed on the table's grid (row, column, rowspan, colspan), the grid's size, and how many
    rows at the top are header rows (in <thead>, or made only of <th>)."""
    rows: list[tuple[Node, bool]] = []

    def _rows(node: Node, in_head: bool) -> None:
        for child in node.children:
            if isinstance(child, Node):
                if child.tag == "tr":
                    rows.append((child, in_head))
                elif child.tag in ("thead", "tbody", "tfoot"):
                    _rows(child, child.tag == "thead")

    _rows(table, False)
    taken: set[tuple[int, int]] = set()
    cells = []
    header_rows, counting = 0, True
    for r, (tr, in_head) in enumerate(rows):
        row_cells = [c for c in tr.children if isinstance(c, Node) and c.tag in ("td", "th")]
        c = 0
        for cell in row_cells:
            while (r, c) in taken:
                c += 1
            rs = max(1, min(_int(cell.attrs.get("rowspan")), len(rows) - r))
            cs = max(1, _int(cell.attrs.get("colspan")))
            taken.update((r + i, c + j) for i in range(rs) for j in range(cs))
            cells.append((r, c, rs, cs, cell))
            c += cs
        if counting and row_cells and (in_head or all(cell.tag == "th" for cell in row_cells)):
            header_rows += 1
        else:
            counting = False
    n_cols = max((c + 1 for _, c in taken), default=0)
    return cells, len(rows), n_cols, header_rows


def _int(value: str | None) -> int:
    try:
        return int(value or 1)
    except ValueError:
        return 1


def _column_weights(cells, n_cols: int) -> list[float]:
    """Shares of the width by column: long words and long text get room, short numbers little."""
    weights = [3.0] * n_cols
    for _, c, _, cs, node in cells:
        if cs == 1:
            text = _inline_text(node)
            longest = max((len(w) for w in text.split()), default=0)
            weights[c] = max(weights[c], min(len(text), 40), min(longest, 20))
    return weights


def _field_start(paragraph, instruction: str) -> None:
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    paragraph.add_run()._r.append(begin)
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    paragraph.add_run()._r.append(text)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    paragraph.add_run()._r.append(separate)


def _field_end(paragraph) -> None:
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)


def _field(paragraph, instruction: str, shown: str) -> None:
    _field_start(paragraph, instruction)
    paragraph.add_run(shown)
    _field_end(paragraph)


# What follows w:updateFields in the settings part; Word refuses a file whose settings are out of order.
_AFTER_UPDATE_FIELDS = ("w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat", "w:docVars", "w:rsids",
                        "m:mathPr", "w:attachedSchema", "w:themeFontLang", "w:clrSchemeMapping",
                        "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures", "w:forceUpgrade", "w:captions",
                        "w:readModeInkLockDown", "w:smartTagType", "sl:schemaLibrary", "w:shapeDefaults",
                        "w:doNotEmbedSmartTags", "w:decimalSymbol", "w:listSeparator")


def _update_fields_on_open(doc) -> None:
    """Ask Word to refresh the fields (the contents' page numbers) when the document is opened."""
    settings = doc.settings.element
    if settings.find(qn("w:updateFields")) is None:
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        settings.insert_element_before(update, *_AFTER_UPDATE_FIELDS)


def html_to_docx(page: str, docx_path: Path, paper: Paper) -> Path:
    """The report page `page` as a Word document at `docx_path` (written to a temporary name, then renamed)."""
    root = parse_html(page)
    writer = _Writer(paper)
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    if title:
        writer.doc.core_properties.title = _clean(html.unescape(title.group(1)).strip())
    bodies = root.find_all("body")
    writer.blocks(bodies[0] if bodies else root, writer.doc)
    buffer = io.BytesIO()
    writer.doc.save(buffer)
    return atomic_write_bytes(Path(docx_path), buffer.getvalue())
