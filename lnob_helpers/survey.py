"""The estimation engine: design-based proportions and means, overall and by domain.

Every weighted estimate in the workbook comes from here, so that one method, agreeing
with R's `survey` package (Lumley), stands behind every number a country team quotes:

- with-replacement (ultimate cluster) design: weights, optional strata, optional PSUs
  nested in strata; no strata means one stratum, no PSU means each row is its own PSU;
- zero weights are kept in the design, as in R: such rows add nothing to any total or to
  the unweighted n (R's `unwtd.count`), but their PSUs still count for the variance; the
  degrees of freedom are R's `degf()`: PSUs minus strata, counting only PSUs (and strata)
  with some weight;
- domains are subpopulations of the full design: rows outside a domain, outside the
  reference population or missing the indicator contribute zero to the linearised
  variable, but every PSU of the design still counts;
- standard errors by Taylor linearisation of the ratio estimator: PSU totals are centred
  within each stratum and scaled by n_h / (n_h - 1);
- a stratum with a single PSU ("lonely PSU") follows a stated rule: `adjust` centres that
  PSU at the grand mean of all PSU totals (R's survey.lonely.psu = "adjust"), `certainty`
  and `remove` give it no variance (the same thing for a one-stage design, as in R),
  `fail` stops with the names of the strata;
- confidence intervals use t with the design's degrees of freedom (PSUs minus strata of
  the whole design); proportions use the logit interval, means the symmetric one.

Tables are computed with `numpy.bincount` over domain x PSU cells, with no Python loop
over groups. Every function returns an `Estimates` object: like a statsmodels results
object it keeps the estimates, SEs and degrees of freedom and computes the intervals at
the level of the analysis's `EstimationSettings`; suppression (`lnob_helpers.privacy`) is
applied before any value leaves it.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from .config import EstimationSettings, LonelyRule
from .errors import InputError
from .privacy import FLAG_SUPPRESSED, flag_counts

Kind = Literal["proportion", "mean"]
CI_COLUMNS = ("ci_lb", "ci_ub")  # the HEAT Plus names, used for every interval in the workbook
RESULT_COLUMNS = ["estimate", "se", *CI_COLUMNS, "n", "population", "share", "flag"]
TABLE_COLUMN = "__table__"  # in stacked results: which of the requested tables a row belongs to


@dataclass(frozen=True)
class PsuLayout:
    """The PSUs of a design, numbered stratum by stratum, and how each enters the variance.

    The one place strata and lonely PSUs are handled: the in-memory design and the
    streaming engine (`lnob_helpers.table_sums`) both centre their PSU totals here.
    """

    psu_stratum: np.ndarray = field(repr=False)   # PSU -> stratum code 0..H-1, sorted
    psu_scale: np.ndarray = field(repr=False)     # PSU -> n_h / (n_h - 1), 0 for lonely
    psu_lonely: np.ndarray = field(repr=False)    # PSU -> alone in its stratum
    n_strata: int
    n_psu: int
    lonely_psu: LonelyRule

    @classmethod
    def build(cls, psu_stratum: np.ndarray, n_strata: int, lonely_psu: LonelyRule) -> "PsuLayout":
        """The layout of PSUs whose strata are `psu_stratum` (sorted); the caller refuses 'fail'."""
        n_h = np.bincount(psu_stratum, minlength=n_strata)
        lonely = n_h[psu_stratum] == 1
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(lonely, 0.0, n_h[psu_stratum] / (n_h[psu_stratum] - 1.0))
        return cls(psu_stratum, scale, lonely, n_strata, len(psu_stratum), lonely_psu)

    def centred(self, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """PSU totals (K x k) centred within strata, with the scale each PSU's square gets."""
        # PSU codes are sorted by stratum, so stratum sums are contiguous slices.
        n_h = np.bincount(self.psu_stratum, minlength=self.n_strata)
        starts = np.concatenate(([0], np.cumsum(n_h)[:-1]))
        S = np.add.reduceat(T, starts, axis=0)
        D = T - (S / n_h[:, None])[self.psu_stratum]
        scale = self.psu_scale
        if self.psu_lonely.any() and self.lonely_psu == "adjust":
            D[self.psu_lonely] = T[self.psu_lonely] - T.sum(axis=0) / self.n_psu
            scale = np.where(self.psu_lonely, 1.0, scale)
        # certainty / remove: lonely PSUs keep scale 0 and add nothing
        return D, scale

    def variance(self, T: np.ndarray) -> np.ndarray:
        """The variance of each column total of the PSU totals `T` (K x k)."""
        D, scale = self.centred(T)
        return (scale[:, None] * D * D).sum(axis=0)


