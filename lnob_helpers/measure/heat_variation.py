"""Measures of spread across all subgroups: variance, index of disparity, mean differences.

Each statistic is written for `values` of shape (rows,) or (rows, replicates), so
the same code gives the point estimate and, applied to simulated estimates, the
simulation interval (see heat_simulation). "U" measures weight subgroups equally,
"W" measures by population share. The setting average is the population-weighted
mean of the subgroup estimates, as in healthequal when populations are given.

Each statistic takes every `SubgroupSets`, the `values` (subgroup estimates or
simulated ones) and, for a U/W pair, `weighted` (True for "W", False for "U"), and
returns one value per set (and replicate). As in WHO's HEAT and healthequal
(Schlotheuber and Hosseinpoor, Int J Environ Res Public Health 19(6):3697, 2022).
"""

from __future__ import annotations

import numpy as np

from .heat_groups import SetResults, SubgroupSets, normal_interval
from .heat_reference import reference_rows


def _weights(sets: SubgroupSets, values: np.ndarray, weighted: bool) -> np.ndarray:
    if weighted:
        return sets.rows_like(sets.share, values)
    equal = 1.0 / sets.per_row(sets.size.astype(float))
    return sets.rows_like(equal, values)


def between_group_variance(sets: SubgroupSets, values: np.ndarray) -> np.ndarray:
    """BGV: population-weighted variance of the subgroup estimates around the average, in
    squared indicator units.
    """
    mean = sets.weighted_mean(values)
    return sets.total(sets.rows_like(sets.share, values) * (values - sets.per_row(mean)) ** 2)


def between_group_sd(sets: SubgroupSets, values: np.ndarray) -> np.ndarray:
    """BGSD: square root of the between-group variance, in indicator units."""
    return np.sqrt(between_group_variance(sets, values))


def coefficient_of_variation(sets: SubgroupSets, values: np.ndarray) -> np.ndarray:
    """COV: the between-group standard deviation as a percentage of the average."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100 * between_group_sd(sets, values) / sets.weighted_mean(values)


def _mean_abs_difference(sets, values, reference_per_set, weighted: bool) -> np.ndarray:
    gaps = np.abs(values - sets.per_row(reference_per_set))
    return sets.total(_weights(sets, values, weighted) * gaps)


def index_of_disparity(sets: SubgroupSets, values: np.ndarray, weighted: bool) -> np.ndarray:
    """IDISU/IDISW: mean absolute gap to the setting average, as % of that average.

    Pearcy and Keppel, A summary measure of health disparity, Public Health Rep
    117(3):273-280, 2002, with the average of WHO's HEAT (population-weighted mean).
    """
    mean = sets.weighted_mean(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100 * _mean_abs_difference(sets, values, mean, weighted) / mean


def mean_difference_from_best(sets: SubgroupSets, values: np.ndarray, weighted: bool) -> np.ndarray:
    """MDBU/MDBW: mean absolute gap to the best-performing subgroup, in indicator units.

    Best is the highest estimate for a favourable indicator, the lowest for an adverse one,
    among the subgroups fit to be a reference (heat_reference); NaN where none is.
    """
    fav = _expand(sets.favourable, values)
    fit = sets.rows_like(sets.fit, values)
    best = np.where(fav, sets.largest(np.where(fit, values, -np.inf)), sets.smallest(np.where(fit, values, np.inf)))
    best = np.where(_expand(reference_rows(sets, "best") >= 0, values), best, np.nan)
    return _mean_abs_difference(sets, values, best, weighted)


def mean_difference_from_mean(sets: SubgroupSets, values: np.ndarray, weighted: bool) -> np.ndarray:
    """MDMU/MDMW: mean absolute gap to the setting average, in indicator units."""
    return _mean_abs_difference(sets, values, sets.weighted_mean(values), weighted)


def mean_difference_from_reference(sets: SubgroupSets, values: np.ndarray, weighted: bool) -> np.ndarray:
    """MDRU/MDRW: mean absolute gap to the reference subgroup, in indicator units.

    NaN for sets without a reference subgroup, or whose reference is not fit to be one
    (heat_reference).
    """
    row = reference_rows(sets, "marked")
    reference = np.where(_expand(row >= 0, values), values[np.maximum(row, 0)], np.nan)
    return _mean_abs_difference(sets, values, reference, weighted)


def _expand(per_set: np.ndarray, like: np.ndarray) -> np.ndarray:
    return per_set if like.ndim == 1 else per_set[:, None]


def between_group_variance_with_se(sets: SubgroupSets, z: float) -> SetResults:
    """BGV with its analytic standard error and a normal interval (`z` 1.96 for 95%).

    The se is that of Ahn et al., Variance estimation and confidence intervals for 11
    commonly used health disparity measures, JCO Clin Cancer Inform 2:1-19, 2018.
    """
    est, se, share = sets.estimate, sets.se, sets.share
    bgv = between_group_variance(sets, est)
    gap = est - sets.per_row(sets.weighted_mean(est))
    s_gap = sets.total(share**2 * se**2 * gap**2)
    s2 = sets.total(share**2 * se**2)
    s4 = sets.total(share**4 * se**4)
    s4_rest = sets.total(share**2 * (1 - share) ** 2 * se**4)
    bgv_se = np.sqrt(4 * s_gap + 2 * (s2**2 - s4 + s4_rest))
    return SetResults(bgv, bgv_se, *normal_interval(bgv, bgv_se, z=z))
