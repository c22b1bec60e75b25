"""Multidimensional poverty by the Alkire-Foster counting method (the global MPI's method).

The guide's Step 4 names a national MPI as a way to see who is poor in several ways at
once, and because it decomposes by group it shows who endures the most overlapping
deprivations. The method, in short:

* each unit (usually a household, applied to all its members) gets a deprivation score
  c = sum of the weights of the indicators in which it is deprived (weights sum to 1);
* a unit is poor when c >= k. Scores are sums of fractions such as 1/6 + 3/18, so the
  comparison allows 1e-9 of floating-point slack: a unit exactly at the cutoff is poor;
* H = population share of the poor, A = their average score, M0 = H x A;
* the censored headcount ratio of an indicator is the share of people who are poor and
  deprived in it; M0 = sum of weight x censored headcount, so each indicator's percentage
  contribution is weight x censored headcount / M0 x 100.

M0 also decomposes by group: M0 = sum over groups of population share x group M0
(`MPIResult.check_decomposition`).

Missing indicator values (`MPIConfig.missing`):

* "reweight" (the global MPI practice): the indicators observed in a dimension share that
  dimension's weight in proportion to their own weights; a unit with a whole dimension
  missing is left out (the count is reported as `n_dropped`);
* "non_deprived": a missing value counts as not deprived;
* "drop_unit": a unit with any missing indicator is left out.

With reweighting a unit's own indicator weights may differ from the nominal ones; the
contributions then use each unit's own weights, so they still add up to 100.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BeforeValidator, Field, ValidationError, model_validator

from ..config import Strict, Suppression
from ..entries import duplicate_ids, raise_problems
from ..errors import InputError, describe_validation_error
from ..privacy import suppress
from ..survey import check_weights
from ..yamlstore import load_model
from .income import OVERALL, group_codes, require_columns

CUTOFF_TOL = 1e-9
GLOBAL_MPI_FILE = "global_mpi.yaml"


def _parse_share(value: object) -> object:
    """Accept "1/6"-style fractions as well as numbers, so weights can be written exactly."""
    if isinstance(value, str):
        try:
            return float(Fraction(value.strip()))
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"'{value}' is not a number or a fraction like 1/6") from None
    return value


Share = Annotated[float, BeforeValidator(_parse_share), Field(gt=0, le=1)]


class MPIIndicator(Strict):
    """One indicator: where its value is and when a unit counts as deprived in it."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    dimension: str
    weight: Share
    column: str | None = Field(default=None, description="Data column; the indicator name when left out.")
    rule: Literal["deprived_if_1", "below", "at_or_below", "above", "at_or_above"] = "deprived_if_1"
    threshold: float | None = Field(default=None, description="Needed by every rule but deprived_if_1.")
    description: str = ""

    @model_validator(mode="after")
    def _threshold_when_needed(self) -> "MPIIndicator":
        if (self.rule == "deprived_if_1") != (self.threshold is None):
            raise ValueError(f"indicator '{self.name}': rule '{self.rule}' "
                             + ("takes no threshold" if self.rule == "deprived_if_1" else "needs a threshold"))
        return self

    @property
    def source_column(self) -> str:
        return self.column or self.name

    def deprived(self, values: pd.Series) -> np.ndarray:
        """1 = deprived, 0 = not, NaN = missing."""
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        if int(values.notna().sum()) != int(np.isfinite(x).sum()):
            raise InputError(f"column `{self.source_column}`: holds text; expected numbers for indicator "
                             f"'{self.name}'.")
        if self.rule == "deprived_if_1":
            odd = np.unique(x[np.isfinite(x) & (x != 0) & (x != 1)])
            if odd.size:
                raise InputError(f"column `{self.source_column}`: values {', '.join(f'{v:g}' for v in odd[:5])} "
                                 "are not 0 or 1; expected 1 = deprived, 0 = not deprived, or a threshold rule.")
            return x
        compare = {"below": np.less, "at_or_below": np.less_equal,
                   "above": np.greater, "at_or_above": np.greater_equal}[self.rule]
        return np.where(np.isfinite(x), compare(x, self.threshold).astype(float), np.nan)


