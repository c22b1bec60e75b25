"""Paper sizes for the printed and Word reports: the one home of page size and margins.

The HTML report carries its page size as CSS `@page` rules, which chromium's print-to-PDF
honours (named pages included, so a wide table can sit on a landscape page); the Word version
sets the same size and margins on its sections. Widths in CSS pixels are at 96 per inch.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import LnobError

MM_PER_INCH = 25.4
CSS_DPI = 96


@dataclass(frozen=True)
class Paper:
    css_name: str  # the CSS `size` keyword
    width_mm: float
    height_mm: float
    side_mm: float = 15.0
    top_mm: float = 15.0
    bottom_mm: float = 18.0  # room for the page number

    def printable_width_mm(self, landscape: bool = False) -> float:
        return (self.height_mm if landscape else self.width_mm) - 2 * self.side_mm

    def printable_width_px(self, landscape: bool = False) -> float:
        """The width a table may take on the page, in CSS pixels."""
        return self.printable_width_mm(landscape) / MM_PER_INCH * CSS_DPI

    def css(self) -> str:
        """`@page` rules: portrait pages with a page number, and the named landscape page `wide`."""
        margins = f"margin:{self.top_mm}mm {self.side_mm}mm {self.bottom_mm}mm"
        number = '@bottom-right{content:counter(page) " / " counter(pages);font-size:8pt;color:#555}'
        return (f"@page{{size:{self.css_name};{margins};{number}}}"
                f"@page wide{{size:{self.css_name} landscape;{margins};{number}}}")


PAPERS = {
    "a4": Paper("A4", 210.0, 297.0),
    "letter": Paper("letter", 215.9, 279.4),
}
DEFAULT_PAPER = "a4"


def paper_named(name: str) -> Paper:
    """The paper called `name` (any case); a plain sentence when there is none."""
    try:
        return PAPERS[name.strip().lower()]
    except KeyError:
        raise LnobError(f"--paper: {name} is not a known paper size; use {' or '.join(PAPERS)}.") from None
