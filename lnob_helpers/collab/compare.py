"""Our published figures beside the partners': the triangulation and the coverage gaps, made together.

Step 1's partners tab, its report section and the joint monitoring report all start from the same
three things: the analysis's own figures as its package would hold them (with the log of withheld
cells, which tells "too few cases" from "not measured"), each partner's current package, and the
name our figures go by. They are compared here once, the same way for all three.

A store may hold packages about other countries (a regional collaborative shares one server);
only those about the analysis's country are compared, and the others are named, not silently lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ..config import Analysis
from .aggregates import shared_aggregates, step1_tables
from .gaps import CoverageGaps, coverage_gaps
from .package import Package
from .triangulate import Triangulation, triangulate


@dataclass(frozen=True)
class PartnerComparison:
    """The partners' packages about our country, every figure beside the others (`triangulation`), what
    nobody covers, and the packages left out because they are about another country."""

    packages: tuple[Package, ...]
    triangulation: Triangulation
    gaps: CoverageGaps
    elsewhere: tuple[Package, ...] = ()

    def elsewhere_sentence(self) -> str:
        """Which packages were left out for being about another country; empty when none was."""
        if not self.elsewhere:
            return ""
        named = "; ".join(f"{p.manifest.partner.name} ({p.manifest.country.name}, {p.manifest.country.iso3})"
                          for p in self.elsewhere)
        return (f"Left out because they are about another country: {named}. Their figures stay in the store "
                "for the analyses of those countries.")

    def to_frame(self) -> pd.DataFrame:
        """Every source's figure for every group, indicator and year, with its agreement flag."""
        return self.triangulation.to_frame()


def compare_with_partners(analysis: Analysis, packages: Sequence[Package], own_name: str) -> PartnerComparison:
    """Set Step 1's published figures (`outputs/step1/`) beside those of `packages` about the analysis's
    country; LnobError when Step 1 has written no table yet."""
    own, withheld = shared_aggregates(step1_tables(analysis.outputs))
    ours = [p for p in packages if p.manifest.country.iso3 == analysis.country.iso3]
    return PartnerComparison(tuple(ours), triangulate(own, own_name, ours),
                             coverage_gaps(analysis, own, ours, own_name, own_withheld=withheld),
                             tuple(p for p in packages if p not in ours))
