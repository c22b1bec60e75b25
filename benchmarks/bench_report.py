"""Benchmark: the full sample country report, HTML and PDF, as `make report` builds it.

Run: python benchmarks/bench_report.py
Target (issue "Voila apps"): at most 90 s for the five step notebooks under papermill, the
assembled HTML and chromium's PDF, on a private copy of the sample country. One run: a
report build is long enough that the machine's noise matters little. Without a browser
the PDF is left out and the line says so.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lnob_helpers.notebook import SAMPLE_ANALYSIS  # noqa: E402
from lnob_helpers.report.build import build_report  # noqa: E402
from lnob_helpers.report.pdf import find_browser  # noqa: E402

TARGET_SECONDS = 90.0


def main() -> None:
    formats = ("html", "pdf") if find_browser() else ("html",)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "aruvia"
        shutil.copytree(SAMPLE_ANALYSIS, folder, ignore=shutil.ignore_patterns("outputs", "*.bak"))
        steps: list[str] = []
        start = time.perf_counter()
        result = build_report(folder, formats=formats, progress=steps.append)
        seconds = time.perf_counter() - start
        sizes = ", ".join(f"{p.name} {p.stat().st_size / 2**20:.1f} MB" for p in result.files)
    for line in steps:
        if " done in " in line:
            print("  " + line)
    verdict = "met" if seconds <= TARGET_SECONDS else "MISSED"
    note = "" if "pdf" in formats else " (no browser: HTML only)"
    print(f"sample report {'+'.join(formats).upper()}{note}: {seconds:.1f} s   target <= {TARGET_SECONDS:.0f} s "
          f"({verdict}); {sizes}")


if __name__ == "__main__":
    main()
