"""Simulation intervals for measures without an analytic standard error.

Each subgroup estimate is redrawn from a normal distribution with its se,
truncated to the indicator's possible range (0-100 for percentages, at least 0
otherwise), as healthequal does by rejection; here the truncated draws come from
the inverse normal CDF so that all replicates are drawn at once. The interval is
the 2.5th to 97.5th percentile of the measure over the replicates (Ahn et al. 2019).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import ndtr, ndtri

from .heat_groups import SubgroupSets

Statistic = Callable[[SubgroupSets, np.ndarray], np.ndarray]


def simulate_estimates(sets: SubgroupSets, n_sim: int, rng: np.random.Generator) -> np.ndarray:
    """Replicates of every subgroup estimate, drawn from its truncated normal distribution.

    Parameters
    ----------
    sets : SubgroupSets
        Every set of subgroups, with their standard errors.
    n_sim : int
        Replicates per subgroup.
    rng : numpy.random.Generator
        Source of the draws; seed it for reproducible intervals.

    Returns
    -------
    numpy.ndarray
        Shape (rows, n_sim); rows without an se are NaN.

    Examples
    --------
    >>> simulate_estimates(sets, 1000, np.random.default_rng(12345)).shape  # doctest: +SKIP

    Notes
    -----
    The Monte Carlo method of WHO's healthequal (normal draws truncated to the indicator's
    range), evaluated in Ahn et al., JCO Clin Cancer Inform 2:1-19, 2018.
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
    """Percentile interval of `statistic` over simulated subgroup estimates.

    Parameters
    ----------
    sets : SubgroupSets
        Every set of subgroups.
    statistic : callable
        The measure, applied to `replicates` as to the estimates (e.g. `between_group_sd`).
    replicates : numpy.ndarray
        From `simulate_estimates`, shape (rows, n_sim).
    level : float
        Confidence level, e.g. 0.95 for the 2.5th to 97.5th percentile.

    Returns
    -------
    tuple of numpy.ndarray
        Lower and upper bound per set.

    Examples
    --------
    >>> low, high = percentile_interval(sets, between_group_sd, replicates, 0.95)  # doctest: +SKIP

    Notes
    -----
    As in WHO's healthequal; see `simulate_estimates`.
    """
    values = statistic(sets, replicates)
    tail = (1 - level) / 2
    lower, upper = np.quantile(values, [tail, 1 - tail], axis=1)
    return lower, upper
