"""Regression-based measures for ordered dimensions: ACI, RCI, SII and RII.

Subgroups are ranked from the most disadvantaged (rank near 0) to the most
advantaged (rank near 1); each subgroup sits at the middle of its population share.

- ACI/RCI use Kakwani's "convenient regression": 2 * var(rank) * y (divided by the
  mean for RCI) regressed on rank with population weights; the slope is the index
  (Kakwani, Wagstaff and van Doorslaer, Socioeconomic inequalities in health:
  measurement, computation, and statistical inference, J Econometrics 77(1):87-103,
  1997).
- SII/RII fit a logistic regression of the subgroup proportion on rank and compare
  the predictions at rank 1 and rank 0 (difference = SII, ratio = RII). Standard
  errors use the HC1 sandwich and the delta method, as healthequal does (Mackenbach
  and Kunst, Measuring the magnitude of socio-economic inequalities in health, Soc
  Sci Med 44(6):757-771, 1997).

Both public functions take every `SubgroupSets`, ranked from the most disadvantaged
(order 1) up, and `z`, the normal quantile of the intervals (1.96 for 95%), and
return `SetResults` (SII and RII: a pair) with normal intervals, as in WHO's HEAT
and healthequal.

Two weightings of the logistic fit are offered. `"heat"` reproduces WHO's HEAT and
healthequal: the subgroup population is passed both as the binomial total and as
the prior weight, so each subgroup counts with its population squared. `"count"`
counts each person once (weight = population), the textbook grouped-binomial fit.

The logistic fit reads subgroup sizes as head counts, as healthequal does: each is
rounded up to a whole number of people, the number with the outcome is rounded to the
nearest whole, and the SII/RII ranks are built on those rounded sizes. The sizes are
`SubgroupSets.count` (heat.py: rescaled to the unweighted n where the table has it), so
the rounding never depends on the scale of the survey weights.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.special import expit, logit

from .heat_groups import SetResults, SubgroupSets, normal_interval, unstable_ratio, unstable_ratio_note

SiiConvention = Literal["heat", "count"]
SII_CONVENTIONS: dict[str, str] = {
    "heat": "logistic fit weighted by population squared, as in WHO HEAT",
    "count": "logistic fit weighted by population (each person counted once)",
}
_MAX_ITERATIONS = 100
_TOLERANCE = 1e-12
_CEIL_SLACK = 1e-12


def concentration_index(sets: SubgroupSets, relative: bool, z: float) -> SetResults:
    """Absolute (ACI) or relative (RCI) concentration index of each ordered set.

    `relative=False` gives ACI in indicator units, True gives RCI as a fraction (HEAT shows
    x100); the se is the regression's model-based one.
    """
    rank = sets.rank
    share = sets.share
    rank_variance = sets.total(share * (rank - 0.5) ** 2)
    mean = sets.weighted_mean(sets.estimate)
    response = 2 * sets.per_row(rank_variance) * sets.estimate
    if relative:
        response = response / sets.per_row(mean)
    slope, se = _weighted_slope(sets, rank, response, sets.population)
    return SetResults(slope, se, *normal_interval(slope, se, z=z))


def _weighted_slope(sets: SubgroupSets, x: np.ndarray, y: np.ndarray, w: np.ndarray):
    """Slope of a weighted least-squares line per set, with its model-based se (df = n - 2)."""
    sw = sets.total(w)
    x_bar = sets.total(w * x) / sw
    y_bar = sets.total(w * y) / sw
    dx = x - sets.per_row(x_bar)
    dy = y - sets.per_row(y_bar)
    sxx = sets.total(w * dx**2)
    slope = sets.total(w * dx * dy) / sxx
    residual = dy - sets.per_row(slope) * dx
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma2 = sets.total(w * residual**2) / (sets.size - 2)
        se = np.sqrt(sigma2 / sxx)
    return slope, se


def slope_and_relative_index(sets: SubgroupSets, convention: SiiConvention,
                             z: float) -> tuple[SetResults, SetResults]:
    """Slope (SII) and relative (RII) index of inequality from one logistic fit per set.

    `convention` weights the fit (module docstring). SII is on the indicator scale with
    its se on 0-1; RII's se is that of log(RII). NaN with a note where an estimate is out
    of range or the fit fails.
    """
    if convention not in SII_CONVENTIONS:
        raise ValueError(f"convention must be one of {sorted(SII_CONVENTIONS)}, not {convention!r}")
    # healthequal's binomial data: each subgroup rounded up to whole people (the 1e-12 slack keeps
    # float noise such as 37.0000000000001 from adding a person), ranked on those rounded sizes.
    population = np.ceil(sets.count * (1 - _CEIL_SLACK))
    rank = sets.rank_by(population)
    scale = sets.per_row(sets.scale)
    events = np.round(sets.estimate / scale * population)
    out_of_range = sets.total(((events < 0) | (events > population)).astype(float)) > 0
    proportion = np.clip(events / population, 0.0, 1.0)
    weight = population * population if convention == "heat" else population
    b0, b1, converged = _logistic_fit(sets, rank, proportion, weight)
    cov = _hc1_covariance(sets, rank, proportion, weight, b0, b1)
    p1, p0 = expit(b0 + b1), expit(b0)
    d1, d0 = p1 * (1 - p1), p0 * (1 - p0)
    sii = p1 - p0
    sii_se = _delta_se(cov, d1 - d0, d1)
    log_rii = np.log(p1 / p0)
    log_rii_se = _delta_se(cov, p0 - p1, 1 - p1)
    lower, upper = normal_interval(sii, sii_se, z=z)
    sii_result = SetResults(sii * sets.scale, sii_se, lower * sets.scale, upper * sets.scale)
    lower, upper = normal_interval(log_rii, log_rii_se, z=z)
    rii_result = SetResults(np.exp(log_rii), log_rii_se, np.exp(lower), np.exp(upper))
    bad = out_of_range | ~converged
    for result in (sii_result, rii_result):
        for name in ("estimate", "se", "ci_lb", "ci_ub"):
            setattr(result, name, np.where(bad, np.nan, getattr(result, name)))
        result.add_note(out_of_range, "needs estimates between 0 and the indicator scale "
                        "(a logistic model of a proportion)")
        result.add_note(~converged & ~out_of_range, "the logistic model did not converge")
    rii_result.add_note(~bad, "se is for log(RII)")
    rii_result.add_note(unstable_ratio(rii_result.estimate), unstable_ratio_note("SII"))
    return sii_result, rii_result


def _logistic_fit(sets: SubgroupSets, x: np.ndarray, p: np.ndarray, weight: np.ndarray):
    """Iteratively reweighted least squares for logit(p) = b0 + b1 * x, all sets at once."""
    start = (weight * p + 0.5) / (weight + 1)  # R's glm starting values for binomial data
    eta = logit(start)
    b0 = np.zeros(sets.n_sets)
    b1 = np.zeros(sets.n_sets)
    converged = np.zeros(sets.n_sets, dtype=bool)
    for _ in range(_MAX_ITERATIONS):
        mu = expit(eta)
        variance = np.maximum(mu * (1 - mu), 1e-300)
        w = weight * variance
        working = eta + (p - mu) / variance
        s_w, s_x, s_xx = sets.total(w), sets.total(w * x), sets.total(w * x * x)
        s_z, s_xz = sets.total(w * working), sets.total(w * x * working)
        det = s_w * s_xx - s_x**2
        new_b1 = (s_w * s_xz - s_x * s_z) / det
        new_b0 = (s_z - new_b1 * s_x) / s_w
        change = np.maximum(np.abs(new_b0 - b0), np.abs(new_b1 - b1))
        b0, b1 = new_b0, new_b1
        eta = sets.per_row(b0) + sets.per_row(b1) * x
        converged = change < _TOLERANCE * (1 + np.abs(b0) + np.abs(b1))
        if converged.all():
            break
    return b0, b1, converged & np.isfinite(b0) & np.isfinite(b1)


def _hc1_covariance(sets, x, p, weight, b0, b1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """HC1 sandwich covariance (c00, c01, c11) of (b0, b1) for each set."""
    mu = expit(sets.per_row(b0) + sets.per_row(b1) * x)
    w = weight * mu * (1 - mu)
    s_w, s_x, s_xx = sets.total(w), sets.total(w * x), sets.total(w * x * x)
    det = s_w * s_xx - s_x**2
    bread = (s_xx / det, -s_x / det, s_w / det)
    score = weight * (p - mu)
    m00, m01, m11 = sets.total(score**2), sets.total(score**2 * x), sets.total(score**2 * x * x)
    a, b, c = bread
    # bread @ meat @ bread for symmetric 2 x 2 matrices, written out.
    c00 = a * a * m00 + 2 * a * b * m01 + b * b * m11
    c01 = a * b * m00 + (a * c + b * b) * m01 + b * c * m11
    c11 = b * b * m00 + 2 * b * c * m01 + c * c * m11
    with np.errstate(divide="ignore", invalid="ignore"):
        small_sample = sets.size / (sets.size - 2)
    return c00 * small_sample, c01 * small_sample, c11 * small_sample


def _delta_se(cov, g0: np.ndarray, g1: np.ndarray) -> np.ndarray:
    c00, c01, c11 = cov
    return np.sqrt(g0 * g0 * c00 + 2 * g0 * g1 * c01 + g1 * g1 * c11)