class MPIConfig(Strict):
    """Indicators, weights and cutoffs of a multidimensional poverty index."""

    name: str = "Multidimensional poverty index"
    cutoff: Share = Field(default=1 / 3, description="k: poor when the deprivation score is at least k.")
    vulnerable_from: Share = Field(default=0.2, description="Scores from here up to k: vulnerable to poverty.")
    severe_from: Share = Field(default=0.5, description="Scores from here up: in severe poverty.")
    missing: Literal["reweight", "non_deprived", "drop_unit"] = "reweight"
    indicators: list[MPIIndicator] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "MPIConfig":
        raise_problems(duplicate_ids(self.indicators, "indicators", key="name"))
        total = sum(i.weight for i in self.indicators)
        if abs(total - 1) > CUTOFF_TOL:
            raise ValueError(f"indicator weights must add up to 1; they add up to {total:.6g}")
        if not self.vulnerable_from <= self.cutoff <= self.severe_from:
            raise ValueError("cutoffs must satisfy vulnerable_from <= cutoff <= severe_from")
        return self

    @property
    def dimensions(self) -> list[str]:
        return list(dict.fromkeys(i.dimension for i in self.indicators))

    def with_columns(self, columns: dict[str, str]) -> "MPIConfig":
        """A copy reading indicator `name` from data column `columns[name]`."""
        unknown = sorted(set(columns) - {i.name for i in self.indicators})
        if unknown:
            raise InputError(f"column mapping: {', '.join(unknown)} not indicators of '{self.name}'; "
                             f"expected among {', '.join(i.name for i in self.indicators)}.")
        return self.model_copy(update={"indicators": [
            i.model_copy(update={"column": columns.get(i.name, i.column)}) for i in self.indicators]})


def load_mpi_config(path: str | Path | None = None) -> MPIConfig:
    """Read an MPI definition from YAML; without a path, the shipped global-MPI-like one."""
    if path is None:
        path = Path(str(resources.files(__package__).joinpath(GLOBAL_MPI_FILE)))
    return load_model(path, MPIConfig)


def mpi_config_from_dict(raw: dict, source: str = "MPI configuration") -> MPIConfig:
    """Validate a definition held in memory, with the same plain messages as a file."""
    try:
        return MPIConfig.model_validate(raw)
    except ValidationError as e:
        raise InputError(describe_validation_error(e, source)) from None


SUMMARY_MEASURES = ("H", "A", "M0", "vulnerable", "severe")
INDICATOR_MEASURES = ("uncensored_headcount", "censored_headcount", "contribution_pct")


@dataclass(frozen=True)
class MPIResult:
    """H, A, M0 and indicator breakdowns, overall and by group (suppressed where too few units).

    `scores` holds each unit's deprivation score, indexed like the input rows. It is
    for further computation inside the package only and must never be exported.
    """

    summary: pd.DataFrame
    indicators: pd.DataFrame
    config: MPIConfig
    n_dropped: int
    decomposition_gap: float
    scores: pd.Series = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: dimension, group, measure, indicator, value, n, population, flag."""
        keys = ["dimension", "group", "n", "population", "flag"]
        summary = self.summary.melt(id_vars=keys, value_vars=list(SUMMARY_MEASURES),
                                    var_name="measure").assign(indicator="")
        by_indicator = self.indicators.melt(id_vars=keys + ["indicator"], value_vars=list(INDICATOR_MEASURES),
                                            var_name="measure")
        return pd.concat([summary, by_indicator], ignore_index=True)[
            ["dimension", "group", "measure", "indicator", "value", "n", "population", "flag"]]

    def decomposition(self) -> pd.DataFrame:
        """Each group's population share, its M0 and their product; the products add up to M0."""
        groups = self.summary[self.summary["dimension"] != "national"]
        share = groups["population"] / groups["population"].sum()
        return pd.DataFrame({"dimension": groups["dimension"], "group": groups["group"],
                             "population_share": share, "M0": groups["M0"],
                             "share_x_M0": share * groups["M0"]}).reset_index(drop=True)

    def check_decomposition(self, tol: float = 1e-12) -> bool:
        """True when overall M0 equals the population-weighted sum of group M0 (before suppression)."""
        return self.decomposition_gap <= tol


