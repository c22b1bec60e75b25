"""What makes a report reproducible: file hashes, settings, versions, date; and the methods annex."""

from __future__ import annotations

import html
import platform
from datetime import date
from pathlib import Path

from .. import __version__
from ..columnar import file_sha256
from ..config import Analysis

STEP_FILES = ("evidence.yaml", "step2_why.yaml", "step3_what.yaml", "step4_targets.yaml",
              "step4_framework.yaml", "step5_accountability.yaml", "step5_recommendations.yaml")


def input_files(analysis: Analysis) -> list[Path]:
    """analysis.yaml, every data file it names, and the step files present."""
    files = [analysis.folder / "analysis.yaml"]
    for rnd in analysis.rounds:
        files += [analysis.folder / spec.path for spec in rnd.files.values()]
    files += [analysis.folder / name for name in STEP_FILES if (analysis.folder / name).exists()]
    return list(dict.fromkeys(files))


def provenance_html(analysis: Analysis, today: date | None = None) -> str:
    import numpy
    import pandas

    rows = "".join(
        f"<tr><td>{html.escape(str(p.relative_to(analysis.folder)))}</td><td><code>{file_sha256(p)}</code></td></tr>"
        for p in input_files(analysis) if p.exists()
    )
    versions = (f"lnob-workbook {__version__}; Python {platform.python_version()}; "
                f"pandas {pandas.__version__}; numpy {numpy.__version__}")
    return (
        f"<p>Produced on {(today or date.today()).isoformat()} with {html.escape(versions)}.</p>"
        "<h3>Input files (SHA-256)</h3><table><tr><th>File</th><th>SHA-256</th></tr>" + rows + "</table>"
        "<h3>Analysis settings</h3><table><tr><th>Setting</th><th>Value</th></tr>"
        + "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in settings_in_words(analysis))
        + "</table>"
    )


LONELY_PSU_WORDS = {
    "adjust": "centred on the grand mean",
    "certainty": "counted as sampled with certainty (no variance)",
    "remove": "left out of the variance",
    "fail": "an error",
}


def settings_in_words(analysis: Analysis) -> list[tuple[str, str]]:
    """The analysis settings as a reader of the report would name them."""
    s = analysis.settings
    tree = s.tree.resolved()
    return [
        ("Confidence intervals", f"{s.ci_level * 100:g}%"),
        ("A stratum with a single PSU", LONELY_PSU_WORDS.get(s.lonely_psu, s.lonely_psu)),
        ("Estimates withheld below", f"{s.suppression.min_n} unweighted cases"),
        ("Estimates marked 'caution' below", f"{s.suppression.caution_n} unweighted cases"),
        ("Left behind when the gap is at least", f"{s.left_behind.min_gap * 100:g} percentage points"),
        ("Tree: fewest cases in a group", str(tree.min_leaf)),
        ("Tree: fewest cases to try a split", str(tree.min_split)),
        ("Tree: least gain of a split", f"{tree.min_gain:g} of the total sum of squares"),
        ("Tree: most splits in a row", str(tree.max_depth)),
    ]


def methodology_html(analysis: Analysis) -> str:
    s = analysis.settings
    tree = s.tree.resolved()
    level = round(s.ci_level * 100)
    return f"""
<h3>Estimation</h3>
<p>All survey estimates are design-based. Proportions and means are weighted ratio estimators; groups
are estimated as subpopulations of the full sample design, so every primary sampling unit (PSU) counts
in the variance even where it holds no member of the group. Standard errors come from Taylor
linearisation with PSUs nested in strata, sampled with replacement (the usual DHS/MICS analysis
design): PSU totals are centred within each stratum and scaled by n<sub>h</sub>/(n<sub>h</sub>−1).
A stratum with a single PSU follows the rule set for its data file (adjust: centred at the grand mean).
{level}% confidence intervals use Student's t with the design's degrees of freedom (PSUs minus strata);
for proportions the interval is computed on the logit scale and transformed back. The engine reproduces
R's <code>survey</code> package.</p>
<h3>Small cells</h3>
<p>Estimates based on fewer than {s.suppression.min_n} unweighted cases are withheld ("suppressed");
those based on {s.suppression.min_n}–{s.suppression.caution_n - 1} cases are shown but marked
"caution". A withheld estimate also withholds its number of cases, its population and its share, so
nobody can weight the published groups back to it. Where the groups of a table add up to a published
total (the national value, or a group of a two-way table's margin) and exactly one group with any
cases is withheld, the group with the next-fewest cases is withheld as well, or the total when no such
group is left ("complementary suppression", as statistical offices practise it); the rule is repeated
until no withheld value can be worked out from its table. Such groups carry the note "Withheld so that a
suppressed group beside it cannot be worked out from the total". No individual record appears in this
report or in any export, and text in spreadsheet exports is stored so that it is never run as a formula.</p>
<h3>Left-behind and furthest-behind groups</h3>
<p>A group is counted as left behind on an indicator when its whole confidence interval lies on the
unfavourable side of the national value and the gap is at least {s.left_behind.min_gap * 100:g}
percentage points. Furthest-behind groups come from regression trees in the manner of UN ESCAP's LNOB
analysis, grown on survey weights with splits chosen by the largest fall in weighted sum of squares;
ordered circumstances split at thresholds, nominal ones into two sets of categories. Stopping rules:
at least {tree.min_leaf} cases in each group, {tree.min_split} to try a split,
a gain of at least {tree.min_gain:g} of the total sum of squares, depth at most {tree.max_depth}. The
D-index is the Human Opportunity Index dissimilarity over the tree's groups; HOI = p(1−D).</p>
<h3>Summary measures of inequality</h3>
<p>The 21 summary measures follow WHO's Health Equity Assessment Toolkit (as implemented in WHO's
<code>healthequal</code>). SII and RII use HEAT's convention by default (subgroup population used as both
binomial total and prior weight); tables state the convention used. TI and MLD are shown ×1000 and PAF
×100; their standard errors follow HEAT's scale, while their confidence intervals are computed on the
shown scale. Measures without an analytic standard error get a seeded simulation interval.</p>
<h3>Income inequality, poverty and trends</h3>
<p>Gini follows the Eurostat definition with weights; S80/S20 is the ratio of total income above the
80th and below the 20th weighted percentile; Palma divides the income share of the top 10% by that of
the bottom 40%. The multidimensional poverty index follows Alkire–Foster: a person is poor when the
weighted deprivation score reaches the cutoff k (a score exactly at k counts as poor). Trends use the
average annual rate of change between the first and last round; projections to 2030 state whether
they extend that rate or the linear change.</p>
"""
