"""A synthetic household survey with a MICS/DHS-like design, for benchmarks.

`make_benchmark_survey(n_rows, seed)` returns one row per person with:
- `stratum` (1-50) and `psu` (1-12, numbered within its stratum): a stratified two-stage
  design with 600 clusters of roughly equal size;
- `weight`: unequal, positive design weights (a stratum factor x a cluster factor x a
  person-level adjustment), as after non-response and calibration;
- circumstances `c1`..`c8`, pandas Categoricals with text labels, 2 to 10 categories each:
    c1 sex (2, nominal)            c5 region (10, nominal, fixed by stratum)
    c2 residence (2, nominal, by cluster)   c6 age group (6, ordered)
    c3 wealth quintile (5, ordered)         c7 ethnicity (7, nominal)
    c4 education (4, ordered)               c8 household size (3, ordered)
- indicators `y01`..`y16`, 0/1 floats with NaN (about 30%) for people outside the
  indicator's reference population. Each depends on the circumstances through a logistic
  model with indicator-specific effects and a cluster random effect, so trees find structure
  and design effects are realistic.

Everything is drawn from one seeded numpy Generator: the same arguments give the same data.
Used by `bench_trees.py` and by the estimation-engine benchmark.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

N_STRATA = 50
PSUS_PER_STRATUM = 12
N_INDICATORS = 16

CIRCUMSTANCES: dict[str, tuple[list[str], bool]] = {
    "c1": (["Female", "Male"], False),
    "c2": (["Rural", "Urban"], False),
    "c3": (["Poorest", "Second", "Middle", "Fourth", "Richest"], True),
    "c4": (["None", "Primary", "Secondary", "Higher"], True),
    "c5": ([f"Region {k}" for k in "ABCDEFGHIJ"], False),
    "c6": (["15-19", "20-24", "25-29", "30-34", "35-39", "40-49"], True),
    "c7": ([f"Group {k}" for k in range(1, 8)], False),
    "c8": (["1-3 members", "4-6 members", "7+ members"], True),
}


def make_benchmark_survey(n_rows: int = 100_000, seed: int = 2030) -> pd.DataFrame:
    """Draw the synthetic survey described in the module docstring."""
    rng = np.random.default_rng(seed)
    n_psus = N_STRATA * PSUS_PER_STRATUM
    cluster = rng.integers(0, n_psus, size=n_rows)
    stratum = cluster // PSUS_PER_STRATUM
    urban_cluster = rng.random(n_psus) < 0.35

    codes: dict[str, np.ndarray] = {
        "c1": rng.integers(0, 2, n_rows),
        "c2": urban_cluster[cluster].astype(np.int64),
        "c5": stratum % 10,
        "c6": rng.choice(6, n_rows, p=[0.18, 0.18, 0.17, 0.16, 0.15, 0.16]),
        "c7": rng.choice(7, n_rows, p=[0.45, 0.2, 0.12, 0.1, 0.06, 0.04, 0.03]),
    }
    # Wealth depends on residence, education on wealth, household size on wealth.
    wealth_score = rng.normal(size=n_rows) + 1.2 * codes["c2"] + rng.normal(0, 0.5, n_psus)[cluster]
    codes["c3"] = np.searchsorted(np.quantile(wealth_score, [0.2, 0.4, 0.6, 0.8]), wealth_score)
    education_score = rng.normal(size=n_rows) + 0.6 * codes["c3"] + 0.4 * codes["c2"]
    codes["c4"] = np.searchsorted(np.quantile(education_score, [0.25, 0.6, 0.9]), education_score)
    size_score = rng.normal(size=n_rows) - 0.3 * codes["c3"]
    codes["c8"] = np.searchsorted(np.quantile(size_score, [0.3, 0.8]), size_score)

    stratum_factor = rng.lognormal(0, 0.5, N_STRATA)[stratum]
    cluster_factor = rng.lognormal(0, 0.3, n_psus)[cluster]
    weight = 1000 * stratum_factor * cluster_factor * rng.uniform(0.8, 1.25, n_rows)

    frame = pd.DataFrame(
        {
            "stratum": stratum + 1,
            "psu": cluster % PSUS_PER_STRATUM + 1,
            "weight": weight,
        }
    )
    for name, (labels, is_ordered) in CIRCUMSTANCES.items():
        frame[name] = pd.Categorical.from_codes(codes[name], categories=labels, ordered=is_ordered)
    for k in range(1, N_INDICATORS + 1):
        frame[f"y{k:02d}"] = _indicator(rng, codes, cluster, n_psus)
    return frame


def _indicator(rng: np.random.Generator, codes: dict[str, np.ndarray], cluster: np.ndarray, n_psus: int) -> np.ndarray:
    """One 0/1 indicator with its own effects; NaN outside its reference population."""
    n_rows = len(cluster)
    logit = np.full(n_rows, rng.normal(0.3, 1.0))
    for name, (labels, _) in CIRCUMSTANCES.items():
        effects = rng.normal(0, 0.9 if name in ("c2", "c3", "c4") else 0.4, len(labels))
        logit += effects[codes[name]]
    logit += rng.normal(0, 0.4, n_psus)[cluster]
    outcome = (rng.random(n_rows) < 1 / (1 + np.exp(-logit))).astype(float)
    outside = rng.random(n_rows) < rng.uniform(0.25, 0.35)
    outcome[outside] = np.nan
    return outcome


if __name__ == "__main__":
    survey = make_benchmark_survey()
    print(survey.head())
    print(f"{len(survey)} rows; share missing per indicator: "
          f"{survey.filter(like='y').isna().mean().round(2).to_dict()}")
