"""SII, RII, ACI and RCI from survey microdata, with design-based standard errors.

`heat_regression` computes these four measures from a table of subgroup estimates, as
HEAT does. Here they come from the person-level rows and the survey design, so the
standard errors account for clustering, strata and unequal weights, and for the fact
that the ranks themselves are estimated.

Ranks (HEAT's convention). The ordered groups run from the most disadvantaged (the
first category, e.g. "Poorest") to the most advantaged. With N_k the weighted number of
people of group k who have a value of the indicator and N = sum N_k, everyone in group k
gets the same rank, the weighted ridit

    r_k = (N_1 + ... + N_(k-1) + N_k / 2) / N,

so ranks run from near 0 (most disadvantaged) to near 1, with weighted mean 1/2.

Measures, with Y_k the weighted sum of the outcome y in group k, mu = sum Y_k / N and
d_k = r_k - 1/2:

* ACI = 2 cov_w(y, r) = 2 sum_k d_k Y_k / N (Kakwani's "convenient regression" slope), in
  indicator units; RCI = ACI / mu, a fraction between -1 and 1. Positive: the indicator is
  concentrated among the advantaged.
* model "linear" (default): design-weighted least squares of y (0/1 or continuous) on r.
  The slope b = sum_k d_k Y_k / sum_k N_k d_k^2 is the SII (predicted value at rank 1
  minus rank 0); RII = (mu + b/2) / (mu - b/2), the ratio of the fitted values at rank 1
  and rank 0 of the same straight line.
* model "logistic": a design-weighted logistic regression of y on r, each person counted
  once (y between 0 and 1). SII = p(1) - p(0) and RII = p(1) / p(0) from its predictions.
  This is HEAT's model with the "count" weighting of `heat_regression`; HEAT itself
  weights subgroups by population squared, which only agrees when groups are equally large.

SII and ACI are multiplied by the indicator scale (100 for percentages).

Variance (Taylor linearisation). Every measure is a smooth function f of the 2K weighted
totals (N_k, Y_k), because the rank is constant within a group: the ranks enter through
the N_k. Its influence value for row i in group k is w_i (df/dN_k + y_i df/dY_k), zero
outside the reference population, and its variance is the design-based variance of the
total of these values (`SurveyDesign.total_covariance`: PSU totals centred within strata).
The derivatives are analytic; that the ranks depend on the N_k is included through
dr_k/dN_j = (1[j < k] + 1[j = k] / 2 - r_k) / N. For the logistic model the derivatives of
its coefficients follow from its estimating equations (implicit function theorem). RII's
standard error is for log(RII). Intervals use Student's t with the design's degrees of
freedom, as the estimation engine does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import expit

from ..config import Circumstance, EstimationSettings, Suppression
from ..errors import InputError
from ..privacy import FLAG_SUPPRESSED, flag_counts
from ..heat_format import GROUP_KEYS
from ..rounds import RoundData
from ..survey import SurveyDesign, t_quantile
from .heat import MEASURES
from .heat_groups import subgroups_in_words, unstable_ratio, unstable_ratio_note

Model = Literal["linear", "logistic"]
Kind = Literal["proportion", "mean"]
MICRODATA_MEASURES = ("ACI", "RCI", "SII", "RII")
MODELS: dict[str, str] = {
    "linear": "design-weighted least squares of the outcome on the rank; RII = ratio of its fitted "
              "values at rank 1 and 0",
    "logistic": "design-weighted logistic regression of the outcome on the rank, each person counted "
                "once; SII and RII from its predictions at rank 1 and 0",
}
RESULT_COLUMNS = ("measure", "estimate", "se", "ci_lb", "ci_ub", "n", "n_subgroups", "convention", "meaning",
                  "note")
_MAX_ITERATIONS = 100
_TOLERANCE = 1e-12


@dataclass(frozen=True)
class OrderedInequality:
    """ACI, RCI, SII and RII of one indicator along one ordered circumstance, from microdata.

    `groups` holds the aggregates behind the ranks (n, weighted population, share, rank,
    weighted mean on the indicator scale); no microdata row is kept.
    """

    measures: pd.DataFrame
    groups: pd.DataFrame
    model: str
    convention: str

    def to_frame(self) -> pd.DataFrame:
        """One row per measure: estimate, se, interval, n, convention, meaning, note."""
        return self.measures.copy()


def ordered_inequality(
    design: SurveyDesign,
    y: str | np.ndarray | pd.Series,
    groups: str | pd.Series | pd.Categorical,
    *,
    kind: Kind = "proportion",
    scale: float = 100.0,
    model: Model = "linear",
    settings: EstimationSettings | None = None,
) -> OrderedInequality:
    """The four ordered-dimension measures of `y` by `groups` under `design`.

    `y` is a column of the design's data or an array aligned with its rows (NaN = outside
    the reference population or missing). `groups` is an ordered circumstance: a column
    name or a categorical whose categories run from the most disadvantaged to the most
    advantaged. Measures are withheld when a group has fewer than `settings.suppression.min_n`
    unweighted cases, as HEAT withholds them when a subgroup estimate is suppressed.
    """
    if model not in MODELS:
        raise InputError(f"model: '{model}' is not known; expected {' or '.join(MODELS)}.")
    settings = settings or EstimationSettings()
    rule = settings.suppression
    values = _values(design, y, kind, scale, model)
    codes, labels = _group_codes(design, groups)
    valid = ~np.isnan(values) & (codes >= 0)
    k = len(labels)
    g = codes[valid]
    w = design.weights[valid]
    yv = values[valid]
    totals_n = np.bincount(g, weights=w, minlength=k)
    totals_y = np.bincount(g, weights=w * yv, minlength=k)
    counts = np.bincount(g, minlength=k)
    convention = f"microdata; ranks = weighted ridits, most disadvantaged first; {model}: {MODELS[model]}"
    group_table = _group_table(labels, counts, totals_n, totals_y, scale, rule)

    reason = _not_given(counts, labels, rule)
    estimates = {m: np.nan for m in MICRODATA_MEASURES}
    ses = dict(estimates)
    if not reason:
        stats_, gradients = _statistics(totals_n, totals_y, model)
        scores = w[:, None] * (gradients["N"][:, g] + yv[None, :] * gradients["Y"][:, g]).T
        full = np.zeros((design.n_rows, scores.shape[1]))
        full[valid] = scores
        variance = np.diag(design.total_covariance(full))
        for j, name in enumerate(MICRODATA_MEASURES):
            estimates[name] = stats_[j]
            ses[name] = float(np.sqrt(variance[j]))
    frame = _measure_frame(estimates, ses, scale, settings.level, design.df, int(valid.sum()), k, convention, reason)
    return OrderedInequality(frame, group_table, model, convention)


def _values(design: SurveyDesign, y, kind: str, scale: float, model: str) -> np.ndarray:
    if isinstance(y, str):
        if y not in design.data.columns:
            raise InputError(f"{design.source}: indicator column '{y}' is not in the data.")
        y = design.data[y]
    values = pd.to_numeric(pd.Series(np.asarray(y)), errors="coerce").to_numpy(dtype=float)
    if len(values) != design.n_rows:
        raise ValueError("indicator values and design have different lengths")
    if kind not in ("proportion", "mean"):
        raise InputError(f"kind: '{kind}' is not known; expected proportion or mean.")
    if scale <= 0:
        raise InputError(f"scale: {scale}; expected a number above zero (100 for percentages).")
    seen = values[~np.isnan(values)]
    if kind == "proportion" and not np.isin(seen, (0.0, 1.0)).all():
        raise InputError(f"{design.source}: a proportion needs values 0 or 1 (or missing); "
                         "declare other codes as missing codes.")
    if model == "logistic" and ((seen < 0) | (seen > 1)).any():
        raise InputError(f"{design.source}: the logistic model needs values between 0 and 1; "
                         "use model 'linear' for other outcomes.")
    return values


def _group_codes(design: SurveyDesign, groups) -> tuple[np.ndarray, list[str]]:
    series = design.data[groups] if isinstance(groups, str) else pd.Series(groups)
    if isinstance(groups, str) and groups not in design.data.columns:
        raise InputError(f"{design.source}: circumstance column '{groups}' is not in the data.")
    if not isinstance(series.dtype, pd.CategoricalDtype):
        raise InputError(f"{design.source}: the ordered groups must be categorical, listed from the most "
                         "disadvantaged to the most advantaged.")
    if len(series) != design.n_rows:
        raise ValueError("groups and design have different lengths")
    return series.cat.codes.to_numpy().astype(np.int64), [str(c) for c in series.cat.categories]


def _not_given(counts: np.ndarray, labels: Sequence[str], rule: Suppression) -> str:
    """Why the measures are withheld ("" when they can be given); suppressed groups are named."""
    least = MEASURES["SII"].min_subgroups
    if counts.sum() < rule.min_n:
        return f"suppressed: fewer than {rule.min_n} unweighted cases in all"
    if len(counts) < least:
        return f"needs at least {least} ordered groups"
    small = [label for label, count in zip(labels, counts) if count < rule.min_n]
    if small:
        verb = "is" if len(small) == 1 else "are"
        return (f"n/a: {subgroups_in_words(small)} {verb} suppressed (fewer than {rule.min_n} unweighted cases), "
                "so the ends of the ordered groups cannot be compared")
    return ""


def _group_table(labels, counts, totals_n, totals_y, scale, rule) -> pd.DataFrame:
    population = totals_n.sum()
    flag = flag_counts(counts, rule)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(flag == FLAG_SUPPRESSED, np.nan, totals_y / totals_n * scale)
        share = totals_n / population if population > 0 else np.full(len(labels), np.nan)
    return pd.DataFrame({
        "subgroup": labels, "subgroup_order": np.arange(1, len(labels) + 1), "n": counts,
        "population": totals_n, "share": share, "rank": _ranks(totals_n), "estimate": mean, "flag": flag,
    })


def _ranks(totals_n: np.ndarray) -> np.ndarray:
    total = totals_n.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.cumsum(totals_n) - totals_n / 2) / total


def _rank_derivative(c: np.ndarray, totals_n: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """D(c)_j = sum_k c_k dr_k/dN_j = (sum_{k>j} c_k + c_j / 2 - sum_k c_k r_k) / N, for every j."""
    after = c.sum() - np.cumsum(c)
    return (after + c / 2 - (c * rank).sum()) / totals_n.sum()


def _statistics(totals_n: np.ndarray, totals_y: np.ndarray, model: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(ACI, RCI, SII, log RII or RII) on the 0-1 scale and their gradients (4 x K) in N_k and Y_k."""
    n_total, y_total = totals_n.sum(), totals_y.sum()
    rank = _ranks(totals_n)
    d = rank - 0.5
    sxy = (d * totals_y).sum()
    d_sxy = {"N": _rank_derivative(totals_y, totals_n, rank), "Y": d}
    aci = 2 * sxy / n_total
    rci = 2 * sxy / y_total
    grad = {
        "ACI": {"N": 2 * d_sxy["N"] / n_total - aci / n_total, "Y": 2 * d / n_total},
        "RCI": {"N": 2 * d_sxy["N"] / y_total, "Y": 2 * d / y_total - rci / y_total},
    }
    if model == "linear":
        sii, log_rii, grad["SII"], grad["RII"] = _linear_fit(totals_n, totals_y, rank, sxy, d_sxy)
    else:
        sii, log_rii, grad["SII"], grad["RII"] = _logistic_fit(totals_n, totals_y, rank)
    order = MICRODATA_MEASURES
    values = np.array([aci, rci, sii, log_rii])
    return values, {part: np.stack([grad[m][part] for m in order]) for part in ("N", "Y")}


