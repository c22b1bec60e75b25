"""`lnob report`: from analysis folders to finished country reports (HTML, PDF, Word).

Every format comes from the one assembled HTML page, beside the workbook of full tables that
its annex names. Each file is written under a temporary name and renamed only when every step
has run and the page is assembled, so a failed run never leaves a half-built report that looks
finished. Several analyses run in parallel processes with `--jobs`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..config import load_analysis
from ..errors import LnobError
from ..yamlstore import atomic_write_text
from .assemble import render_report, section_from_html, section_from_notebook
from .docx import html_to_docx
from .execute import available_steps, run_step
from .paper import DEFAULT_PAPER, paper_named
from .pdf import html_to_pdf, require_browser
from .provenance import methodology_html, provenance_html
from .summary import executive_summary
from .tables import tables_workbook

FORMATS = ("html", "pdf", "docx")

Progress = Callable[[str], None]


@dataclass
class ReportResult:
    folder: Path
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None


def _say(message: str) -> None:
    print(message, flush=True)


def report_dir(analysis_folder: Path, out: str | Path | None = None) -> Path:
    """`<analysis>/outputs/report/` by default (where the app looks), else `<out>/<analysis name>/`."""
    folder = Path(analysis_folder).resolve()
    return folder / "outputs" / "report" if out is None else Path(out).resolve() / folder.name


def build_report(folder: str | Path, out: str | Path | None = None, formats: Sequence[str] = ("html",),
                 progress: Progress = _say, paper: str = DEFAULT_PAPER) -> ReportResult:
    """Run every step notebook for one analysis folder and write its report files.

    report.html is always written (the other formats are made from it), and tables.xlsx beside it
    once any step has written a table.
    """
    start = time.perf_counter()
    page_size = paper_named(paper)
    analysis = load_analysis(folder)
    name = analysis.folder.resolve().name
    out_dir = report_dir(analysis.folder, out)
    out_dir.mkdir(parents=True, exist_ok=True)
    steps = available_steps()
    if not steps:
        raise LnobError("no step notebooks found in workbooks/; nothing to report.")
    sections = []
    for i, (notebook, title) in enumerate(steps, start=1):
        progress(f"[{name}] {i}/{len(steps)} {title} ...")
        run = run_step(notebook, title, analysis.folder.resolve(), out_dir)
        progress(f"[{name}] {i}/{len(steps)} {title} done in {run.seconds:.1f} s")
        try:
            sections.append(section_from_notebook(run, int(notebook[0])))
        except ValueError as e:
            raise LnobError(f"{title}: {e}; see {run.executed}.") from None
    progress(f"[{name}] writing the executive summary ...")
    summary = executive_summary(analysis)  # from what the steps just wrote
    sections.insert(0, section_from_html("summary", "Executive summary", summary.to_html()))
    progress(f"[{name}] writing tables.xlsx ...")
    tables = tables_workbook(analysis.folder, out_dir)
    sources = [f"{r.name} ({r.year}): " + ", ".join(spec.path for spec in r.files.values()) for r in analysis.rounds]
    page = render_report(
        country=analysis.country.name, iso3=analysis.country.iso3, date=date.today().isoformat(),
        sources=sources, sections=sections, annex_html=methodology_html(analysis),
        provenance_html=provenance_html(analysis), paper=page_size, tables_file=tables.name if tables else None,
    )
    html_path = atomic_write_text(out_dir / "report.html", page, keep_backup=False)
    files = [html_path, *([tables] if tables else [])]
    if "docx" in formats:
        progress(f"[{name}] writing report.docx ...")
        files.append(html_to_docx(page, out_dir / "report.docx", page_size))
    if "pdf" in formats:
        progress(f"[{name}] printing PDF ...")
        files.append(html_to_pdf(html_path, out_dir / "report.pdf"))
    return ReportResult(analysis.folder, files, time.perf_counter() - start)


def _build_quietly(folder: str, out: str | None, formats: tuple[str, ...], paper: str) -> ReportResult:
    try:
        return build_report(folder, out, formats, paper=paper)
    except LnobError as e:
        return ReportResult(Path(folder), error=str(e))


def build_reports(folders: Sequence[str | Path], out: str | Path | None = None,
                  formats: Sequence[str] = ("html",), jobs: int = 1, paper: str = DEFAULT_PAPER) -> list[ReportResult]:
    """Build several reports, `jobs` at a time; each failure is reported, the others go on."""
    formats = tuple(formats)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise LnobError(f"--format: {', '.join(unknown)} is not a known format; use {', '.join(FORMATS)} "
                        "or several joined by commas, such as html,pdf,docx.")
    paper_named(paper)  # a misspelt paper size fails before any step runs
    if "pdf" in formats:
        require_browser()  # fail before an hour of work, not after
    if jobs <= 1 or len(folders) == 1:
        return [_build_quietly(str(f), out, formats, paper) for f in folders]
    results = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_build_quietly, str(f), out, formats, paper) for f in folders]
        for fut in as_completed(futures):
            results.append(fut.result())
    return results


def print_summary(results: Sequence[ReportResult]) -> int:
    """Print one line per analysis; the exit code is 0 only if all succeeded."""
    status = 0
    for r in results:
        if r.error:
            print(f"FAILED {r.folder}: {r.error}", file=sys.stderr)
            status = 1
        else:
            shown = ", ".join(str(p) for p in r.files)
            print(f"done   {r.folder} in {r.seconds:.1f} s: {shown}")
    return status
