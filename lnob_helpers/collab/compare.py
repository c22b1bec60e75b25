"""Our published figures beside the partners': the triangulation and the coverage gaps, made together.

Step 1's partners tab, its report section and the joint monitoring report all start from the same
three things: the analysis's own figures as its package would hold them (with the log of withheld
cells, which tells "too few cases" from "not measured"), each partner's current package, and the
name our figures go by. They are compared here once, the same way for all three.
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
    """The partners' packages, every figure beside the others (`triangulation`) and what nobody covers."""

    packages: tuple[Package, ...]
    triangulation: Triangulation
    gaps: CoverageGaps

    def to_frame(self) -> pd.DataFrame:
        """Every source's figure for every group, indicator and year, with its agreement flag."""
        return self.triangulation.to_frame()


def compare_with_partners(analysis: Analysis, packages: Sequence[Package], own_name: str) -> PartnerComparison:
    """Set Step 1's published figures (`outputs/step1/`) beside `packages`; LnobError when Step 1 has
    written no table yet."""
    own, withheld = shared_aggregates(step1_tables(analysis.outputs))
    return PartnerComparison(tuple(packages), triangulate(own, own_name, packages),
                             coverage_gaps(analysis, own, packages, own_name, own_withheld=withheld))