def _linear_fit(totals_n, totals_y, rank, sxy, d_sxy):
    """Slope b of y on r by weighted least squares; fitted values mu -/+ b/2 at ranks 0 and 1."""
    d = rank - 0.5
    n_total = totals_n.sum()
    mu = totals_y.sum() / n_total
    sxx = (totals_n * d * d).sum()
    d_sxx_n = d * d + 2 * _rank_derivative(totals_n * d, totals_n, rank)
    slope = sxy / sxx
    d_slope = {"N": (d_sxy["N"] - slope * d_sxx_n) / sxx, "Y": d_sxy["Y"] / sxx}
    d_mu = {"N": np.full(len(totals_n), -mu / n_total), "Y": np.full(len(totals_n), 1 / n_total)}
    top, bottom = mu + slope / 2, mu - slope / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        log_rii = np.log(top / bottom) if top > 0 and bottom > 0 else np.nan
        d_log_rii = {p: (d_mu[p] + d_slope[p] / 2) / top - (d_mu[p] - d_slope[p] / 2) / bottom for p in ("N", "Y")}
    return slope, log_rii, d_slope, d_log_rii


def _logistic_fit(totals_n, totals_y, rank):
    """logit p(r) = b0 + b1 r fitted to the group totals (Newton's method); derivatives of SII and
    log RII through the estimating equations U = sum_k (Y_k - N_k p_k) (1, r_k) = 0."""
    proportion = totals_y / totals_n
    b = _newton(totals_n, proportion, rank)
    p = expit(b[0] + b[1] * rank)
    v = p * (1 - p)
    x = np.stack([np.ones_like(rank), rank])  # 2 x K
    information = (x * totals_n * v) @ x.T
    residual = totals_y - totals_n * p
    d_u_y = x
    d_u_n = (-p * x
             + np.stack([np.zeros_like(rank), _rank_derivative(residual, totals_n, rank)])
             - b[1] * np.stack([_rank_derivative(totals_n * v, totals_n, rank),
                                _rank_derivative(totals_n * v * rank, totals_n, rank)]))
    inverse = np.linalg.inv(information)
    d_b = {"N": inverse @ d_u_n, "Y": inverse @ d_u_y}
    p1, p0 = expit(b[0] + b[1]), expit(b[0])
    sii = p1 - p0
    d_sii = {k: p1 * (1 - p1) * (g[0] + g[1]) - p0 * (1 - p0) * g[0] for k, g in d_b.items()}
    d_log_rii = {k: (1 - p1) * (g[0] + g[1]) - (1 - p0) * g[0] for k, g in d_b.items()}
    return sii, float(np.log(p1 / p0)), d_sii, d_log_rii


