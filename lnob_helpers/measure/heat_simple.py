"""Simple measures: difference (D) and ratio (R) between two subgroups.

Which two subgroups, following WHO's healthequal:
- ordered dimension: the most advantaged (highest subgroup_order) and the most
  disadvantaged (order 1), written so that a positive D (R > 1) means the
  disadvantaged end is worse off, for favourable and adverse indicators alike;
- non-ordered dimension without a reference subgroup: highest versus lowest estimate;
- non-ordered with a reference subgroup: the reference versus the worst-off subgroup.

The advantaged, best-off or marked end is the reference, and it must have enough cases
(heat_reference: the most advantaged or best-off subgroup that qualifies); where none
qualifies, D and R are NaN.

Both measures take every `SubgroupSets` and `z`, the normal quantile of the interval
(1.96 for 95%), and return `SetResults`. As in WHO's HEAT and healthequal; standard
errors from Ahn et al., JCO Clin Cancer Inform 2:1-19, 2018.
"""

from __future__ import annotations

import numpy as np

from .heat_groups import SetResults, SubgroupSets, normal_interval, unstable_ratio, unstable_ratio_note
from .heat_reference import compared_end, reference_rows


def compared_rows(sets: SubgroupSets) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows (y1, y2) compared in each set, D = y1 - y2 and R = y1 / y2, and where a reference
    qualifies (elsewhere the rows are placeholders and the measures NaN)."""
    reference = reference_rows(sets, "compared")
    found = reference >= 0
    reference = np.where(found, reference, sets.starts)
    other = compared_end(sets)
    fav = sets.favourable
    return np.where(fav, reference, other), np.where(fav, other, reference), found


def difference(sets: SubgroupSets, z: float) -> SetResults:
    """D = y1 - y2 in indicator units, se = sqrt(se1^2 + se2^2), with a normal interval."""
    y1, y2, found = compared_rows(sets)
    estimate = np.where(found, sets.estimate[y1] - sets.estimate[y2], np.nan)
    se = np.where(found, np.hypot(sets.se[y1], sets.se[y2]), np.nan)
    return SetResults(estimate, se, *normal_interval(estimate, se, z=z))


def ratio(sets: SubgroupSets, z: float) -> SetResults:
    """Ratio R = y1 / y2; NaN with a note where a compared estimate is zero or negative.

    The se is that of log(R) (delta method) and the interval is built on the log scale.
    """
    y1, y2, found = compared_rows(sets)
    top, bottom = np.where(found, sets.estimate[y1], np.nan), np.where(found, sets.estimate[y2], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = top / bottom
        log_se = np.sqrt((sets.se[y1] ** 2 + estimate**2 * sets.se[y2] ** 2) / bottom**2) / estimate
        lower, upper = normal_interval(np.log(estimate), log_se, z=z)
    undefined = (bottom <= 0) | (top <= 0)
    result = SetResults(np.where(undefined, np.nan, estimate), np.where(undefined, np.nan, log_se),
                        np.where(undefined, np.nan, np.exp(lower)), np.where(undefined, np.nan, np.exp(upper)))
    result.add_note(undefined, "ratio undefined because a compared estimate is zero or negative")
    result.add_note(~undefined, "se is for log(R)")
    result.add_note(unstable_ratio(result.estimate), unstable_ratio_note("D"))
    return result
