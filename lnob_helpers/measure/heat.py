"""WHO's 21 summary measures of health inequality, on HEAT Plus template tables.

`summary_measures` takes disaggregated estimates in the HEAT Plus template columns
and returns one row per (setting, date, source, indicator, dimension, measure).
Definitions follow WHO's `healthequal` R package and the HEAT technical notes, so
the numbers agree with what country teams see in HEAT Plus. Where HEAT's own
convention is debatable the choice is a parameter and every row says which one
it used (column `convention`):

- SII/RII weighting (`sii_convention`): "heat" (population squared, HEAT's fit) or
  "count" (population once).
- Standard errors of SII, TI, MLD and PAF (`se_scale`): "heat" reports them on
  HEAT's unscaled basis (SII on 0-1, TI/MLD before x1000, PAF before x100);
  "estimate" puts them on the same scale as the estimate. Intervals are always
  on the estimate's scale. (healthequal prints TI, MLD and PAF intervals built
  from the unscaled se, which makes them 1000 or 100 times too narrow; these are
  deliberately not reproduced.)

A measure that does not apply (e.g. SII on a non-ordered dimension, MDRU without
a reference subgroup) gives a row with a NaN estimate and a note saying why; a missing
or suppressed subgroup is named there by its `subgroup` label.

Reference subgroup. D, R, MDB, MDR, PAF and PAR measure gaps from a reference subgroup
(the most advantaged, best-performing or marked one). Unlike HEAT Plus, the reference must
have at least the analysis' `caution_n` unweighted cases and an estimate that varies in the
sample (`suppression`; heat_reference says how it is chosen); the note of each of these
measures names the reference and the rule, and where no subgroup qualifies the measure is
not given.

Subgroup sizes. Shares (the average, the ranks, every "W" measure) come from
`population`, so they are the survey's weighted shares. Two formulas read sizes as head
counts: Walter's standard error of PAF/PAR and the binomial data of the SII/RII fit. A
weighted total is no head count: DHS stores weights x1,000,000, which made the PAF
interval 1,000 times narrower and moved the SII. So where the table has the unweighted
`n` of every subgroup (the workbook's own tables do), those formulas get the population
rescaled to sum to the set's unweighted n: the same shares, the sample's size. Rescaled
rather than n itself, because the sample shares of an oversampled design are not the
population's and the formulas combine the sizes with the weighted average. Every
estimate, se and interval is then the same whatever constant the weights were multiplied
by. A table without `n` (healthequal's examples, HEAT Plus uploads) keeps `population` as
the head count, as HEAT does. A subgroup with n = 0 has no one in it and is left out of
its set rather than counted as missing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import ndtri

from ..config import Suppression
from ..errors import InputError
from ..heat_format import GROUP_KEYS, spreadsheet_rows
from ..privacy import FLAG_SUPPRESSED
from .heat_attributable import PAF_SCALE, attributable_fraction, attributable_risk
from .heat_disproportionality import SCALE as THEIL_SCALE
from .heat_disproportionality import mean_log_deviation, theil_index
from .heat_groups import SetResults, SubgroupSets, append_note, subgroups_in_words
from .heat_reference import ReferenceKind, reference_notes, reference_standing
from .heat_regression import SII_CONVENTIONS, SiiConvention, concentration_index, slope_and_relative_index
from .heat_simple import difference, ratio
from .heat_simulation import percentile_interval, simulate_estimates
from .heat_variation import (
    between_group_sd,
    between_group_variance_with_se,
    coefficient_of_variation,
    index_of_disparity,
    mean_difference_from_best,
    mean_difference_from_mean,
    mean_difference_from_reference,
)

SeScale = Literal["heat", "estimate"]
RESULT_COLUMNS = (*GROUP_KEYS, "measure", "estimate", "se", "ci_lb", "ci_ub", "n_subgroups",
                  "convention", "meaning", "note")
_MAX_MISSING_SHARE = 0.15  # non-ordered dimensions tolerate up to 15% missing estimates


@dataclass(frozen=True)
class MeasureInfo:
    """What a measure says and where it applies."""

    meaning: str
    needs_ordered: bool  # only for ordered dimensions (ACI, RCI, SII, RII)
    has_analytic_se: bool  # False: the interval comes from simulation
    nonordered_only: bool = False  # HEAT reports it for non-ordered dimensions only
    min_subgroups: int = 3
    needs_reference: bool = False  # a marked reference subgroup (reference_subgroup = 1)
    reference: ReferenceKind | None = None  # how its reference subgroup is chosen (heat_reference)


MEASURES: dict[str, MeasureInfo] = {
    "D": MeasureInfo("Gap between the two compared subgroups, in indicator units (0 = no gap).",
                     False, True, min_subgroups=2, reference="compared"),
    "R": MeasureInfo("How many times the level of one compared subgroup is that of the other (1 = no gap).",
                     False, True, min_subgroups=2, reference="compared"),
    "ACI": MeasureInfo("How far the indicator is concentrated among the advantaged (+) or the "
                       "disadvantaged (-) along the ordered groups, in indicator units.", True, True),
    "RCI": MeasureInfo("The concentration index relative to the average, a fraction from -1 to 1 "
                       "(HEAT shows it x100).", True, True),
    "SII": MeasureInfo("Modelled gap between the most advantaged and the most disadvantaged end of the "
                       "ordered groups, in indicator units.", True, True),
    "RII": MeasureInfo("Modelled ratio of the most advantaged to the most disadvantaged end of the "
                       "ordered groups (1 = no gap).", True, True),
    "BGV": MeasureInfo("Population-weighted variance of the subgroup estimates around the average, "
                       "in squared indicator units.", False, True, nonordered_only=True),
    "BGSD": MeasureInfo("Population-weighted standard deviation of the subgroup estimates around the "
                        "average, in indicator units.", False, False, nonordered_only=True),
    "COV": MeasureInfo("The between-group standard deviation as a percentage of the average.",
                       False, False, nonordered_only=True),
    "IDISU": MeasureInfo("Average gap between each subgroup and the average, as a percentage of the "
                         "average; every subgroup counts the same.", False, False, nonordered_only=True),
    "IDISW": MeasureInfo("Average gap between each subgroup and the average, as a percentage of the "
                         "average; subgroups count by population.", False, False, nonordered_only=True),
    "MDBU": MeasureInfo("Average gap to the best-performing subgroup, in indicator units; every subgroup "
                        "counts the same.", False, False, nonordered_only=True, reference="best"),
    "MDBW": MeasureInfo("Average gap to the best-performing subgroup, in indicator units; subgroups count "
                        "by population.", False, False, nonordered_only=True, reference="best"),
    "MDMU": MeasureInfo("Average gap to the setting average, in indicator units; every subgroup counts "
                        "the same.", False, False, nonordered_only=True),
    "MDMW": MeasureInfo("Average gap to the setting average, in indicator units; subgroups count by "
                        "population.", False, False, nonordered_only=True),
    "MDRU": MeasureInfo("Average gap to the reference subgroup, in indicator units; every subgroup counts "
                        "the same.", False, False, nonordered_only=True, needs_reference=True,
                        reference="marked"),
    "MDRW": MeasureInfo("Average gap to the reference subgroup, in indicator units; subgroups count by "
                        "population.", False, False, nonordered_only=True, needs_reference=True,
                        reference="marked"),
    "TI": MeasureInfo("Theil index: how far subgroups' shares of the indicator differ from their shares "
                      "of the population, x1000 (0 = none).", False, True, nonordered_only=True),
    "MLD": MeasureInfo("Mean log deviation: like the Theil index but weighted by population share, "
                       "x1000 (0 = none).", False, True, nonordered_only=True),
    "PAF": MeasureInfo("Gain in the average if every subgroup reached the reference level (most advantaged "
                       "or best-performing subgroup), as a percentage of the average.", False, True,
                       reference="attributable"),
    "PAR": MeasureInfo("Gain in the average if every subgroup reached the reference level (most advantaged "
                       "or best-performing subgroup), in indicator units.", False, True,
                       reference="attributable"),
}

# Statistics used both for the estimate and, on simulated estimates, for the interval.
_SIMULATED: dict[str, Callable[[SubgroupSets, np.ndarray], np.ndarray]] = {
    "BGSD": between_group_sd,
    "COV": coefficient_of_variation,
    "IDISU": partial(index_of_disparity, weighted=False),
    "IDISW": partial(index_of_disparity, weighted=True),
    "MDBU": partial(mean_difference_from_best, weighted=False),
    "MDBW": partial(mean_difference_from_best, weighted=True),
    "MDMU": partial(mean_difference_from_mean, weighted=False),
    "MDMW": partial(mean_difference_from_mean, weighted=True),
    "MDRU": partial(mean_difference_from_reference, weighted=False),
    "MDRW": partial(mean_difference_from_reference, weighted=True),
}
_ANALYTIC: dict[str, Callable[[SubgroupSets, float], SetResults]] = {
    "D": difference,
    "R": ratio,
    "ACI": partial(concentration_index, relative=False),
    "RCI": partial(concentration_index, relative=True),
    "BGV": between_group_variance_with_se,
    "TI": theil_index,
    "MLD": mean_log_deviation,
    "PAF": attributable_fraction,
    "PAR": attributable_risk,
}
_NEEDED_COLUMNS = (*GROUP_KEYS, "estimate", "population", "favourable_indicator", "indicator_scale",
                   "ordered_dimension", "subgroup_order", "reference_subgroup")
_NUMERIC = ("estimate", "se", "population", "favourable_indicator", "indicator_scale",
            "ordered_dimension", "subgroup_order", "reference_subgroup")
_OPTIONAL = ("se", "n", "subgroup", "flag")  # used when present (module docstring)


def summary_measures(
    table: pd.DataFrame,
    measures: Sequence[str] | None = None,
    sii_convention: SiiConvention = "heat",
    se_scale: SeScale = "heat",
    seed: int | np.random.Generator = 12345,
    n_sim: int = 1000,
    level: float = 0.95,
    suppression: Suppression | None = Suppression(),
) -> pd.DataFrame:
    """All requested measures for every set of subgroups in a HEAT Plus template table.

    Rows with a missing estimate (e.g. suppressed small cells) are left out: an
    ordered dimension then gets no measures, a non-ordered one is computed if at
    most 15% of its subgroups are missing, and the note says so.

    Parameters
    ----------
    table : pandas.DataFrame
        Subgroup estimates in the HEAT Plus template columns; a set of subgroups is one
        (setting, date, source, indicator, dimension).
    measures : sequence of str, optional
        Codes from `MEASURES` (any case); None gives all 21.
    sii_convention : {"heat", "count"}
        Weighting of the SII/RII logistic fit (module docstring).
    se_scale : {"heat", "estimate"}
        Scale of the standard errors of SII, TI, MLD and PAF (module docstring).
    seed : int or numpy.random.Generator
        Seed of the simulation intervals, so a report gives the same numbers twice.
    n_sim : int
        Simulated data sets for the measures without an analytic standard error.
    level : float
        Confidence level of every interval.
    suppression : config.Suppression or None
        The analysis' small-cell rule: a reference subgroup needs `caution_n` unweighted cases
        (read from the table's `n` and `flag` columns; module docstring). None lets every
        subgroup compete, as HEAT Plus and healthequal do; only the tests that reproduce
        healthequal's published values use it.

    Returns
    -------
    pandas.DataFrame
        One row per set and measure, columns `RESULT_COLUMNS`.

    Examples
    --------
    >>> summary_measures(heat_table, ["SII", "RII"])[["measure", "estimate"]]  # doctest: +SKIP

    Notes
    -----
    Definitions of WHO's Health Equity Assessment Toolkit as coded in its R package
    healthequal 1.0.1 (Antiporta, Menendez, Kirkby and Hosseinpoor, WHO, 2024), reviewed in
    Schlotheuber and Hosseinpoor, "Summary measures of health inequality: a review of
    existing measures and their application", Int J Environ Res Public Health 19(6):3697,
    2022. Analytic standard errors follow Ahn et al., "Variance estimation and confidence
    intervals for 11 commonly used health disparity measures", JCO Clin Cancer Inform
    2:1-19, 2018.
    """
    names = _measure_names(measures)
    if sii_convention not in SII_CONVENTIONS:
        raise InputError(f"sii_convention: '{sii_convention}' is not known; expected 'heat' or 'count'.")
    if se_scale not in ("heat", "estimate"):
        raise InputError(f"se_scale: '{se_scale}' is not known; expected 'heat' or 'estimate'.")
    data = _numeric_table(table)
    keys, per_set, sets, computed = _prepare(data, suppression)
    z = float(ndtri(0.5 + level / 2))
    results = _compute(sets, names, sii_convention, se_scale, seed, n_sim, level, z) if len(computed) else {}
    kinds = {MEASURES[name].reference for name in names} - {None}
    context = _SetContext.from_counts(per_set, sets, computed, kinds, suppression, "n" in data.columns)
    frames = [_measure_frame(keys, name, results.get(name), computed, context, sii_convention, se_scale)
              for name in names]
    return pd.concat(frames, ignore_index=True).sort_values(
        list(GROUP_KEYS), kind="stable", ignore_index=True)[list(RESULT_COLUMNS)]


@dataclass(frozen=True)
class MeasureResult:
    """One measure for one set of subgroups."""

    measure: str
    estimate: float
    se: float
    ci_lb: float
    ci_ub: float
    convention: str
    note: str

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.__dict__])


def compute_measure(
    name: str,
    estimate: Sequence[float],
    population: Sequence[float],
    se: Sequence[float] | None = None,
    subgroup_order: Sequence[int] | None = None,
    favourable: bool = True,
    scale: float = 100,
    reference: Sequence[int] | None = None,
    **options,
) -> MeasureResult:
    """One measure on one set of subgroups given as plain arrays (ordered when an order is given).

    Parameters
    ----------
    name : str
        Measure code from `MEASURES`, e.g. "SII".
    estimate, population : sequence of float
        Each subgroup's estimate and population (or weighted sample size).
    se : sequence of float, optional
        Each subgroup's standard error; without it there is no interval.
    subgroup_order : sequence of int, optional
        1 = most disadvantaged; giving it makes the dimension ordered.
    favourable : bool
        True when more is better (coverage), False for an adverse indicator.
    scale : float
        100 for percentages, 1 for proportions.
    reference : sequence of int, optional
        1 marks the reference subgroup.
    **options
        Passed to `summary_measures` (sii_convention, se_scale, seed, n_sim, level).

    Returns
    -------
    MeasureResult
        Estimate, standard error, interval, convention and note.

    Examples
    --------
    >>> compute_measure("D", [40.0, 75.0], [300, 700], se=[2.0, 1.5], subgroup_order=[1, 2]).estimate
    35.0

    Notes
    -----
    Same definitions and sources as `summary_measures`.
    """
    k = len(estimate)
    table = pd.DataFrame({
        "setting": "-", "date": 0, "source": "-", "indicator_abbr": "-", "dimension": "-",
        "estimate": np.asarray(estimate, dtype=float),
        "se": np.full(k, np.nan) if se is None else np.asarray(se, dtype=float),
        "population": np.asarray(population, dtype=float),
        "favourable_indicator": int(favourable), "indicator_scale": float(scale),
        "ordered_dimension": int(subgroup_order is not None),
        "subgroup_order": np.zeros(k) if subgroup_order is None else np.asarray(subgroup_order),
        "reference_subgroup": np.zeros(k) if reference is None else np.asarray(reference),
    })
    row = summary_measures(table, [name], **options).iloc[0]
    return MeasureResult(name.upper(), *(float(row[c]) for c in ("estimate", "se", "ci_lb", "ci_ub")),
                         row["convention"], row["note"])


def _measure_names(measures: Sequence[str] | None) -> list[str]:
    if measures is None:
        return list(MEASURES)
    if isinstance(measures, str):
        measures = [measures]
    names = [m.upper() for m in measures]
    unknown = [m for m in names if m not in MEASURES]
    if unknown:
        raise InputError(f"measures: {', '.join(unknown)} not known; expected some of {', '.join(MEASURES)}.")
    return names


def _numeric_table(table: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in _NEEDED_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(f"table: column(s) {', '.join(missing)} missing; expected the HEAT Plus template "
                         "columns (see read_heat_template).")
    data = table[[c for c in (*_NEEDED_COLUMNS, *_OPTIONAL) if c in table.columns]].reset_index(drop=True)
    if "se" not in data.columns:
        data = data.assign(se=np.nan)
    if "n" in data.columns:
        data["n"] = pd.to_numeric(data["n"], errors="coerce").astype("float64")  # unusable n: population counts
    problems = []
    for column in _NUMERIC:
        numbers = pd.to_numeric(data[column], errors="coerce")
        bad = numbers.isna() & data[column].notna()
        if bad.any():
            problems.append(f"table: {spreadsheet_rows(bad)}, column {column}: not a number; expected a number.")
        data[column] = numbers.astype("float64")
    for column in ("population", "favourable_indicator", "indicator_scale", "ordered_dimension"):
        gap = data[column].isna() & data["estimate"].notna()
        if gap.any():
            problems.append(f"table: {spreadsheet_rows(gap)}, column {column}: empty; expected a value "
                            "for every subgroup with an estimate.")
    if problems:
        raise InputError(problems)
    return data


def _prepare(data: pd.DataFrame, rule: Suppression | None,
             ) -> tuple[pd.DataFrame, pd.DataFrame, SubgroupSets, np.ndarray]:
    """Keys and facts of every set, and the rows with an estimate as `SubgroupSets`, each row
    with its standing as a possible reference under `rule`.

    `computed` lists the sets that have at least one estimate, in the order of `sets`.
    """
    empty = (data["n"] == 0).to_numpy() if "n" in data.columns else np.zeros(len(data), dtype=bool)
    grouped = data.assign(_present=~empty).groupby(list(GROUP_KEYS), sort=True, dropna=False)
    codes = grouped.ngroup().to_numpy()
    keys = grouped.size().reset_index()[list(GROUP_KEYS)]
    per_set = grouped.agg(ordered=("ordered_dimension", "max"), favourable=("favourable_indicator", "max"),
                          scale=("indicator_scale", "max"), n_rows=("_present", "sum"),
                          n_valid=("estimate", "count"))
    valid = data["estimate"].notna().to_numpy()
    per_set["missing"] = _missing_subgroups(data, codes, ~valid & ~empty, len(per_set))
    has_rows = per_set["n_valid"].to_numpy() > 0
    computed = np.flatnonzero(has_rows)
    group = (np.cumsum(has_rows) - 1)[codes[valid]]
    column = {c: data[c].to_numpy()[valid] for c in ("estimate", "se", "population", "subgroup_order",
                                                     "reference_subgroup")}
    n = data["n"].to_numpy()[valid] if "n" in data.columns else None
    flag = data["flag"].to_numpy(dtype=object)[valid] if "flag" in data.columns else None
    label = data["subgroup"].astype("str").to_numpy(dtype=object)[valid] if "subgroup" in data.columns else None
    sets = SubgroupSets.from_rows(
        estimate=column["estimate"], se=column["se"], population=column["population"],
        subgroup_order=column["subgroup_order"], reference=column["reference_subgroup"] == 1,
        group=group,
        ordered=per_set["ordered"].to_numpy()[computed] == 1,
        favourable=per_set["favourable"].to_numpy()[computed] == 1,
        scale=per_set["scale"].to_numpy()[computed],
        count=_head_counts(column["population"], n, group, len(computed)),
        label=label, standing=reference_standing(int(valid.sum()), rule, n, flag),
    )
    return keys, per_set, sets, computed


def _head_counts(population: np.ndarray, n: np.ndarray | None, group: np.ndarray, n_sets: int) -> np.ndarray:
    """Subgroup sizes as head counts: population rescaled to sum to the set's unweighted n where
    every subgroup of the set has an n, else population as given (module docstring)."""
    if n is None:
        return population
    n_total = np.bincount(group, weights=np.nan_to_num(n), minlength=n_sets)
    complete = np.bincount(group, weights=np.isnan(n).astype(float), minlength=n_sets) == 0
    population_total = np.bincount(group, weights=population, minlength=n_sets)
    usable = complete & (n_total > 0) & (population_total > 0)
    factor = np.divide(n_total, population_total, out=np.ones(n_sets), where=usable)
    return population * factor[group]


def _missing_subgroups(data: pd.DataFrame, codes: np.ndarray, missing: np.ndarray, n_sets: int) -> list[str]:
    """Per set, the subgroups without an estimate in words ("" where none is missing), e.g.
    "the subgroup 'Other' is suppressed"; without a `subgroup` column only how many."""
    out = [""] * n_sets
    if not missing.any():
        return out
    names = data["subgroup"].astype("str").to_numpy() if "subgroup" in data.columns else None
    flags = data["flag"].astype("str").to_numpy() if "flag" in data.columns else np.full(len(data), "")
    for k in np.unique(codes[missing]):
        rows = np.flatnonzero(missing & (codes == k))
        suppressed = flags[rows] == FLAG_SUPPRESSED
        one = len(rows) == 1
        state = {(True, True): "is suppressed", (True, False): "has no estimate",
                 (False, True): "are suppressed", (False, False): "have no estimate"}[one, suppressed.all()]
        if suppressed.any() and not suppressed.all():
            state = "are suppressed or have no estimate"
        which = f"{len(rows)} subgroup{'' if one else 's'}" if names is None else subgroups_in_words(list(names[rows]))
        out[k] = f"{which} {state}"
    return out


def _compute(sets, names, sii_convention, se_scale, seed, n_sim, level, z) -> dict[str, SetResults]:
    """Every measure for every set; sets where a measure does not apply are blanked later,
    so the numerical warnings they raise (e.g. 2-subgroup regressions) are silenced here."""
    with np.errstate(all="ignore"):
        return _compute_all(sets, names, sii_convention, se_scale, seed, n_sim, level, z)


def _compute_all(sets, names, sii_convention, se_scale, seed, n_sim, level, z) -> dict[str, SetResults]:
    results: dict[str, SetResults] = {}
    for name in names:
        if name in _ANALYTIC:
            results[name] = _ANALYTIC[name](sets, z=z)
    if {"SII", "RII"} & set(names):
        results["SII"], results["RII"] = slope_and_relative_index(sets, sii_convention, z=z)
    simulated = [n for n in names if n in _SIMULATED]
    if simulated:
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        replicates = simulate_estimates(sets, n_sim, rng)
        for name in simulated:
            statistic = _SIMULATED[name]
            estimate = statistic(sets, sets.estimate)
            lower, upper = percentile_interval(sets, statistic, replicates, level)
            results[name] = SetResults(estimate, np.full(sets.n_sets, np.nan), lower, upper)
            results[name].add_note(np.isfinite(lower), f"interval from {n_sim} simulated data sets")
    if se_scale == "estimate":
        for name, factor in (("SII", sets.scale), ("TI", THEIL_SCALE), ("MLD", THEIL_SCALE), ("PAF", PAF_SCALE)):
            if name in results:
                results[name].se = results[name].se * factor
    else:
        _note_heat_se(results)
    return results


def _note_heat_se(results: dict[str, SetResults]) -> None:
    texts = {
        "SII": "se on the 0-1 scale as in HEAT (multiply by the indicator scale to compare)",
        "TI": "se for the index before x1000, as in HEAT",
        "MLD": "se for the index before x1000, as in HEAT",
        "PAF": "se for the fraction before x100, as in HEAT",
    }
    for name, text in texts.items():
        if name in results:
            results[name].add_note(np.isfinite(results[name].se), text)


@dataclass(frozen=True)
class _SetContext:
    """Per-set facts (for all sets, computed or not) that decide whether a measure applies."""

    n_valid: np.ndarray
    n_missing: np.ndarray
    ordered: np.ndarray
    has_reference: np.ndarray
    se_complete: np.ndarray
    missing: np.ndarray  # the subgroups without an estimate, in words ("" where none)
    # per kind of reference (heat_reference): the note naming it, and why a measure is withheld
    reference: dict[str, tuple[np.ndarray, np.ndarray]]

    @classmethod
    def from_counts(cls, per_set: pd.DataFrame, sets: SubgroupSets, computed: np.ndarray, kinds: set[str],
                    rule: Suppression | None, counts_known: bool) -> _SetContext:
        se_complete = np.zeros(len(per_set), dtype=bool)
        has_reference = np.zeros(len(per_set), dtype=bool)
        reference = {kind: (np.full(len(per_set), "", dtype=object), np.full(len(per_set), "", dtype=object))
                     for kind in kinds}
        if len(computed):
            se_complete[computed] = sets.total(np.isnan(sets.se).astype(float)) == 0
            has_reference[computed] = sets.first_row_where(sets.reference) >= 0
            for kind, (notes, withheld) in reference.items():
                notes[computed], withheld[computed] = reference_notes(sets, kind, rule, counts_known)
        n_valid = per_set["n_valid"].to_numpy()
        return cls(n_valid, per_set["n_rows"].to_numpy() - n_valid,
                   per_set["ordered"].to_numpy() == 1, has_reference, se_complete,
                   per_set["missing"].to_numpy(dtype=object), reference)


def _measure_frame(keys: pd.DataFrame, name: str, result: SetResults | None, computed: np.ndarray,
                   ctx: _SetContext, sii_convention: str, se_scale: str) -> pd.DataFrame:
    info = MEASURES[name]
    n = len(keys)
    values = {c: np.full(n, np.nan) for c in ("estimate", "se", "ci_lb", "ci_ub")}
    notes = np.full(n, "", dtype=object)
    if result is not None:
        for column in values:
            values[column][computed] = getattr(result, column)
        notes[computed] = result.note
    reasons = _reasons_not_applicable(info, ctx)
    blocked = reasons != ""
    for column in values:
        values[column][blocked] = np.nan
    notes = np.where(blocked, reasons, notes)
    no_ci = ~blocked & ~ctx.se_complete & np.isnan(values["ci_lb"])
    notes = append_note(notes, no_ci, "no confidence interval: standard errors missing")
    left_out = ctx.missing + np.where(ctx.n_missing == 1, ", so it is left out", ", so they are left out")
    notes = append_note(notes, ~blocked & (ctx.n_missing > 0), left_out)
    if info.reference is not None:
        reference_note = ctx.reference[info.reference][0]
        notes = append_note(notes, ~blocked & (reference_note != ""), reference_note)
    frame = keys.copy()
    frame["measure"] = name
    for column, array in values.items():
        frame[column] = array
    frame["n_subgroups"] = ctx.n_valid
    frame["convention"] = _convention(name, sii_convention, se_scale)
    frame["meaning"] = info.meaning
    frame["note"] = pd.array(notes, dtype="str")
    return frame


def _reasons_not_applicable(info: MeasureInfo, ctx: _SetContext) -> np.ndarray:
    """Why a measure cannot be given for each set ("" where it can); first reason wins."""
    missing_share = ctx.n_missing / np.maximum(ctx.n_valid + ctx.n_missing, 1)
    ends = np.array([f"n/a: {w}, and an ordered dimension needs every subgroup to compare its ends"
                     for w in ctx.missing], dtype=object)
    too_many = np.array([f"n/a: {w}, more than 15% of the subgroups" for w in ctx.missing], dtype=object)
    rules = [
        (ctx.n_valid == 0, "no subgroup has an estimate"),
        (ctx.ordered & (ctx.n_missing > 0), ends),
        (~ctx.ordered & (missing_share > _MAX_MISSING_SHARE), too_many),
        (np.full(len(ctx.ordered), info.needs_ordered) & ~ctx.ordered,
         "applies to ordered dimensions only (such as wealth quintiles); this dimension is not ordered"),
        (np.full(len(ctx.ordered), info.nonordered_only) & ctx.ordered,
         "HEAT gives this measure for non-ordered dimensions only; use ACI, RCI, SII or RII here"),
        (ctx.n_valid < info.min_subgroups, f"needs at least {info.min_subgroups} subgroups with an estimate"),
        (np.full(len(ctx.ordered), info.needs_reference) & ~ctx.has_reference,
         "no reference subgroup is marked (reference_subgroup = 1)"),
    ]
    if info.reference is not None:
        withheld = ctx.reference[info.reference][1]
        rules.append((withheld != "", withheld))
    reasons = np.full(len(ctx.ordered), "", dtype=object)
    for condition, text in reversed(rules):
        reasons = np.where(condition, text, reasons)
    return reasons


def _convention(name: str, sii_convention: str, se_scale: str) -> str:
    parts = []
    if name in ("SII", "RII"):
        parts.append(f"fit={sii_convention}")
    if name in ("SII", "TI", "MLD", "PAF"):
        parts.append(f"se={se_scale}")
    return "; ".join(parts)


__all__ = ["MEASURES", "MeasureInfo", "MeasureResult", "compute_measure", "summary_measures"]