def _newton(weight: np.ndarray, proportion: np.ndarray, x: np.ndarray) -> np.ndarray:
    start = (weight * proportion + 0.5) / (weight + 1)
    b = np.array([np.log(start.mean() / (1 - start.mean())), 0.0])
    design = np.stack([np.ones_like(x), x])
    for _ in range(_MAX_ITERATIONS):
        p = expit(b[0] + b[1] * x)
        information = (design * weight * p * (1 - p)) @ design.T
        step = np.linalg.solve(information, design @ (weight * (proportion - p)))
        b = b + step
        if np.abs(step).max() < _TOLERANCE * (1 + np.abs(b).max()):
            return b
    raise InputError("logistic model: did not converge; use model 'linear'.")


def _measure_frame(estimates, ses, scale, level, df, n, k, convention, reason) -> pd.DataFrame:
    t = t_quantile(level, df)
    rows = []
    for name in MICRODATA_MEASURES:
        est, se = estimates[name], ses[name]
        low, high = est - t * se, est + t * se
        note = ""
        if name in ("ACI", "SII"):
            est, se, low, high = est * scale, se * scale, low * scale, high * scale
        elif name == "RII":
            est, low, high = np.exp(est), np.exp(low), np.exp(high)
            note = "se is for log(RII)"
            if unstable_ratio(np.array([est]))[0]:
                note += f"; {unstable_ratio_note('SII')}"
        elif name == "RCI":
            note = "a fraction (HEAT shows it x100)"
        if reason or not np.isfinite(est):
            est = se = low = high = np.nan
            note = reason or ("no finite value: the fitted straight line is at or below 0 at one end; "
                             "the logistic model stays within 0-1")
        rows.append((name, est, se, low, high, n, k, convention, MEASURES[name].meaning, note))
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))