def lonely_fail_message(source: str, names: Sequence[str], strata: str | None) -> str:
    """Why a design with lonely PSUs is refused under the rule 'fail'."""
    return (f"{source}: stratum {', '.join(names)} of column '{strata}' has only one PSU, and the "
            "lonely-PSU rule is 'fail'; choose adjust, certainty or remove, or merge strata.")


@dataclass(frozen=True)
class SurveyDesign:
    """A sample design over a data frame; build it with `SurveyDesign.from_frame`.

    Holds integer codes rather than the original columns, so every estimate reuses
    the same PSU and stratum bookkeeping.
    """

    data: pd.DataFrame = field(repr=False)
    weights: np.ndarray = field(repr=False)
    psu: np.ndarray = field(repr=False)           # row -> PSU code 0..K-1 (nested in strata)
    psu_stratum: np.ndarray = field(repr=False)   # PSU -> stratum code 0..H-1
    psu_scale: np.ndarray = field(repr=False)     # PSU -> n_h / (n_h - 1), 0 for lonely
    psu_lonely: np.ndarray = field(repr=False)    # PSU -> alone in its stratum
    n_strata: int
    n_psu: int
    lonely_psu: LonelyRule
    source: str = "data"
    _domains: dict = field(default_factory=dict, repr=False, compare=False)  # by -> (codes, cells)

    @functools.cached_property
    def df(self) -> int:
        """Design degrees of freedom, as R's `degf()`: weighted PSUs minus their strata.

        Without zero weights this is all PSUs minus all strata of the whole design; it is
        also the df of every domain, as `svyby` uses it.
        """
        weighted = np.bincount(self.psu, weights=self.weights, minlength=self.n_psu) > 0
        return int(weighted.sum() - np.unique(self.psu_stratum[weighted]).size)

    @property
    def n_rows(self) -> int:
        return len(self.weights)

    def domains(self, by: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
        """Domain codes and cell labels of `by`, computed once per design."""
        key = tuple(by)
        if key not in self._domains:
            self._domains[key] = domain_codes(self.data, key)
        return self._domains[key]

    @classmethod
    def from_frame(
        cls,
        data: pd.DataFrame,
        weight: str,
        strata: str | None = None,
        psu: str | None = None,
        lonely_psu: LonelyRule = "adjust",
        source: str = "data",
    ) -> "SurveyDesign":
        """Check the design columns and encode them; `source` names the file in messages."""
        if lonely_psu not in ("adjust", "certainty", "remove", "fail"):
            raise InputError(
                f"{source}: lonely_psu '{lonely_psu}' is not a known rule; "
                "expected adjust, certainty, remove or fail."
            )
        for role, col in (("weight", weight), ("strata", strata), ("PSU", psu)):
            if col is not None and col not in data.columns:
                raise InputError(f"{source}: the {role} column '{col}' is not in the data.")
        if len(data) == 0:
            raise InputError(f"{source}: the data have no rows.")
        w = check_weights(data[weight], weight, source)

        h_codes, n_strata = _codes(data[strata], strata, source) if strata else (
            np.zeros(len(data), dtype=np.int64), 1)
        if psu:
            p_raw, _ = _codes(data[psu], psu, source)
            # PSUs are nested in strata: the same PSU label in two strata is two PSUs.
            p_codes = np.unique(h_codes * (p_raw.max() + 1) + p_raw, return_inverse=True)[1]
        else:
            # each row its own PSU, numbered stratum by stratum
            p_codes = np.empty(len(data), dtype=np.int64)
            p_codes[np.argsort(h_codes, kind="stable")] = np.arange(len(data))
        n_psu = int(p_codes.max()) + 1
        psu_stratum = np.zeros(n_psu, dtype=np.int64)
        psu_stratum[p_codes] = h_codes
        layout = PsuLayout.build(psu_stratum, n_strata, lonely_psu)
        if layout.psu_lonely.any() and lonely_psu == "fail":
            labels = data[strata].to_numpy() if strata else np.array(["(single stratum)"] * len(data))
            names = sorted({str(labels[i]) for i in np.flatnonzero(layout.psu_lonely[p_codes])})
            raise InputError(lonely_fail_message(source, names, strata))
        return cls(
            data=data, weights=w, psu=p_codes, psu_stratum=psu_stratum, psu_scale=layout.psu_scale,
            psu_lonely=layout.psu_lonely, n_strata=n_strata, n_psu=n_psu, lonely_psu=lonely_psu, source=source,
        )

    @functools.cached_property
    def layout(self) -> "PsuLayout":
        return PsuLayout(self.psu_stratum, self.psu_scale, self.psu_lonely, self.n_strata, self.n_psu,
                         self.lonely_psu)

    def _centred_psu_totals(self, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.layout.centred(T)

    def _psu_variance(self, T: np.ndarray) -> np.ndarray:
        return self.layout.variance(T)

    def total_covariance(self, scores: np.ndarray) -> np.ndarray:
        """Design-based covariance matrix of the column totals of `scores` (n rows x k).

        The building block for linearised variances of any smooth statistic: pass its
        influence (score) values per row, zero outside the domain.
        """
        Z = np.asarray(scores, dtype=float)
        Z = Z[:, None] if Z.ndim == 1 else Z
        T = np.stack([np.bincount(self.psu, weights=Z[:, j], minlength=self.n_psu)
                      for j in range(Z.shape[1])], axis=1)
        D, scale = self._centred_psu_totals(T)
        return D.T @ (scale[:, None] * D)

    # -- the core: one indicator over many sets of domains, in one pass -----------------------
    def _domain_totals(self, y: np.ndarray, code_sets: Sequence[np.ndarray], sizes: Sequence[int]) -> dict[str, np.ndarray]:
        """Ratio estimates and linearised variances for every domain of every set.

        Set i labels each row with a domain 0..sizes[i]-1, or -1 outside every domain of the
        set; domains of one set are disjoint, sets may overlap. Domains are numbered
        consecutively across sets into one PSU x domain matrix, so the variance step runs
        once for a whole disaggregation table. `y` holds NaN outside the reference
        population or missing.
        """
        n_groups = int(sum(sizes))
        W, Y, R, n = np.zeros(n_groups), np.zeros(n_groups), np.zeros(n_groups), np.zeros(n_groups)
        T = np.zeros((self.n_psu, n_groups))
        observed = ~np.isnan(y)
        start = 0
        for codes, size in zip(code_sets, sizes):
            rows = np.flatnonzero(observed & (codes >= 0))
            g = codes[rows]
            wv = self.weights[rows]
            yv = y[rows]
            part = slice(start, start + size)
            W[part] = np.bincount(g, weights=wv, minlength=size)
            Y[part] = np.bincount(g, weights=wv * yv, minlength=size)
            n[part] = np.bincount(g, weights=wv > 0, minlength=size)
            with np.errstate(divide="ignore", invalid="ignore"):
                R[part] = Y[part] / W[part]
                z = wv * (yv - R[part][g]) / W[part][g]
            # PSU x domain totals of the linearised variable.
            T[:, part] = np.bincount(self.psu[rows] * size + g, weights=z,
                                     minlength=self.n_psu * size).reshape(self.n_psu, size)
            start += size
        var = np.where(W > 0, self._psu_variance(T), np.nan)
        return {"estimate": R, "var": var, "n": n, "population": W}


WEIGHT_FAULTS = ("missing or not a number", "infinite", "negative")


def check_weights(col: pd.Series, name: str, source: str) -> np.ndarray:
    """The weights as floats, refusing missing, infinite and negative ones and all zeros.

    Zero is a weight (R's `survey` keeps such rows); rows are numbered by an integer index,
    so rows dropped before (outside a file's universe) do not shift the numbers.
    """
    w = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    numbers = col.index.to_numpy() if pd.api.types.is_integer_dtype(col.index) else np.arange(len(w))
    problem = weight_problem(weight_faults(w, numbers), name, source, len(w), bool((w > 0).any()))
    if problem:
        raise InputError(problem)
    return w


def weight_faults(w: np.ndarray, numbers: np.ndarray) -> dict[str, tuple[int, list[int]]]:
    """Per kind of bad weight (`WEIGHT_FAULTS`): how many rows, and the numbers (from 0) of the first five.

    Counts and first rows of consecutive parts of a file add up, so a file read in chunks
    gets the same message as one read whole.
    """
    faults = {}
    for bad, what in zip((np.isnan(w), np.isinf(w), w < 0), WEIGHT_FAULTS):
        if bad.any():
            faults[what] = (int(bad.sum()), [int(i) for i in numbers[bad][:5]])
    return faults


def weight_problem(faults: Mapping[str, tuple[int, Sequence[int]]], name: str, source: str, n_rows: int,
                   any_positive: bool) -> str | None:
    """The sentence saying what is wrong with a weight column, or None when nothing is."""
    problems = []
    for what in WEIGHT_FAULTS:
        if what in faults:
            count, first = faults[what]
            rows = ", ".join(str(i + 1) for i in list(first)[:5])
            more = "" if count <= 5 else f" and {count - 5} more"
            problems.append(f"{count} row(s) ({rows}{more}) are {what}")
    if problems:
        return (f"{source}: weight column '{name}' must be positive and finite, or zero, but "
                + "; ".join(problems) + " (row numbers count data rows from 1).")
    if not any_positive:
        return f"{source}: weight column '{name}' is zero on all {n_rows} rows, so nothing can be estimated."
    return None


def missing_design_message(source: str, name: str, count: int) -> str:
    """Why a stratum or PSU column with missing values is refused."""
    return (f"{source}: design column '{name}' has {count} missing value(s); "
            "every row needs its stratum and PSU.")


def _codes(col: pd.Series, name: str, source: str) -> tuple[np.ndarray, int]:
    if col.isna().any():
        raise InputError(missing_design_message(source, name, int(col.isna().sum())))
    codes, uniques = pd.factorize(col, sort=True)
    return codes.astype(np.int64), len(uniques)


# --- domains -------------------------------------------------------------------------------

def domain_codes(data: pd.DataFrame, by: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Cross-classify `by` columns: a code per row (-1 if any is missing) and the cell labels.

    Categorical columns keep their declared categories and order, so empty cells still
    appear (as suppressed rows) instead of silently vanishing.
    """
    codes = np.zeros(len(data), dtype=np.int64)
    levels: list[list] = []
    for col in by:
        if col not in data.columns:
            raise InputError(f"domain column '{col}' is not in the data.")
        s = data[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            c = s.cat.codes.to_numpy().astype(np.int64)
            cats = list(s.cat.categories)
        else:
            c, cats = pd.factorize(s, sort=True)
            c = c.astype(np.int64)
            cats = list(cats)
        k = max(len(cats), 1)
        codes = np.where((codes < 0) | (c < 0), -1, codes * k + c)
        levels.append(cats)
    cells = pd.DataFrame(list(itertools.product(*levels)), columns=list(by)) if by else pd.DataFrame(index=[0])
    for col, cats in zip(by, levels):
        src = data[col]
        if isinstance(src.dtype, pd.CategoricalDtype):
            cells[col] = pd.Categorical(cells[col], categories=src.cat.categories, ordered=src.cat.ordered)
    return codes, cells


def _as_values(design: SurveyDesign, y: str | np.ndarray | pd.Series) -> np.ndarray:
    if isinstance(y, str):
        if y not in design.data.columns:
            raise InputError(f"{design.source}: indicator column '{y}' is not in the data.")
        y = design.data[y]
    if isinstance(y, (pd.Series, np.ndarray)) and np.asarray(y).dtype.kind == "f":
        arr = np.asarray(y, dtype=float)
    else:
        arr = pd.to_numeric(pd.Series(np.asarray(y)), errors="coerce").to_numpy(dtype=float)
    if len(arr) != design.n_rows:
        raise ValueError("indicator values and design have different lengths")
    return arr


@functools.lru_cache(maxsize=64)
def t_quantile(level: float, df: float) -> float:
    """The two-sided Student t multiplier for a `level` interval (NaN without degrees of freedom).

    `scipy.special.stdtrit` gives the same numbers as `scipy.stats.t.ppf` without importing
    scipy.stats, which costs every app kernel about 45 MB.
    """
    return float(stdtrit(df, 0.5 + level / 2.0)) if df > 0 else np.nan


def intervals(est: np.ndarray, se: np.ndarray, kind: Kind, level: float, df: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds at `level`: logit for proportions, symmetric t for means.

    An estimate of exactly 0 or 1 has no logit interval; it gets [est, est] and the flag
    of its table says so.
    """
    t = t_quantile(level, df)
    est, se = np.asarray(est, dtype=float), np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "proportion":
            inner = (est > 0) & (est < 1)
            logit = np.log(est / (1 - est))
            half = t * se / (est * (1 - est))
            lo = np.where(inner, 1 / (1 + np.exp(-(logit - half))), est)
            hi = np.where(inner, 1 / (1 + np.exp(-(logit + half))), est)
        else:
            lo, hi = est - t * se, est + t * se
    return lo, hi


@dataclass(frozen=True)
class Estimates:
    """Domain estimates with what their intervals need: SEs, degrees of freedom, settings.

    Suppressed domains already carry no estimate or SE. `conf_int()` computes intervals at
    the bound level (or another one); `to_frame()` gives the table every caller shows.

    Attributes
    ----------
    domains : DataFrame
        One row per domain: its circumstance columns (and `TABLE_COLUMN` when stacked, or
        `domain` for named masks).
    estimate, se, n, population, share, flag : ndarray
        Aligned with `domains`.
    kind : {"proportion", "mean"}
    df : int
        Design degrees of freedom (PSUs minus strata).
    settings : EstimationSettings
    """

    domains: pd.DataFrame
    estimate: np.ndarray
    se: np.ndarray
    n: np.ndarray
    population: np.ndarray
    share: np.ndarray
    flag: np.ndarray
    kind: Kind
    df: int
    settings: EstimationSettings

    def __len__(self) -> int:
        return len(self.estimate)

    def conf_int(self, level: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds at `level` (the bound `settings.level` when None)."""
        return intervals(self.estimate, self.se, self.kind, level or self.settings.level, self.df)

    def to_frame(self, level: float | None = None) -> pd.DataFrame:
        """Domain columns, then estimate, se, ci_lb, ci_ub, n, population, share and flag."""
        lo, hi = self.conf_int(level)
        values = {"estimate": self.estimate, "se": self.se, "ci_lb": lo, "ci_ub": hi, "n": self.n,
                  "population": self.population, "share": self.share, "flag": self.flag}
        columns = {c: self.domains[c].array for c in self.domains.columns}
        columns.update(values)
        return pd.DataFrame(columns, index=pd.RangeIndex(len(self.estimate)))


def estimate(
    design: SurveyDesign,
    y: str | np.ndarray | pd.Series,
    by: Sequence[str] | None = None,
    *,
    kind: Kind = "proportion",
    settings: EstimationSettings | None = None,
) -> Estimates:
    """Weighted proportion or mean of `y`, overall (`by=None`) or for every cell of `by`.

    Parameters
    ----------
    design : SurveyDesign
        The sample design, from `SurveyDesign.from_frame`.
    y : str or array
        A column of the design's data, or values aligned with its rows; NaN marks rows
        outside the reference population or missing. A proportion needs 0/1 values.
    by : list of str, optional
        Categorical columns to cross-classify; every cell is a domain (subpopulation).
    kind : {"proportion", "mean"}
    settings : EstimationSettings, optional
        Interval level and suppression rule (an analysis's `estimation`); defaults when None.

    Returns
    -------
    Estimates
        One row per cell, with n (unweighted), population (sum of weights) and share (of
        the table's population); suppressed cells carry no estimate.

    Examples
    --------
    >>> estimate(design, "HI_CHOL", ["race"], settings=analysis.estimation).to_frame()
    """
    return _estimate_stack(design, y, [by or []], kind, settings, with_table=False)


def estimate_tables(
    design: SurveyDesign,
    y: str | np.ndarray | pd.Series,
    bys: Sequence[Sequence[str]],
    *,
    kind: Kind = "proportion",
    settings: EstimationSettings | None = None,
) -> Estimates:
    """`estimate` for several `by` lists at once ([] is the overall value), stacked.

    One pass over the rows serves a whole disaggregation (dozens of one- and two-way
    tables per indicator), several times faster than separate calls.

    Parameters
    ----------
    design, y, kind, settings
        As for `estimate`.
    bys : list of list of str
        The tables to compute; `[]` is the overall value.

    Returns
    -------
    Estimates
        Its `domains` hold `TABLE_COLUMN` (each row's position in `bys`) and the union of
        all `by` columns, missing where a table does not use them; `share` is within each
        table.

    Examples
    --------
    >>> estimate_tables(design, "y", [[], ["sex"], ["sex", "area"]]).to_frame()
    """
    return _estimate_stack(design, y, bys, kind, settings, with_table=True)


def _estimate_stack(design, y, bys, kind, settings, *, with_table: bool) -> Estimates:
    values = _proportion_checked(design, _as_values(design, y), kind)
    code_sets, cells_list = [], []
    for by in bys:
        if by:
            codes, cells = design.domains(list(by))
        else:
            codes, cells = np.zeros(design.n_rows, dtype=np.int64), pd.DataFrame(index=[0])
        code_sets.append(codes)
        cells_list.append(cells)
    totals = design._domain_totals(values, code_sets, [len(c) for c in cells_list])
    return stacked_estimates(totals, cells_list, kind, settings, design.df, with_table=with_table)


def stacked_estimates(totals: Mapping[str, np.ndarray], cells_list: Sequence[pd.DataFrame], kind: Kind,
                      settings: EstimationSettings | None, df: int, *, with_table: bool = True) -> Estimates:
    """Stacked tables from their domain totals (estimate, var, n, population; table after table).

    The in-memory engine and the streaming engine (`lnob_helpers.table_sums`) both end here,
    so suppression, flags, intervals and shares are made in one place.
    """
    sizes = np.array([len(c) for c in cells_list], dtype=np.int64)
    table_of_row = np.repeat(np.arange(len(cells_list)), sizes)
    domains = {TABLE_COLUMN: table_of_row} if with_table else {}
    domains.update(_stacked_domain_columns(cells_list, sizes))
    result = _estimates(totals, kind, settings, pd.DataFrame(domains, index=pd.RangeIndex(int(sizes.sum()))), df)
    by_table = np.bincount(table_of_row, weights=result.population, minlength=len(cells_list))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(by_table[table_of_row] > 0, result.population / by_table[table_of_row], np.nan)
    return replace(result, share=share)


def _stacked_domain_columns(cells_list: Sequence[pd.DataFrame], sizes: np.ndarray) -> dict[str, object]:
    """The domain columns of stacked tables; categorical columns stay categorical."""
    names = list(dict.fromkeys(c for cells in cells_list for c in cells.columns))
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    out: dict[str, object] = {}
    for name in names:
        pieces = [(start, cells[name]) for cells, start in zip(cells_list, starts) if name in cells.columns]
        if len(pieces) == 1 and len(pieces[0][1]) == sizes.sum():
            out[name] = pieces[0][1].array
            continue
        first = pieces[0][1]
        if isinstance(first.dtype, pd.CategoricalDtype) and all(p.dtype == first.dtype for _, p in pieces):
            codes = np.full(int(sizes.sum()), -1, dtype=np.int64)
            for start, piece in pieces:
                codes[start:start + len(piece)] = piece.cat.codes.to_numpy()
            out[name] = pd.Categorical.from_codes(codes, dtype=first.dtype)
        else:
            values = np.full(int(sizes.sum()), None, dtype=object)
            for start, piece in pieces:
                values[start:start + len(piece)] = piece.to_numpy(dtype=object)
            out[name] = values
    return out


def estimate_domains(
    design: SurveyDesign,
    y: str | np.ndarray | pd.Series,
    domains: Mapping[str, np.ndarray],
    *,
    kind: Kind = "proportion",
    settings: EstimationSettings | None = None,
) -> Estimates:
    """Like `estimate`, for named, possibly overlapping domains given as boolean masks.

    Used for tree nodes, whose groups are unions of categories across circumstances.

    Parameters
    ----------
    design, y, kind, settings
        As for `estimate`.
    domains : mapping of name to boolean mask
        Each mask is aligned with the design's rows.

    Returns
    -------
    Estimates
        Its `domains` hold a `domain` column with the names; shares are relative to the
        whole reference population.

    Examples
    --------
    >>> estimate_domains(design, "y", {"rural poor": mask}).to_frame()
    """
    values = _proportion_checked(design, _as_values(design, y), kind)
    code_sets = [np.where(np.asarray(mask, dtype=bool), 0, -1) for mask in domains.values()]
    result = _results(design, values, code_sets, [1] * len(code_sets), kind, settings,
                      pd.DataFrame({"domain": list(domains)}, index=pd.RangeIndex(len(code_sets))))
    total = np.nansum(np.where(np.isnan(values), 0.0, design.weights))
    share = result.population / total if total > 0 else np.full(len(code_sets), np.nan)
    return replace(result, share=share)


def _proportion_checked(design: SurveyDesign, values: np.ndarray, kind: Kind) -> np.ndarray:
    """`values`, after checking that a proportion's indicator holds only 0, 1 or missing."""
    if kind == "proportion":
        check_proportion(values, design.source)
    return values


def check_proportion(values: np.ndarray, source: str) -> None:
    """Refuse a proportion's indicator values other than 0, 1 or missing (NaN)."""
    seen = values[~np.isnan(values)]
    binary = (seen == 0.0) | (seen == 1.0)
    if not binary.all():
        odd = np.unique(seen[~binary])[:5]
        raise InputError(
            f"{source}: a proportion needs values 0 or 1 (or missing), but the indicator "
            f"also holds {', '.join(f'{v:g}' for v in odd)}; declare those as missing codes."
        )


def _results(design, values, code_sets, sizes, kind, settings, domains) -> Estimates:
    return _estimates(design._domain_totals(values, code_sets, sizes), kind, settings, domains, design.df)


def _estimates(res: Mapping[str, np.ndarray], kind: Kind, settings: EstimationSettings | None,
               domains: pd.DataFrame, df: int) -> Estimates:
    """Estimates, SEs, counts and flags of every domain, suppression applied."""
    settings = settings or EstimationSettings()
    se = np.sqrt(res["var"])
    flag = flag_counts(res["n"], settings.suppression)
    hidden = flag == FLAG_SUPPRESSED
    return Estimates(
        domains=domains,
        estimate=np.where(hidden, np.nan, res["estimate"]),
        se=np.where(hidden, np.nan, se),
        n=res["n"].astype(np.int64),
        population=res["population"],
        share=np.full(len(se), np.nan),
        flag=flag,
        kind=kind,
        df=df,
        settings=settings,
    )
