"""Benchmark: the full sample country report, as `make report` builds it (HTML, PDF and Word).

Run: python benchmarks/bench_report.py
Targets: at most 90 s (issue "Voila apps") for the five step notebooks under papermill, the
assembled HTML, the Word file and chromium's PDF, on a private copy of the sample country; and at
most 700 MB for the whole process tree of one report (issue 15), summed RSS. `lnob report` runs
as its own process, so the time includes Python's start-up and the memory every kernel and
browser process it starts; an HTML-only build is measured too, since the PDF's chromium is the
largest part of the peak. One run each: a report build is long enough that the machine's noise
matters little. Without a browser the PDF is left out and the line says so.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from process_tree import run_measured  # noqa: E402

from lnob_helpers.notebook import SAMPLE_ANALYSIS  # noqa: E402
from lnob_helpers.report.pdf import find_browser  # noqa: E402

TARGET_SECONDS = 90.0
TARGET_MB = 700.0


def build(formats: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "aruvia"
        shutil.copytree(SAMPLE_ANALYSIS, folder, ignore=shutil.ignore_patterns("outputs", "*.bak", ".lnob",
                                                                               ".versions"))
        run = run_measured([sys.executable, "-m", "lnob_helpers.cli", "report", str(folder),
                            "--format", ",".join(formats)])
        if run.returncode != 0:
            print(f"  the report failed:\n{run.output}")
            return
        sizes = ", ".join(f"{p.name} {p.stat().st_size / 2**20:.1f} MB"
                          for p in sorted((folder / "outputs" / "report").glob("*.*")))
    for line in run.output.splitlines():
        if " done in " in line:
            print("  " + line)
    time_verdict = "met" if run.seconds <= TARGET_SECONDS else "MISSED"
    memory_verdict = "met" if run.peak_rss_mb <= TARGET_MB else "MISSED"
    note = "" if "pdf" in formats or len(formats) == 1 else " (no browser: no PDF)"
    print(f"sample report {'+'.join(formats).upper()}{note}: {run.seconds:.1f} s   target <= {TARGET_SECONDS:.0f} s "
          f"({time_verdict}); peak memory {run.peak_rss_mb:.0f} MB RSS   target <= {TARGET_MB:.0f} MB "
          f"({memory_verdict}), {run.peak_pss_mb:.0f} MB PSS, {run.processes} processes at most; {sizes}")


def main() -> None:
    build(("html", "pdf", "docx") if find_browser() else ("html", "docx"))
    build(("html",))


if __name__ == "__main__":
    main()
