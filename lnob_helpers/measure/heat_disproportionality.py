"""Disproportionality measures: Theil index (TI) and mean log deviation (MLD).

Both compare each subgroup's share of the indicator with its share of the
population, through r = subgroup estimate / setting average. HEAT shows them
multiplied by 1000; the standard errors (Ahn et al. 2018) are derived for the
unscaled index (HEAT's basis), so the interval is built with the se multiplied by
the same 1000.

Both take every `SubgroupSets`, with their standard errors, and `z`, the normal
quantile of the interval (1.96 for 95%), and return `SetResults`, NaN with a note
where the index is undefined. Theil, Economics and Information Theory,
North-Holland, 1967; se of Ahn et al., JCO Clin Cancer Inform 2:1-19, 2018, as in
WHO's HEAT and healthequal.
"""

from __future__ import annotations

import numpy as np

from .heat_groups import SetResults, SubgroupSets, normal_interval

SCALE = 1000.0
_ZERO_STAND_IN = 1e-6  # healthequal replaces a zero estimate by this to keep logs finite


def _relative_levels(sets: SubgroupSets) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    est = np.where(sets.estimate == 0, _ZERO_STAND_IN, sets.estimate)
    mean = sets.weighted_mean(est)
    return est / sets.per_row(mean), mean, sets.share


def theil_index(sets: SubgroupSets, z: float) -> SetResults:
    """Theil index (TI) x1000: sum of share x r x ln(r)."""
    r, mean, share = _relative_levels(sets)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_r = np.log(r)
        ti = sets.total(share * r * log_r)
        centre = sets.total(r * (1 + log_r) * share)
        term = (1 + log_r - sets.per_row(centre)) ** 2 * share**2 * sets.se**2
        se = np.sqrt(sets.total(term) / mean**2)
    return _scaled(ti, se, z)


def mean_log_deviation(sets: SubgroupSets, z: float) -> SetResults:
    """Mean log deviation (MLD) x1000, Theil's second measure: sum of share x -ln(r)."""
    r, mean, share = _relative_levels(sets)
    with np.errstate(divide="ignore", invalid="ignore"):
        mld = sets.total(share * -np.log(r))
        term = sets.se**2 * share**2 * (1 - 1 / r) ** 2
        se = np.sqrt(sets.total(term) / mean**2)
    return _scaled(mld, se, z)


def _scaled(index: np.ndarray, se: np.ndarray, z: float) -> SetResults:
    estimate = index * SCALE
    bad = ~np.isfinite(estimate)
    result = SetResults(np.where(bad, np.nan, estimate), se,
                        *normal_interval(estimate, se, factor=SCALE, z=z))
    result.add_note(bad, "undefined because an estimate is negative or the mean is zero")
    return result
