"""Benchmark: the whole Step 1 computation on one round of the sample country.

Run: python benchmarks/bench_step1.py
Target: at most 10 s for `run_step1` on the latest Aruvia round (12 indicators, 12
circumstances: loading, every one- and two-way table, extra intersections, 12 trees with
engine CIs, D-index and Shapley shares, left-behind ranking, overlaps, evidence, gaps),
best of 3. Writing the outputs (CSV, XLSX, JSON) is timed separately.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from lnob_helpers.config import load_analysis
from lnob_helpers.who.step1 import run_step1, write_step1_outputs

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "aruvia"
TARGET_SECONDS = 10.0
REPEATS = 3


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "aruvia"
        shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("outputs", "*.bak"))
        analysis = load_analysis(folder)
        best = float("inf")
        for _ in range(REPEATS):
            start = time.perf_counter()
            result = run_step1(analysis)
            best = min(best, time.perf_counter() - start)
        start = time.perf_counter()
        written = write_step1_outputs(result)
        writing = time.perf_counter() - start
    verdict = "meets" if best <= TARGET_SECONDS else "misses"
    print(f"Step 1 on {result.data.round.name}: {len(result.table):,} estimates, {len(result.trees)} trees, "
          f"{len(result.left_behind.groups)} left-behind groups")
    print(f"run_step1: {best:.2f} s (best of {REPEATS}); target <= {TARGET_SECONDS:.0f} s ({verdict} it)")
    print(f"write_step1_outputs: {writing:.2f} s for {len(written)} files")


if __name__ == "__main__":
    main()
