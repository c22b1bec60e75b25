"""Benchmark: furthest-behind trees for 16 indicators on the 100,000-row synthetic survey.

Run: python benchmarks/bench_trees.py
Target: at most 0.05 s per tree with ESCAP's default rules (R rpart takes about 0.09 s per
tree on the reference machine). Each tree is timed end to end (validation, cell sums,
growing, describing), best of 3. The Shapley decomposition of the D-index is timed too.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_survey import CIRCUMSTANCES, N_INDICATORS, make_benchmark_survey  # noqa: E402

from lnob_helpers.who.dindex import shapley_d_index  # noqa: E402
from lnob_helpers.who.tree import grow_tree  # noqa: E402

TARGET_SECONDS = 0.05
REPEATS = 3


def main() -> None:
    survey = make_benchmark_survey()
    circumstances = list(CIRCUMSTANCES)
    print(f"{len(survey):,} rows, {len(circumstances)} circumstances, ESCAP default rules, best of {REPEATS}")
    timings = []
    for k in range(1, N_INDICATORS + 1):
        outcome = f"y{k:02d}"
        best = float("inf")
        for _ in range(REPEATS):
            start = time.perf_counter()
            tree = grow_tree(survey, outcome, circumstances, weight="weight")
            best = min(best, time.perf_counter() - start)
        timings.append(best)
        print(f"  {outcome}: {best:.4f} s  ({len(tree.leaves)} leaves, gap {tree.gap:.2f}, "
              f"furthest behind: {tree.furthest_behind.path})")
    mean = sum(timings) / len(timings)
    verdict = "meets" if max(timings) <= TARGET_SECONDS else "misses"
    print(f"seconds per tree: mean {mean:.4f}, max {max(timings):.4f}; target <= {TARGET_SECONDS} ({verdict} it)")

    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        shapley = shapley_d_index(survey, "y01", circumstances, weight="weight")
        best = min(best, time.perf_counter() - start)
    print(f"Shapley decomposition of D over {len(circumstances)} circumstances "
          f"({2 ** len(circumstances) - 1} subsets): {best:.4f} s (D = {shapley.d_index:.3f})")


if __name__ == "__main__":
    main()
