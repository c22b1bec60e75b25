"""`lnob collab report`: the joint monitoring report of a data collaborative, across every partner.

Data collaboratives exist to compile joint monitoring reports: what the partners' sources say
together, where they agree or differ, and which groups nobody has figures on. This report sets
the analysis's own Step 1 figures ("our survey") beside every partner's current package in the
collaborative store, and is assembled, sanitised and written by the country report's pipeline
(`assemble.render_report`, `docx.html_to_docx`, `pdf.html_to_pdf`), so it looks, prints and
opens in Word the same way.

Everything a partner wrote (its name, method, coverage, quality notes, file name) is the
partner's text: it is escaped where it is put into the page, the page is sanitised again, and
the Word version holds it as plain text.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from ..collab.aggregates import step1_tables
from ..collab.compare import compare_with_partners
from ..collab.gaps import CoverageGaps
from ..collab.manifest import SOURCE_TYPE_LABELS
from ..collab.matching import joined
from ..collab.package import Package
from ..collab.quality import quality_table
from ..collab.store import CollabStore, PackageListing
from ..collab.triangulate import AGREE, DIFFER, ONE_SOURCE as ALONE, PARTNER, Triangulation
from ..config import Analysis, collab_db_url, load_analysis
from ..errors import LnobError
from ..render import figure_png, table_html
from ..yamlstore import atomic_write_text
from .assemble import render_report, section_from_html
from .build import check_request
from .docx import html_to_docx
from .paper import DEFAULT_PAPER, paper_named
from .pdf import html_to_pdf
from .provenance import provenance_html

REPORT_FOLDER = Path("outputs") / "collab_report"
REPORT_NAME = "joint_report"
KIND = "joint monitoring report of a data collaborative"
COVER_NOTE = ("The partners' own figures, set beside this analysis's survey group by group. Every table holds "
              "aggregates that the partners published; figures from too few cases were withheld before sharing.")
LISTING_SHOWN = ("Partner", "Source type", "Period", "Figures", "Licence", "Made on", "Status")
DIFFER_SHOWN = ("Year", "Indicator", "Group", "Our survey", "Partner", "Source type", "Partner's figure",
                "Quality of the partner's data")
FINDINGS_SHOWN = ("Group", "Our survey", "Partner", "Partner's figure", "Quality of the partner's data", "Agreement")

SOURCE_NOUNS = {"survey": ("survey", "surveys"), "census": ("census", "censuses"),
                "administrative": ("administrative data source", "administrative data sources"),
                "civil_society": ("civil-society data source", "civil-society data sources"),
                "citizen_generated": ("citizen-generated data source", "citizen-generated data sources")}

Progress = Callable[[str], None]


def _say(message: str) -> None:
    print(message, flush=True)


def joint_report_dir(analysis_folder: str | Path, out: str | Path | None = None) -> Path:
    """`<analysis>/outputs/collab_report/` by default, else `out` itself."""
    return Path(analysis_folder).resolve() / REPORT_FOLDER if out is None else Path(out).resolve()


def own_source_name(analysis: Analysis) -> str:
    """What the analysis's own figures are called in the report: "Our survey (<its rounds>)"."""
    labels = [r.name for r in analysis.rounds]
    bases = {r.name.replace(str(r.year), "").strip(" ,-") for r in analysis.rounds}
    if len(labels) > 1 and len(bases) == 1 and "" not in bases:  # one survey, several years
        return f"Our survey ({bases.pop()}, {joined([str(r.year) for r in analysis.rounds])})"
    return f"Our survey ({joined(labels) if len(labels) <= 2 else f'{labels[0]} to {labels[-1]}'})"


