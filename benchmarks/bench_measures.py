"""Time all 21 WHO summary measures on a realistic aggregated table.

16 indicators x 8 dimensions (2 to 10 subgroups each, three of them ordered), the
size of a full Step 4 run for one survey round. Target: at most 1 s in total.
Run: python benchmarks/bench_measures.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from lnob_helpers.measure.heat import summary_measures

TARGET_SECONDS = 1.0
# (dimension, number of subgroups, ordered)
DIMENSIONS = [("Wealth", 5, True), ("Education", 4, True), ("Age group", 6, True),
              ("Region", 10, False), ("Residence", 2, False), ("Sex", 2, False),
              ("Ethnicity", 7, False), ("Disability", 3, False)]
N_INDICATORS = 16


def build_table(seed: int = 2024) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    blocks = []
    for i in range(N_INDICATORS):
        favourable = int(i % 4 != 0)
        for dimension, k, ordered in DIMENSIONS:
            estimate = np.clip(rng.normal(60, 15, k) + (np.arange(k) * 3 if ordered else 0), 1, 99)
            blocks.append(pd.DataFrame({
                "setting": "Sampleland", "date": 2022, "source": "MICS",
                "indicator_abbr": f"ind{i:02d}", "indicator_name": f"Indicator {i}",
                "dimension": dimension, "subgroup": [f"{dimension} {j + 1}" for j in range(k)],
                "estimate": estimate, "se": rng.uniform(0.5, 4, k),
                "population": rng.integers(200, 5000, k).astype(float),
                "favourable_indicator": favourable, "indicator_scale": 100,
                "ordered_dimension": int(ordered),
                "subgroup_order": np.arange(1, k + 1) if ordered else 0,
                "reference_subgroup": (np.arange(k) == 0).astype(int) if dimension == "Region" else 0,
            }))
    return pd.concat(blocks, ignore_index=True)


def main() -> None:
    table = build_table()
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        result = summary_measures(table)
        timings.append(time.perf_counter() - start)
    best = min(timings)
    n_sets = table.groupby(["indicator_abbr", "dimension"]).ngroups
    print(f"input: {len(table)} subgroup rows, {n_sets} sets of subgroups; output: {len(result)} rows")
    print(f"all 21 measures (1000 simulation replicates): best of 3 = {best:.3f} s "
          f"(target <= {TARGET_SECONDS:.1f} s) -> {'OK' if best <= TARGET_SECONDS else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
