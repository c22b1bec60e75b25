"""Population attributable risk (PAR) and fraction (PAF).

Both ask how much the setting average would improve if every subgroup reached the
reference level: the most advantaged subgroup on an ordered dimension, otherwise
the best-performing one (highest estimate for a favourable indicator, lowest for
an adverse one), as in healthequal, among the subgroups with enough cases to be a
reference (heat_reference). When no improvement is possible the measure
is 0. PAR is in indicator units; PAF is a percentage of the average. The se is
Walter's (1978) formula for the attributable fraction on the 0-1 scale, as in
healthequal; PAF's interval multiplies it by 100 to match the estimate. Walter's
formula reads subgroup sizes as head counts, so it takes `SubgroupSets.count` (heat.py:
the population rescaled to the set's unweighted n where the table has it), never a
weighted total whose scale depends on how the survey weights were stored.

Both take every `SubgroupSets` and `z`, the normal quantile of the interval (1.96
for 95%), and return `SetResults`. Walter, Calculation of attributable risks from
epidemiological data, Int J Epidemiol 7(2):175-182, 1978; as in WHO's HEAT and
healthequal.
"""

from __future__ import annotations

import numpy as np

from .heat_groups import SetResults, SubgroupSets, normal_interval
from .heat_reference import reference_rows

PAF_SCALE = 100.0


def _walter(sets: SubgroupSets):
    """Reference estimate, mean, and the se of the attributable fraction (0-1 scale); NaN where
    no subgroup is fit to be the reference (heat_reference)."""
    reference = reference_rows(sets, "attributable")
    found = reference >= 0
    reference = np.where(found, reference, sets.starts)
    ref_est = np.where(found, sets.estimate[reference], np.nan)
    ref_pop = sets.count[reference]  # Walter's formula reads sizes as head counts
    mean = sets.weighted_mean(sets.estimate)
    total = sets.total(sets.count)
    c = ref_est / sets.scale * ref_pop
    d = ref_pop - c
    a = mean / sets.scale * total - c
    b = total - a - ref_pop
    n = a + b + c + d
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(c * n * (a * d * (n - c) + b * c**2) / ((a + c) ** 3 * (c + d) ** 3))
    gap = ref_est - mean
    no_gain = np.where(sets.favourable, gap < 0, gap > 0)
    return np.where(no_gain, 0.0, gap), mean, se


def attributable_fraction(sets: SubgroupSets, z: float) -> SetResults:
    """PAF in percent of the average (0 when no gain is possible).

    Walter's se is for the fraction on the 0-1 scale; the interval is on the percent scale.
    """
    gap, mean, se = _walter(sets)
    with np.errstate(divide="ignore", invalid="ignore"):
        paf = PAF_SCALE * gap / mean
    return SetResults(paf, se, *normal_interval(paf, se, factor=PAF_SCALE, z=z))


def attributable_risk(sets: SubgroupSets, z: float) -> SetResults:
    """PAR in indicator units (0 when no gain is possible); se = |average| x the PAF se."""
    gap, mean, paf_se = _walter(sets)
    se = np.abs(mean) * paf_se
    return SetResults(gap, se, *normal_interval(gap, se, z=z))