def build_joint_report(folder: str | Path, db: str | None = None, out: str | Path | None = None,
                       formats: Sequence[str] = ("html", "docx"), paper: str = DEFAULT_PAPER,
                       progress: Progress = _say) -> list[Path]:
    """Write the joint report of the store at `collab_db_url(folder, db)` beside the analysis in
    `folder`: joint_report.html always, and .docx and .pdf when asked. Returns the files written."""
    formats = check_request(formats, paper)
    page_size = paper_named(paper)
    analysis = load_analysis(folder)
    try:
        step1_tables(analysis.outputs)
    except LnobError:
        raise LnobError(f"{analysis.outputs / 'step1'}: no Step 1 tables (disaggregation_<year>.csv) yet; run "
                        f"Step 1 or `lnob tables {folder}` first, so the report has this analysis's own figures "
                        "to set beside the partners'.") from None
    with CollabStore.open(collab_db_url(folder, db)) as store:
        shown_store = store.shown
        listing = store.listing()
        packages = store.current()
    if not packages:
        raise LnobError(f"{shown_store}: the collaborative store holds no packages yet; add the partners' "
                        f"packages with `lnob collab add {folder} PACKAGE.zip` first.")
    progress(f"comparing {len(packages)} partner package(s) with the Step 1 figures of {analysis.folder.name} ...")
    own_name = own_source_name(analysis)
    compared = compare_with_partners(analysis, packages, own_name)
    if not compared.packages:
        raise LnobError(f"{shown_store}: no package in the collaborative store is about {analysis.country.name} "
                        f"({analysis.country.iso3}); {compared.elsewhere_sentence()}")
    packages = list(compared.packages)
    found, gaps = compared.triangulation, compared.gaps
    sections = [
        section_from_html("summary", "Summary", "".join(f"<p>{html.escape(s)}</p>"
                                                        for s in summary_sentences(found, gaps, packages)
                                                        + [compared.elsewhere_sentence()] if s)),
        section_from_html("partners", "Partners and their sources", partners_html(listing, packages, found)),
        section_from_html("coverage", "Coverage and gaps", coverage_html(gaps)),
        section_from_html("findings", "Triangulated findings", findings_html(found)),
    ]
    page = render_report(
        country=analysis.country.name, iso3=analysis.country.iso3, date=date.today().isoformat(),
        sources=[own_name, *(_source_line(p) for p in packages)], sections=sections,
        annex_html=matching_html(), provenance_html=sources_html(shown_store, listing, packages, analysis),
        paper=page_size, kind=KIND, cover_note=COVER_NOTE, annex_title="How the sources were matched and counted",
        provenance_title="Sources and provenance")
    out_dir = joint_report_dir(analysis.folder, out)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = atomic_write_text(out_dir / f"{REPORT_NAME}.html", page, keep_backup=False)
    files = [html_path]
    if "pdf" in formats:
        progress(f"printing {REPORT_NAME}.pdf ...")
        files.append(html_to_pdf(html_path, out_dir / f"{REPORT_NAME}.pdf"))
    if "docx" in formats:
        progress(f"writing {REPORT_NAME}.docx ...")
        files.append(html_to_docx(page, out_dir / f"{REPORT_NAME}.docx", page_size))
    return files


def _source_line(package: Package) -> str:
    m = package.manifest
    period = str(m.period.start) if m.period.start == m.period.end else f"{m.period.start}-{m.period.end}"
    return f"{m.partner.name} ({SOURCE_TYPE_LABELS[m.source_type].lower()}, {period})"


def _partner_rows(found: Triangulation) -> pd.DataFrame:
    return found.figures[found.figures["role"] == PARTNER]


def _thousands(table: pd.DataFrame) -> pd.DataFrame:
    """Counts written as people read them: 14,738."""
    counts = [c for c in table.columns if pd.api.types.is_integer_dtype(table[c])]
    return table.assign(**{c: table[c].map("{:,}".format) for c in counts})


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def summary_sentences(found: Triangulation, gaps: CoverageGaps, packages: Sequence[Package]) -> list[str]:
    """Four to eight plain sentences: who shares, when, how much agrees, the main gaps, gender."""
    kinds = pd.Series([p.manifest.source_type for p in packages]).value_counts(sort=False)
    said = [f"{_plural(len(packages), 'partner')} of the collaborative {'has' if len(packages) == 1 else 'have'} "
            f"shared figures, from {joined([_plural(k, *SOURCE_NOUNS[kind]) for kind, k in kinds.items()])}; this "
            f"report sets them beside this analysis's own, {found.own_name}."]
    start = min(p.manifest.period.start for p in packages)
    end = max(p.manifest.period.end for p in packages)
    rows = _partner_rows(found)
    shared_years = sorted(set(rows["year"]) & set(found.figures.loc[found.figures["role"] != PARTNER, "year"]))
    said.append(f"The partners' figures cover {start if start == end else f'{start} to {end}'}"
                + (f", and meet our survey's in {joined([str(y) for y in shared_years])}." if shared_years
                   else "; none of their years is one of our survey's."))
    counts = rows["agreement"].value_counts()
    agree, differ, alone = (int(counts.get(flag, 0)) for flag in (AGREE, DIFFER, ALONE))
    matched = agree + differ
    if matched:
        said.append(f"Of the {matched:,} partner figures that another source also has, {agree:,} "
                    f"({100 * agree / matched:.0f}%) agree within the intervals and {differ:,} differ; "
                    f"{alone:,} have no match in any other source.")
    else:
        said.append("No partner's figure has a match in another source, so nothing could be compared.")
    said.append("The disagreements are listed first among the findings, with each partner's data quality."
                if differ else "No partner's figure differs from another source's beyond the intervals.")
    *gap_sentences, gender = gaps.sentences()
    return said + gap_sentences[:3] + [gender]


