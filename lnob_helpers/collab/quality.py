"""A partner's quality assessment in words, to be read beside its numbers.

A citizen-generated or administrative figure means little without how it was made, so every
table that shows a partner's figures also says, in a few words, how its source fares on the
five criteria of the manifest (`QUALITY_CRITERIA`). Surveys and censuses are not assessed:
their methods are documented in their own reports. Partner names and notes are the partner's
text, kept as text; the page that shows them escapes them.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .manifest import QUALITY_CRITERIA, SOURCE_TYPE_LABELS, Manifest
from .package import Package

DOCUMENTED_ELSEWHERE = ("survey", "census")
NOT_REQUIRED = "Not required for surveys and censuses"
NOT_GIVEN = "Not given"
LEVELS = ("met", "partly met", "not met", "not known")
QUALITY_HEADERS = ("Partner", "Source type", "Criterion", "Level", "Why this level")


def quality_words(manifest: Manifest) -> str:
    """"3 of 5 criteria met; partly met: sampling or coverage, validation", or why there is none."""
    if manifest.quality is None:
        return NOT_REQUIRED if manifest.source_type in DOCUMENTED_ELSEWHERE else NOT_GIVEN
    levels = {key: getattr(manifest.quality, key).level for key in QUALITY_CRITERIA}
    met = sum(level == "met" for level in levels.values())
    rest = [f"{level}: " + ", ".join(QUALITY_CRITERIA[k][0].lower() for k, v in levels.items() if v == level)
            for level in LEVELS[1:] if level in levels.values()]
    return "; ".join([f"{met} of {len(levels)} criteria met", *rest])


def quality_table(contributions: Sequence[Package]) -> pd.DataFrame:
    """One row per partner and criterion (Partner, Source type, Criterion, Level, Why this level);
    one row for a partner without an assessment, saying that none is required or none was given."""
    rows = []
    for package in contributions:
        m = package.manifest
        head = (m.partner.name, SOURCE_TYPE_LABELS[m.source_type])
        if m.quality is None:
            why = ("Surveys and censuses document their methods in their own reports."
                   if m.source_type in DOCUMENTED_ELSEWHERE else "The partner did not assess its data.")
            rows.append((*head, "", quality_words(m), why))
            continue
        for key, (label, _) in QUALITY_CRITERIA.items():
            assessment = getattr(m.quality, key)
            rows.append((*head, label, assessment.level, assessment.note))
    return pd.DataFrame(rows, columns=list(QUALITY_HEADERS), dtype="str")