def multidimensional_poverty(
    data: pd.DataFrame,
    config: MPIConfig,
    weights: str | None = None,
    size: str | None = None,
    by: str | None = None,
    suppression: Suppression | None = None,
) -> MPIResult:
    """Alkire-Foster measures of `data` (one row per unit) under `config`.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (usually a household), with the indicators' columns.
    config : MPIConfig
        Indicators, weights, the poverty cutoff k and the missing-value rule.
    weights : str, optional
        Column of each unit's survey weight.
    size : str, optional
        Column of each unit's number of members; people count as weight x size.
    by : str, optional
        Column of groups to give the measures for as well.
    suppression : Suppression, optional
        Small-cell rule: groups with fewer unweighted units than `min_n` get no values.

    Returns
    -------
    MPIResult
        H, A, M0, vulnerable and severe shares, and censored and uncensored headcounts
        with each indicator's contribution, overall and by group.

    Examples
    --------
    >>> multidimensional_poverty(households, load_mpi_config(), weights="wt", size="hhsize")  # doctest: +SKIP

    Notes
    -----
    Alkire and Foster, Counting and multidimensional poverty measurement, J Public Econ
    95(7-8):476-487, 2011. The global MPI, whose indicators, weights and k = 1/3 the shipped
    definition follows: Alkire and Santos, Measuring acute poverty in the developing world,
    World Development 59:251-274, 2014.
    """
    suppression = suppression or Suppression()
    require_columns(data, [i.source_column for i in config.indicators] + [weights, size, by])
    if data.empty:
        raise InputError("data: no rows; expected one row per household or person.")
    deprived = np.column_stack([i.deprived(data[i.source_column]) for i in config.indicators])
    unit_weights = _effective_weights(deprived, config)
    keep = np.isfinite(unit_weights).all(axis=1)
    if not keep.any():
        raise InputError("data: no unit has enough indicators observed under the missing-value rule "
                         f"'{config.missing}'; expected observed values.")
    people = (check_weights(data[weights], weights, "data") if weights else np.ones(len(data))) * (
        check_weights(data[size], size, "data") if size else 1.0)
    observed = np.isfinite(deprived[keep])
    deprived, unit_weights, people = np.nan_to_num(deprived[keep]), unit_weights[keep], people[keep]

    score = (deprived * unit_weights).sum(axis=1)
    parts = [_measures(score, deprived, observed, unit_weights, people, np.zeros(len(score), dtype=int),
                       [OVERALL], "national", config)]
    if by is not None:
        codes, names = group_codes(data[by][keep])
        parts.append(_measures(score, deprived, observed, unit_weights, people, codes, names, by, config))
    summary = pd.concat([p[0] for p in parts], ignore_index=True)
    indicators = pd.concat([p[1] for p in parts], ignore_index=True)
    gap = _decomposition_gap(summary)
    assert gap <= 1e-9, f"M0 does not decompose by group (gap {gap:g}); this is a bug in lnob_helpers."
    summary = suppress(summary, suppression, value_columns=SUMMARY_MEASURES)
    indicators = suppress(indicators, suppression, value_columns=INDICATOR_MEASURES)
    return MPIResult(summary, indicators, config, int((~keep).sum()), gap,
                     pd.Series(score, index=data.index[keep], name="deprivation_score"))


def _effective_weights(deprived: np.ndarray, config: MPIConfig) -> np.ndarray:
    """Each unit's indicator weights after the missing-value rule; NaN rows are left out."""
    nominal = np.array([i.weight for i in config.indicators])
    observed = np.isfinite(deprived)
    base = np.broadcast_to(nominal, deprived.shape).astype(float)
    if config.missing == "non_deprived":
        return base
    if config.missing == "drop_unit":
        return np.where(observed.all(axis=1, keepdims=True), base, np.nan)
    dims = config.dimensions
    member = np.array([[i.dimension == d for d in dims] for i in config.indicators], dtype=float)
    available = (observed * nominal) @ member
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(available > 0, (nominal @ member) / available, np.nan)
    return observed * nominal * (scale @ member.T)


def _measures(score, deprived, observed, unit_weights, people, codes, names, dimension, config):
    """Summary and indicator tables for every group at once."""
    n_groups = len(names)

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=values, minlength=n_groups)

    def totals(matrix: np.ndarray) -> np.ndarray:
        return np.stack([total(matrix[:, j]) for j in range(matrix.shape[1])], axis=1)

    poor = score >= config.cutoff - CUTOFF_TOL
    population = total(people)
    poor_people = total(people * poor)
    intensity_sum = total(people * score * poor)
    with np.errstate(divide="ignore", invalid="ignore"):
        headcount = poor_people / population
        m0 = intensity_sum / population
        summary = pd.DataFrame({
            "dimension": dimension, "group": names,
            "n": np.bincount(codes, minlength=n_groups), "population": population,
            "H": headcount, "A": intensity_sum / poor_people, "M0": m0,
            "vulnerable": total(people * ((score >= config.vulnerable_from - CUTOFF_TOL) & ~poor)) / population,
            "severe": total(people * (score >= config.severe_from - CUTOFF_TOL)) / population,
        })
        censored = deprived * poor[:, None] * people[:, None]
        uncensored = totals(deprived * people[:, None]) / totals(observed * people[:, None])
        contribution = 100 * totals(censored * unit_weights) / intensity_sum[:, None]
        censored_ratio = totals(censored) / population[:, None]
    indicators = pd.DataFrame({
        "dimension": dimension,
        "group": np.repeat(names, len(config.indicators)),
        "indicator": np.tile([i.name for i in config.indicators], n_groups),
        "weight": np.tile([i.weight for i in config.indicators], n_groups),
        "uncensored_headcount": uncensored.ravel(),
        "censored_headcount": censored_ratio.ravel(),
        "contribution_pct": contribution.ravel(),
        "n": np.repeat(summary["n"].to_numpy(), len(config.indicators)),
        "population": np.repeat(population, len(config.indicators)),
    })
    return summary, indicators


def _decomposition_gap(summary: pd.DataFrame) -> float:
    overall = summary[summary["dimension"] == "national"]
    groups = summary[summary["dimension"] != "national"]
    if groups.empty:
        return 0.0
    share = groups["population"] / groups["population"].sum()
    return float(abs((share * groups["M0"]).sum() - overall["M0"].iloc[0]))