def partners_html(listing: PackageListing, packages: Sequence[Package], found: Triangulation) -> str:
    """The listing of every package, each current partner's method and coverage, and the quality
    assessments beside each source's figures."""
    table = _thousands(listing.to_frame()[list(LISTING_SHOWN)])
    parts = [f"<p>{html.escape(found.own_name)} stands for this analysis's own Step 1 figures. Every package the "
             "store holds is listed; a superseded package was replaced by a newer one from the same partner and "
             "is not used in this report.</p>", table_html(table, digits=None)]
    parts.append("<h2>How each partner made its figures</h2>")
    for p in packages:
        m = p.manifest
        parts.append(f"<h3>{html.escape(m.partner.name)}</h3>"
                     f"<p><strong>Source:</strong> {html.escape(SOURCE_TYPE_LABELS[m.source_type])}. "
                     f"<strong>Method:</strong> {html.escape(m.method)}</p>"
                     f"<p><strong>Coverage:</strong> {html.escape(m.coverage)}</p>")
    parts.append("<h2>Quality beside the numbers</h2><p>Each source's figures, how many agree with another "
                 "source, and the quality of its data in a few words; the partners' own assessments follow, "
                 "criterion by criterion.</p>")
    parts.append(table_html(_thousands(found.summary()), digits=None))
    parts.append(table_html(quality_table(packages), digits=None))
    return "".join(parts)


def coverage_html(gaps: CoverageGaps) -> str:
    """The gap sentences, the figure, sources by factor, the groups with no source or one, and the gender view."""
    *sentences, gender = gaps.sentences()
    png = base64.b64encode(figure_png(gaps.figure())).decode()
    alt = "Indicators by factor, coloured by how many sources have figures on groups of that factor"
    parts = [*(f"<p>{html.escape(s)}</p>" for s in sentences),
             f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{png}"></figure>',
             "<h2>Sources with figures on each factor</h2><p>The number of sources with a figure for any group "
             "of the factor, in any year; 0 where none has one.</p>",
             table_html(gaps.by_factor(), digits=None),
             "<h2>Groups no source covers, or only one</h2>", gap_table_html(gaps),
             "<h2>Women and men</h2>", f"<p>{html.escape(gender)}</p>"]
    parts.append(table_html(gaps.gender_for_people(), digits=None))
    return "".join(parts)


def gap_table_html(gaps: CoverageGaps) -> str:
    """The gaps only, one row per indicator and kind of gap with its groups listed."""
    table = gaps.gap_rows()
    if table.empty:
        return "<p>Every group of one circumstance has figures from at least two sources for every indicator.</p>"
    return ("<p>Groups of one circumstance, indicator by indicator; groups measured but withheld in every source "
            "are often outside the indicator's population.</p>" + table_html(table, digits=None))


def disagreements_html(found: Triangulation, digits: int = 1) -> str:
    """Every partner figure that differs from another source beyond the intervals, with both figures
    and the partner's quality; or one sentence saying there is none."""
    rows = found.for_people(agreement=[DIFFER], digits=digits)
    if rows.empty:
        return ("<p>No partner's figure differs from ours, or from another partner's where we have none, beyond "
                "the intervals.</p>")
    return (f"<p>{_plural(len(rows), 'figure')} from the partners {'differs' if len(rows) == 1 else 'differ'} "
            "from another source for the same group and year: the intervals do not overlap. Read them with the "
            "partner's data quality; a difference may come from who was reached, when, or how the indicator was "
            "measured.</p>"
            + table_html(rows[list(DIFFER_SHOWN)], digits=None))


