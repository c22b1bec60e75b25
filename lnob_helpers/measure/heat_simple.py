"""Simple measures: difference (D) and ratio (R) between two subgroups.

Which two subgroups, following WHO's healthequal:
- ordered dimension: the most advantaged (highest subgroup_order) and the most
  disadvantaged (order 1), written so that a positive D (R > 1) means the
  disadvantaged end is worse off, for favourable and adverse indicators alike;
- non-ordered dimension without a reference subgroup: highest versus lowest estimate;
- non-ordered with a reference subgroup: the reference versus the worst-off subgroup.

Both measures take every `SubgroupSets` and `z`, the normal quantile of the interval
(1.96 for 95%), and return `SetResults`. As in WHO's HEAT and healthequal; standard
errors from Ahn et al., JCO Clin Cancer Inform 2:1-19, 2018.
"""

from __future__ import annotations

import numpy as np

from .heat_groups import SetResults, SubgroupSets, normal_interval, unstable_ratio, unstable_ratio_note


def compared_rows(sets: SubgroupSets) -> tuple[np.ndarray, np.ndarray]:
    """Rows (y1, y2) compared in each set; D = y1 - y2 and R = y1 / y2."""
    first = sets.starts
    last = sets.starts + sets.size - 1
    highest = sets.row_of_extreme(sets.estimate, np.ones(sets.n_sets, dtype=bool))
    lowest = sets.row_of_extreme(sets.estimate, np.zeros(sets.n_sets, dtype=bool))
    reference = sets.first_row_where(sets.reference)
    has_reference = reference >= 0
    fav = sets.favourable
    y1 = np.where(has_reference, np.where(fav, reference, highest), highest)
    y2 = np.where(has_reference, np.where(fav, lowest, reference), lowest)
    y1 = np.where(sets.ordered, np.where(fav, last, first), y1)
    y2 = np.where(sets.ordered, np.where(fav, first, last), y2)
    return y1, y2


def difference(sets: SubgroupSets, z: float) -> SetResults:
    """D = y1 - y2 in indicator units, se = sqrt(se1^2 + se2^2), with a normal interval."""
    y1, y2 = compared_rows(sets)
    estimate = sets.estimate[y1] - sets.estimate[y2]
    se = np.hypot(sets.se[y1], sets.se[y2])
    return SetResults(estimate, se, *normal_interval(estimate, se, z=z))


def ratio(sets: SubgroupSets, z: float) -> SetResults:
    """Ratio R = y1 / y2; NaN with a note where a compared estimate is zero or negative.

    The se is that of log(R) (delta method) and the interval is built on the log scale.
    """
    y1, y2 = compared_rows(sets)
    top, bottom = sets.estimate[y1], sets.estimate[y2]
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