# --- every indicator by every ordered socio-economic circumstance of a round -------------------

def ranked_circumstances(data: RoundData) -> list[Circumstance]:
    """Ordered circumstances whose order runs from disadvantaged to advantaged: the socio-economic ones.

    An ordered age group has an order but no "disadvantaged end", so it gets no ranking.
    """
    return [c for c in data.analysis.circumstances if c.ordered and c.factor == "socioeconomic"]


def microdata_measures(
    data: RoundData,
    indicators: Sequence[str] | None = None,
    circumstances: Sequence[str] | None = None,
    model: Model | Literal["auto"] = "auto",
) -> pd.DataFrame:
    """ACI, RCI, SII and RII from microdata for each indicator x ranked circumstance of a round.

    `model="auto"` fits the logistic model to 0/1 indicators, so SII and RII stay within the
    possible range and compare with HEAT's, and the straight line to continuous ones.

    Columns: the HEAT Plus set keys (setting, date, source, indicator_abbr, dimension),
    dimension_id, then those of `OrderedInequality.to_frame()`.
    """
    a = data.analysis
    ranked = [c for c in ranked_circumstances(data) if circumstances is None or c.id in circumstances]
    rows = []
    for ind_id in indicators or [i.id for i in a.indicators]:
        ind = a.indicator(ind_id)
        file = data.for_indicator(ind_id)
        binary = ind.type == "binary"
        fit = model if model != "auto" else ("logistic" if binary else "linear")
        for circ in (c for c in ranked if file.held([c.id])):
            result = ordered_inequality(
                file.design, ind_id, circ.id, kind=ind.kind,
                scale=ind.scale if binary else 1, model=fit, settings=a.estimation)
            keys = dict(zip(GROUP_KEYS, (a.country.name, data.year, data.round.name, ind_id, circ.label)))
            rows.append(result.to_frame().assign(**keys, dimension_id=circ.id))
    columns = [*GROUP_KEYS, "dimension_id", *RESULT_COLUMNS]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)[columns]


__all__ = ["MICRODATA_MEASURES", "MODELS", "OrderedInequality", "microdata_measures", "ordered_inequality",
           "ranked_circumstances"]