def findings_html(found: Triangulation, digits: int = 1) -> str:
    """The disagreements, then per indicator the national figure and the groups of one circumstance
    for the latest year the partners have figures for."""
    parts = ["<h2>Where the sources differ</h2>", disagreements_html(found, digits)]
    years = sorted(int(y) for y in _partner_rows(found)["year"].unique())
    if not years:
        return "".join(parts)
    year = years[-1]
    table = found.for_people(years=[year], crossed=False, digits=digits)
    parts.append(f"<h2>Figures for {year}, indicator by indicator</h2><p>The whole population and each group of "
                 "one circumstance: our survey's figure beside each partner's, with its interval, the quality of "
                 "the partner's data and whether the two agree.</p>")
    for indicator, rows in table.groupby("Indicator", sort=False):
        parts.append(f"<h3>{html.escape(str(indicator))}</h3>")
        parts.append(table_html(rows[list(FINDINGS_SHOWN)], digits=None))
    return "".join(parts)


def matching_html() -> str:
    """How figures of different sources are found to describe the same group, and how gaps are counted."""
    return (
        "<p>Partners name the same group in their own words, so figures are matched by codes, never by labels: "
        "each figure carries the year, the indicator and the group's codes along the dimensions of the SDG "
        "global database (sex, age, urbanisation, income or wealth quantile, disability status), with the "
        "workbook's own code for any other circumstance. Where a partner reports an indicator on another "
        "scale (per 1,000 rather than per cent), its figures are put on ours before they are compared.</p>"
        "<p>Coverage counts, for every indicator and every group of one circumstance, the sources with a "
        "published figure for it in any year. A group no source has a figure for, or only one, is a gap. A "
        "group that a source measured but withheld because it had too few cases is told apart from one "
        "nobody measured. The gender view asks, per indicator, whether any source gives figures for both "
        "women and men.</p>"
        "<p>Every figure here is an aggregate that its owner published after withholding small cells; no "
        "source shared records of people.</p>")


def _agreement_method() -> str:
    return (
        "<h3>How agreement is judged</h3>"
        "<p>Two figures for the same group, indicator and year agree when their intervals overlap. Where only "
        "one of them has an interval, they agree when the other figure lies inside it; two figures without "
        "intervals agree only when they are the same. They differ otherwise. A partner's figure is compared "
        "with ours where we have one, and with the other partners' figures where we do not; a figure no other "
        "source has is from one source only.</p>"
        "<p>A figure of 0% or 100% (no variation among the people asked) has an interval of zero width, which "
        "says nothing about how precise it is. Such a figure is compared using the range the \"rule of "
        "three\" gives instead: when none of n people shows something, the true share is below 3/n with "
        "about 95% confidence, so 0% counts as 0 to 3/n and 100% as 100 minus 3/n to 100. A figure of 100% "
        "from 40 people thus agrees with 98.5% (97.0-99.4) from the survey, while 0% and 100% still "
        "differ.</p>")


def sources_html(shown_store: str, listing: PackageListing, packages: Sequence[Package], analysis: Analysis) -> str:
    """The store, every package used (partner, licence, dates, workbook version, SHA-256), the rule of
    agreement, and our survey's own files and settings."""
    listed = {p.sha256: p for p in listing.packages}
    rows = []
    for p in packages:
        m, entry = p.manifest, listed.get(p.sha256)
        rows.append((m.partner.name, p.path.name, m.licence, f"{m.created:%Y-%m-%d %H:%M} UTC",
                     f"{entry.imported:%Y-%m-%d %H:%M} UTC" if entry else "", m.workbook_version, p.sha256))
    table = pd.DataFrame(rows, columns=["Partner", "File", "Licence", "Made on", "Imported on", "Workbook version",
                                        "SHA-256 of the package"])
    superseded = len(listing.packages) - len(packages)
    return (f"<p>Collaborative store: <code>{html.escape(shown_store)}</code> (any password hidden).</p>"
            "<h3>Packages used in this report</h3>" + table_html(table, digits=None)
            + (f"<p>The store also keeps {_plural(superseded, 'superseded package')}, not used here.</p>"
               if superseded else "")
            + _agreement_method() + "<h3>Our survey</h3>" + provenance_html(analysis))
