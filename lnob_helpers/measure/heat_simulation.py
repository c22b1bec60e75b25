"""Simulation intervals for measures without an analytic standard error.

Each subgroup estimate is redrawn from a normal distribution with its se,
truncated to the indicator's possible range (0-100 for percentages, at least 0
otherwise), as healthequal does by rejection; here the truncated draws come from
the inverse normal CDF so that all replicates are drawn at once. The interval is
the 2.5th to 97.5th percentile (for level 0.95) of the measure over the replicates.
The Monte Carlo method of WHO's healthequal, evaluated in Ahn et al., JCO Clin
Cancer Inform 2:1-19, 2018.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import ndtr, ndtri

from .heat_groups import SubgroupSets

Statistic = Callable[[SubgroupSets, np.ndarray], np.ndarray]


def simulate_estimates(sets: SubgroupSets, n_sim: int, rng: np.random.Generator) -> np.ndarray:
    """Replicates of every subgroup estimate, shape (rows, n_sim); rows without an se are NaN.

    Seed `rng` for reproducible intervals.
    """
    est = sets.estimate[:, None]
    se = sets.se[:, None]
    upper = np.where(sets.per_row(sets.scale) == 100, 100.0, np.inf)[:, None]
    u = rng.random((len(sets.estimate), n_sim))
    with np.errstate(divide="ignore", invalid="ignore"):
        low = ndtr((0.0 - est) / se)
        high = ndtr((upper - est) / se)
        draws = est + se * ndtri(low + u * (high - low))
    draws = np.where(se == 0, est, draws)
    return np.clip(draws, 0.0, upper)


def percentile_interval(sets: SubgroupSets, statistic: Statistic, replicates: np.ndarray,
                        level: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval (lower, upper per set) of `statistic` over simulated estimates.

    `statistic` (e.g. `between_group_sd`) is applied to `replicates` from
    `simulate_estimates` as to the estimates; `level` 0.95 gives the 2.5th to 97.5th
    percentile.
    """
    values = statistic(sets, replicates)
    tail = (1 - level) / 2
    lower, upper = np.quantile(values, [tail, 1 - tail], axis=1)
    return lower, upper
