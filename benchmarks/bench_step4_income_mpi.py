"""Step 4 measures at survey scale: income inequality, MPI and trends.

* income: Gini, Palma, S80/S20 and top10/bottom40 on 1,000,000 persons, overall and
  for 50 regions (target <= 2 s);
* MPI: 10 indicators on 500,000 households with 5% missing values, reweighted, for 30
  regions (target <= 2 s);
* trends: 20 indicators x 40 subgroups x 4 rounds, with targets (target <= 0.5 s).
Figures are the best of 3 runs. Run: python benchmarks/bench_step4_income_mpi.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from lnob_helpers.measure.income import income_inequality
from lnob_helpers.measure.mpi import load_mpi_config, multidimensional_poverty
from lnob_helpers.measure.trends import trends


def best_of(runs: int, job) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return min(times)


def persons(n: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame({"income": rng.lognormal(9.5, 0.8, n), "weight": rng.uniform(50, 500, n),
                         "region": rng.integers(0, 50, n).astype(str)})


def households(n: int, rng: np.random.Generator) -> pd.DataFrame:
    config = load_mpi_config()
    deprived = (rng.random((n, 10)) < 0.3).astype(float)
    deprived[rng.random((n, 10)) < 0.05] = np.nan
    frame = pd.DataFrame(deprived, columns=[i.name for i in config.indicators])
    return frame.assign(weight=rng.uniform(50, 500, n), size=rng.integers(1, 10, n),
                        region=rng.integers(0, 30, n).astype(str))


def rounds(rng: np.random.Generator) -> pd.DataFrame:
    keys = pd.MultiIndex.from_product([[f"ind{i}" for i in range(20)],
                                       ["national"] + [f"g{j}" for j in range(40)],
                                       [2010, 2014, 2018, 2022]], names=["indicator", "subgroup", "year"])
    table = keys.to_frame(index=False)
    table["dimension"] = np.where(table["subgroup"] == "national", "national", "region")
    table["estimate"] = rng.uniform(20, 90, len(table))
    table["n"] = rng.integers(10, 2000, len(table))
    table["flag"] = np.where(table["n"] < 25, "suppressed", "ok")
    return table


def main() -> None:
    rng = np.random.default_rng(11)
    people = persons(1_000_000, rng)
    seconds = best_of(3, lambda: income_inequality(people, "income", "weight", by="region"))
    print(f"income inequality, 1,000,000 persons x 50 regions: {seconds:.2f} s (target 2 s)")

    homes = households(500_000, rng)
    config = load_mpi_config()
    seconds = best_of(3, lambda: multidimensional_poverty(homes, config, "weight", "size", by="region"))
    print(f"MPI, 500,000 households x 30 regions, reweighting missing values: {seconds:.2f} s (target 2 s)")

    table = rounds(rng)
    targets = {f"ind{i}": 95.0 for i in range(20)}
    seconds = best_of(3, lambda: trends(table, targets=targets, bounds=(0, 100)))
    print(f"trends, 20 indicators x 41 groups x 4 rounds: {seconds:.3f} s (target 0.5 s)")


if __name__ == "__main__":
    main()
