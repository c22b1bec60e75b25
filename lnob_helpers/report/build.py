"""`lnob report`: from analysis folders to finished country reports (HTML, PDF, Word).

Every format comes from the one assembled HTML page, beside the workbook of full tables that
its annex names. Each file is written under a temporary name and renamed only when every step
has run and the page is assembled, so a failed run never leaves a half-built report that looks
finished. Several analyses run in parallel processes with `--jobs`, or as tasks on Dask
distributed with `--cluster dask` (see `cluster.py`); either way one country's failure is that
country's alone, and the summary says what was built and what failed, and why.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..config import ALLOW_OUTSIDE_ENV, load_analysis
from ..errors import LnobError
from ..yamlstore import atomic_write_text
from .assemble import render_report, section_from_html, section_from_notebook
from .docx import html_to_docx
from .execute import available_steps, run_step
from .paper import DEFAULT_PAPER, paper_named
from .pdf import html_to_pdf, require_browser
from .provenance import methodology_html, provenance_html
from .summary import executive_summary
from .tables import TABLES_FILE, step_tables, tables_workbook

FORMATS = ("html", "pdf", "docx")
CLUSTERS = ("local", "dask")

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
    sources = [f"{r.name} ({r.year})" for r in analysis.rounds]  # its files are listed in the provenance annex
    page = render_report(
        country=analysis.country.name, iso3=analysis.country.iso3, date=date.today().isoformat(),
        sources=sources, sections=sections, annex_html=methodology_html(analysis),
        provenance_html=provenance_html(analysis), paper=page_size,
        tables_file=TABLES_FILE if step_tables(analysis.folder) else None,
    )
    html_path = atomic_write_text(out_dir / "report.html", page, keep_backup=False)
    files = [html_path]
    # The browser prints while this process is at its smallest; the Word file and the tables come after.
    if "pdf" in formats:
        progress(f"[{name}] printing PDF ...")
        files.append(html_to_pdf(html_path, out_dir / "report.pdf"))
    if "docx" in formats:
        progress(f"[{name}] writing report.docx ...")
        files.append(html_to_docx(page, out_dir / "report.docx", page_size))
    progress(f"[{name}] writing tables.xlsx ...")
    tables = tables_workbook(analysis.folder, out_dir)
    files += [tables] if tables else []
    return ReportResult(analysis.folder, files, time.perf_counter() - start)


def _silent(message: str) -> None:
    """Progress of a report built in another process: the batch says when each country is finished."""


def build_task(folder: str, out: str | None, formats: tuple[str, ...], paper: str,
               allow_outside: bool = False, progress: Progress = _silent) -> ReportResult:
    """One country's report as a task for a process pool or a Dask worker.

    It never raises: a country's problem comes back as `error`, so the other countries go on. The
    `--allow-outside` choice travels with the task, because a worker on another machine does not
    share this process's environment (and the step notebooks inherit the worker's).
    """
    if allow_outside:
        os.environ[ALLOW_OUTSIDE_ENV] = "1"
    else:
        os.environ.pop(ALLOW_OUTSIDE_ENV, None)
    if not Path(folder).is_dir():
        return ReportResult(Path(folder), error=f"the folder {folder} is not there on {socket.gethostname()}; "
                                                "every worker must see the analysis folders at the same paths.")
    try:
        return build_report(folder, out, formats, progress=progress, paper=paper)
    except LnobError as e:
        return ReportResult(Path(folder), error=str(e))
    except Exception as e:  # a bug, not the user's: still one sentence, and the other countries go on
        return ReportResult(Path(folder), error=f"unexpected error ({type(e).__name__}: {e}); please report it.")


def check_request(formats: Sequence[str], paper: str) -> tuple[str, ...]:
    """The formats as a tuple, once the formats, paper size and browser are known to be usable."""
    formats = tuple(formats)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise LnobError(f"--format: {', '.join(unknown)} is not a known format; use {', '.join(FORMATS)} "
                        "or several joined by commas, such as html,pdf,docx.")
    paper_named(paper)  # a misspelt paper size fails before any step runs
    if "pdf" in formats:
        require_browser()  # fail before an hour of work, not after
    return formats


def build_reports(folders: Sequence[str | Path], out: str | Path | None = None,
                  formats: Sequence[str] = ("html",), jobs: int | None = 1, paper: str = DEFAULT_PAPER,
                  cluster: str = "local", scheduler: str | None = None,
                  progress: Progress = _say) -> list[ReportResult]:
    """Build several reports; each failure is reported, the others go on.

    `cluster="local"` builds `jobs` at a time in processes of this machine; `cluster="dask"` makes
    each country a task on Dask distributed: a cluster on this machine (`jobs` workers, or as many
    as cores and memory allow), or the existing scheduler at `scheduler`. Results come in the order
    the countries finish, each announced through `progress` as it does.
    """
    formats = check_request(formats, paper)
    if cluster not in CLUSTERS:
        raise LnobError(f"--cluster: '{cluster}' is not known; use {' or '.join(CLUSTERS)}.")
    if scheduler and cluster != "dask":
        raise LnobError("--scheduler needs --cluster dask.")
    allow_outside = os.environ.get(ALLOW_OUTSIDE_ENV) == "1"
    out = None if out is None else str(Path(out).resolve())
    tasks = [(folder, out, formats, paper, allow_outside) for folder in dict.fromkeys(str(Path(f).resolve())
                                                                                     for f in folders)]
    if cluster == "dask":
        finished = _on_dask(tasks, jobs, scheduler, progress)
    elif (jobs or 1) <= 1 or len(tasks) == 1:
        finished = (build_task(*task, progress=progress) for task in tasks)
    else:
        finished = _in_processes(tasks, jobs)
    results = []
    for result in finished:
        results.append(result)
        if len(tasks) > 1:
            outcome = f"FAILED: {result.error}" if result.error else f"done in {result.seconds:.1f} s"
            progress(f"[{len(results)}/{len(tasks)}] {result.folder.name} {outcome}")
    return results


def _in_processes(tasks: list[tuple], jobs: int) -> Iterator[ReportResult]:
    """The reports built `jobs` at a time in a local process pool, as each finishes."""
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(build_task, *task): task[0] for task in tasks}
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except Exception as e:  # the process died (out of memory, killed): only its country fails
                yield ReportResult(Path(futures[fut]), error=f"the process building it stopped ({type(e).__name__}).")


def _on_dask(tasks: list[tuple], jobs: int | None, scheduler: str | None, progress: Progress) -> Iterator[ReportResult]:
    """The reports built as tasks on Dask, as each finishes (see `cluster.py`)."""
    from .cluster import dask_client, finished_tasks, local_workers

    workers = None if scheduler else local_workers(len(tasks), jobs)
    with dask_client(scheduler, workers) as (client, where):
        progress(f"building {len(tasks)} report(s) on {where}")
        for folder, result, why in finished_tasks(client, build_task, {task[0]: task for task in tasks}):
            yield result if why is None else ReportResult(Path(folder), error=why)


def _result_line(r: ReportResult) -> str:
    if r.error:
        return f"FAILED {r.folder}: {r.error}"
    return f"done   {r.folder} in {r.seconds:.1f} s: {', '.join(str(p) for p in r.files)}"


def print_summary(results: Sequence[ReportResult]) -> int:
    """Print one line per analysis, failures on stderr; the exit code is 0 only if all succeeded."""
    failed = [r for r in results if r.error]
    for r in results:
        print(_result_line(r), file=sys.stderr if r.error else sys.stdout)
    if len(results) > 1:
        print(f"{len(results) - len(failed)} of {len(results)} reports built"
              + (f"; failed: {', '.join(r.folder.name for r in failed)}." if failed else "."))
    return 1 if failed else 0
