"""Trends across survey rounds: who is catching up, and who is on track for 2030.

The guide's Step 4 asks country teams to report the rate of change of the initially
worst-off groups against the average, to project trajectories to 2030 and to check whether
faster progress for the furthest behind will close the gap (its Figure 7). This module does
that from a tidy table of estimates by round, the format of the estimation engine:
indicator, dimension, subgroup, year, estimate, [se], n, flag, with the national value as
dimension "national".

Definitions (t0 = first round of the indicator, t1 = latest round, T = target year):

* change = x_t1 - x_t0; annual change = change / (t1 - t0) (points per year);
* AARC, average annual rate of change = (x_t1 / x_t0) ** (1 / (t1 - t0)) - 1, defined only
  when both values are positive. For an adverse indicator (mortality, stunting) a negative
  AARC is progress;
* gap = group - national, ratio = group / national, each at t0 and t1, and their change;
* linear projection = x_t1 + annual change x (T - t1); AARC projection =
  x_t1 x (1 + AARC) ** (T - t1); each assumes the pace of t0..t1 simply continues;
* required annual change = (target - x_t1) / (T - t1); required AARC =
  (target / x_t1) ** (1 / (T - t1)) - 1;
* status: "target met" when x_t1 already meets the target, else "on track" when the chosen
  projection meets it by T, else "off track"; "insufficient data" when a value is missing.

The worst-off group of each indicator x dimension has the worst baseline value. The best-off
group, the reference of a disparity-ratio target and of the charts, is the one with the best
baseline value among the groups that could be published without caution in both rounds: at
least `caution_n` unweighted cases (the analysis' small-cell rule), an estimate, and not
flagged "no variation" (heat_reference). `reference_note` says so in words, naming any
better-placed group passed over, or says that no group qualifies.

Only the first and the latest round enter the rates; intermediate rounds are kept for the
chart. A suppressed estimate (flag "suppressed") is treated as missing even if a number was
left in the table, and everything computed from it stays missing: nothing is imputed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..config import Suppression
from ..errors import InputError
from ..privacy import FLAG_SUPPRESSED
from .heat_reference import reference_standing
from .income import require_columns

NATIONAL = "national"
Direction = Literal["favourable", "adverse"]
KEYS = ["indicator", "dimension", "subgroup"]
COLUMNS = [
    *KEYS, "direction", "baseline_year", "baseline", "flag_baseline", "latest_year", "latest", "flag_latest",
    "change", "annual_change", "aarc", "national_baseline", "national_latest", "national_annual_change",
    "national_aarc", "gap_baseline", "gap_latest", "gap_change", "ratio_baseline", "ratio_latest",
    "ratio_change", "faster_than_national", "convergence", "worst_off", "best_off", "reference_note", "target_year",
    "projection_linear", "projection_aarc", "projection_assumption", "target", "required_annual_change",
    "required_aarc", "status",
]


@dataclass(frozen=True)
class TrendResult:
    """One row per indicator x dimension x subgroup, plus the cleaned rounds behind it."""

    table: pd.DataFrame
    rounds: pd.DataFrame
    target_year: int
    on_track_by: str
    bounds: tuple[float, float] | None = None

    def to_frame(self) -> pd.DataFrame:
        """The per-group trend table (aggregates only)."""
        return self.table.copy()

    def worst_off(self) -> pd.DataFrame:
        """The group with the worst baseline in each indicator x dimension."""
        return self.table[self.table["worst_off"]].reset_index(drop=True)


def _direction_of(indicators: pd.Series, direction: Direction | Mapping[str, Direction]) -> pd.Series:
    mapping = direction if isinstance(direction, Mapping) else {i: direction for i in indicators.unique()}
    bad = sorted({str(v) for v in mapping.values()} - {"favourable", "adverse"})
    missing = sorted(set(indicators.unique()) - set(mapping))
    if bad or missing:
        raise InputError("direction: " + (f"{', '.join(bad)} not understood" if bad else
                                          f"no entry for {', '.join(missing)}")
                         + "; expected 'favourable' or 'adverse' for every indicator.")
    return indicators.map(mapping)


def clean_rounds(estimates: pd.DataFrame) -> pd.DataFrame:
    """Checked copy of the input: numeric year and estimate, suppressed values set to missing."""
    require_columns(estimates, [*KEYS, "year", "estimate"])
    if estimates.empty:
        raise InputError("estimates: no rows; expected estimates for at least two rounds.")
    rounds = estimates.copy()
    rounds["flag"] = rounds["flag"].fillna("").astype("str") if "flag" in rounds else ""
    year = pd.to_numeric(rounds["year"], errors="coerce")
    if year.isna().any() or (year != year.round()).any():
        raise InputError("column `year`: every row needs a whole-number year, e.g. 2019.")
    estimate = pd.to_numeric(rounds["estimate"], errors="coerce")
    if int(rounds["estimate"].notna().sum()) != int(estimate.notna().sum()):
        raise InputError("column `estimate`: holds text; expected numbers (empty where suppressed).")
    rounds["year"] = year.astype(int)
    rounds["estimate"] = estimate.where(rounds["flag"] != FLAG_SUPPRESSED)
    repeated = rounds.duplicated([*KEYS, "year"])
    if repeated.any():
        first = rounds.loc[repeated, [*KEYS, "year"]].iloc[0]
        raise InputError(f"estimates: {int(repeated.sum())} rows repeat an earlier row's indicator, dimension, "
                         f"subgroup and year (first: {', '.join(map(str, first))}); expected one row each.")
    return rounds


def rounds_from_heat(heat: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Direction]]:
    """Step 1 tables (HEAT Plus columns, rounds stacked) as trend input, with each indicator's direction.

    The dimension is the stable `dimension_id` when present; the national rows become
    dimension "national" whatever their label.
    """
    require_columns(heat, ["indicator_abbr", "dimension", "subgroup", "date", "estimate"])
    dimension = (heat["dimension_id"] if "dimension_id" in heat.columns else heat["dimension"]).astype("str")
    rounds = pd.DataFrame({
        "indicator": heat["indicator_abbr"], "subgroup": heat["subgroup"], "year": heat["date"],
        "dimension": dimension.where(dimension.str.lower() != NATIONAL, NATIONAL), "estimate": heat["estimate"],
        "n": heat["n"] if "n" in heat.columns else np.nan,
        "flag": heat["flag"] if "flag" in heat.columns else "",
    })
    direction: dict[str, Direction] = {}
    if "favourable_indicator" in heat.columns:
        favourable = heat.drop_duplicates("indicator_abbr").set_index("indicator_abbr")["favourable_indicator"]
        direction = {str(k): "favourable" if int(v) == 1 else "adverse" for k, v in favourable.items()}
    return rounds, direction


def trends(
    estimates: pd.DataFrame,
    direction: Direction | Mapping[str, Direction] = "favourable",
    targets: Mapping[str, float] | None = None,
    target_year: int = 2030,
    on_track_by: Literal["aarc", "linear"] = "aarc",
    bounds: tuple[float, float] | None = None,
    suppression: Suppression = Suppression(),
) -> TrendResult:
    """Change, AARC, gaps, convergence, 2030 projections and on-track status per group.

    `direction` says whether higher values are better ("favourable") or worse ("adverse"),
    for all indicators or per indicator. `targets` maps an indicator to the value every
    group should reach by `target_year`. `bounds` (e.g. (0, 100)) clips projections to the
    possible range of the indicator. `suppression` is the analysis' small-cell rule: the
    best-off group needs `caution_n` unweighted cases (column `n`) in both rounds.
    """
    if on_track_by not in ("aarc", "linear"):
        raise InputError(f"on_track_by: '{on_track_by}' not known; expected 'aarc' or 'linear'.")
    rounds = clean_rounds(estimates)
    targets = dict(targets or {})
    unknown = sorted(set(targets) - set(rounds["indicator"]))
    if unknown:
        raise InputError(f"targets: {', '.join(unknown)} not among the indicators in the estimates.")
    span = rounds.groupby("indicator")["year"].agg(baseline_year="min", latest_year="max")
    single = span.index[span["baseline_year"] == span["latest_year"]].tolist()
    if single:
        raise InputError(f"estimates: indicator(s) {', '.join(single)} have a single round; "
                         "expected two or more years.")
    late = span.index[span["latest_year"] > target_year].tolist()
    if late:
        raise InputError(f"target_year: {target_year} is before the latest round of {', '.join(late)}.")
    no_national = sorted(set(rounds["indicator"]) - set(rounds.loc[rounds["dimension"] == NATIONAL, "indicator"]))
    if no_national:
        raise InputError(f"estimates: indicator(s) {', '.join(no_national)} have no row with dimension "
                         f"'{NATIONAL}'; expected the national value in each round.")
    national_labels = rounds[rounds["dimension"] == NATIONAL].groupby("indicator")["subgroup"].nunique()
    if (national_labels > 1).any():
        raise InputError(f"estimates: indicator(s) {', '.join(national_labels.index[national_labels > 1])} have "
                         f"several subgroups under dimension '{NATIONAL}'; expected one national value per round.")

    table = _endpoints(rounds, span)
    table["direction"] = _direction_of(table["indicator"], direction)
    table = _rates(table)
    table = _compare_with_national(table)
    table = _mark_extremes(table, suppression, "n" in rounds.columns)
    table = _project(table, target_year, bounds)
    table = _status(table, targets, on_track_by)
    return TrendResult(table[COLUMNS], rounds, target_year, on_track_by, bounds)


def _endpoints(rounds: pd.DataFrame, span: pd.DataFrame) -> pd.DataFrame:
    groups = rounds[KEYS].drop_duplicates().merge(span, left_on="indicator", right_index=True)
    values = rounds[[*KEYS, "year", "estimate", "flag", *(["n"] if "n" in rounds.columns else [])]]
    for end in ("baseline", "latest"):
        groups = groups.merge(
            values.rename(columns={"year": f"{end}_year", "estimate": end, "flag": f"flag_{end}", "n": f"n_{end}"}),
            on=[*KEYS, f"{end}_year"], how="left")
    return groups.assign(flag_baseline=groups["flag_baseline"].fillna("missing"),
                         flag_latest=groups["flag_latest"].fillna("missing"))


def _aarc(start: pd.Series, end: pd.Series, years: pd.Series) -> pd.Series:
    valid = (start > 0) & (end > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return ((end / start.where(valid)) ** (1 / years) - 1).where(valid)


def _rates(table: pd.DataFrame) -> pd.DataFrame:
    years = table["latest_year"] - table["baseline_year"]
    change = table["latest"] - table["baseline"]
    return table.assign(change=change, annual_change=change / years,
                        aarc=_aarc(table["baseline"], table["latest"], years))


def _compare_with_national(table: pd.DataFrame) -> pd.DataFrame:
    national = (table[table["dimension"] == NATIONAL]
                .set_index("indicator")[["baseline", "latest", "annual_change", "aarc"]]
                .add_prefix("national_"))
    table = table.merge(national, left_on="indicator", right_index=True, how="left")
    sign = np.where(table["direction"] == "favourable", 1.0, -1.0)
    behind_then = sign * (table["national_baseline"] - table["baseline"])
    behind_now = sign * (table["national_latest"] - table["latest"])
    faster = (sign * (table["annual_change"] - table["national_annual_change"])).where(table["dimension"] != NATIONAL)
    convergence = np.select(
        [table["dimension"] == NATIONAL, behind_then.isna() | behind_now.isna(),
         (behind_then > 0) & (behind_now <= 0), (behind_then > 0) & (behind_now < behind_then),
         (behind_then > 0) & (behind_now > behind_then), behind_then > 0, behind_now > 0],
        ["", "insufficient data", "caught up", "catching up", "falling further behind",
         "no change in gap", "fell behind"],
        default="not behind")
    return table.assign(
        gap_baseline=table["baseline"] - table["national_baseline"],
        gap_latest=table["latest"] - table["national_latest"],
        ratio_baseline=table["baseline"] / table["national_baseline"],
        ratio_latest=table["latest"] / table["national_latest"],
    ).assign(
        gap_change=lambda t: t["gap_latest"] - t["gap_baseline"],
        ratio_change=lambda t: t["ratio_latest"] - t["ratio_baseline"],
        faster_than_national=pd.array(np.where(faster.isna(), None, faster > 0), dtype="boolean"),
        convergence=convergence,
    )


def _mark_extremes(table: pd.DataFrame, rule: Suppression, counts_known: bool) -> pd.DataFrame:
    """Flag the worst-off and best-off subgroup of each indicator x dimension at baseline, and
    say in `reference_note` how the best-off one was chosen (module docstring).

    Only subgroups with a baseline value compete, and at least two are needed; the best-off
    one must also be fit to be a reference in both rounds and is never the worst-off one.
    """
    sign = np.where(table["direction"] == "favourable", 1.0, -1.0)
    score = (table["baseline"] * sign).where(table["dimension"] != NATIONAL)
    by = table.groupby(["indicator", "dimension"]).ngroup()
    scored = pd.DataFrame({"by": by, "score": score}).dropna()
    scored = scored[scored.groupby("by")["score"].transform("size") >= 2]
    worst = scored.groupby("by")["score"].idxmin()
    standing = pd.Series(_reference_standing(table, rule, counts_known), index=table.index)
    candidates = scored[(standing[scored.index] == "") & ~scored.index.isin(worst.to_numpy())]
    best = candidates.groupby("by")["score"].idxmax()
    notes = {}
    for key, rows in scored.groupby("by"):
        if key not in best.index:
            notes[key] = (f"No group other than the worst-off can serve as the best-off reference, which needs at "
                          f"least {rule.caution_n} unweighted cases and an estimate that varies in the sample in "
                          "both rounds.")
            continue
        chosen = best[key]
        name = table.at[chosen, "subgroup"]
        if counts_known:
            note = (f"Reference: the best-off group with at least {rule.caution_n} unweighted cases in both rounds "
                    f"({name})")
        else:
            note = (f"Reference: the best-off group ({name}); the estimates give no unweighted counts, so the rule "
                    f"of at least {rule.caution_n} cases could not be checked")
        passed = rows.index[(rows["score"] > rows.at[chosen, "score"]) & (standing[rows.index] != "")]
        notes[key] = "; ".join([note, *(f"'{table.at[r, 'subgroup']}' is better placed but {standing[r]}"
                                        for r in passed)])
    reference_note = by.map(notes).where(table["dimension"] != NATIONAL).fillna("").astype("str")
    return table.assign(worst_off=table.index.isin(worst.to_numpy()), best_off=table.index.isin(best.to_numpy()),
                        reference_note=reference_note)


def _reference_standing(table: pd.DataFrame, rule: Suppression, counts_known: bool) -> np.ndarray:
    """Why each group cannot be the best-off reference ("" where it can), naming the round."""
    parts = []
    for end in ("baseline", "latest"):
        n = table[f"n_{end}"].to_numpy(dtype=float) if counts_known else None
        flag = table[f"flag_{end}"].to_numpy(dtype=object)
        why = reference_standing(len(table), rule, n, flag)
        why = np.where(table[end].isna().to_numpy() & (flag != FLAG_SUPPRESSED), "has no estimate", why)
        year = table[f"{end}_year"].astype(str).to_numpy(dtype=object)
        parts.append(np.where(why != "", why + " in " + year, ""))
    both = (parts[0] != "") & (parts[1] != "")
    return np.where(both, parts[0] + " and " + parts[1], parts[0] + parts[1]).astype(object)


def _project(table: pd.DataFrame, target_year: int, bounds: tuple[float, float] | None) -> pd.DataFrame:
    ahead = target_year - table["latest_year"]
    linear = table["latest"] + table["annual_change"] * ahead
    compound = table["latest"] * (1 + table["aarc"]) ** ahead
    clip = ""
    if bounds is not None:
        linear, compound = linear.clip(*bounds), compound.clip(*bounds)
        clip = f", kept within {bounds[0]:g}-{bounds[1]:g}"
    assumption = ("the pace of " + table["baseline_year"].astype(str) + "-" + table["latest_year"].astype(str)
                  + f" continues unchanged to {target_year} (linear: same change per year; "
                  + f"AARC: same rate per year){clip}")
    return table.assign(target_year=target_year, projection_linear=linear, projection_aarc=compound,
                        projection_assumption=assumption)


def _status(table: pd.DataFrame, targets: dict[str, float], on_track_by: str) -> pd.DataFrame:
    target = table["indicator"].map(targets).astype(float)
    ahead = table["target_year"] - table["latest_year"]
    with np.errstate(divide="ignore", invalid="ignore"):
        required_change = ((target - table["latest"]) / ahead).where(ahead > 0)
        required_aarc = _aarc(table["latest"], target, ahead.where(ahead > 0))
    sign = np.where(table["direction"] == "favourable", 1.0, -1.0)
    projection = table[f"projection_{on_track_by}"]
    status = np.select(
        [target.isna(), table["latest"].isna(), sign * (table["latest"] - target) >= 0,
         projection.isna(), sign * (projection - target) >= 0],
        ["", "insufficient data", "target met", "insufficient data", "on track"],
        default="off track")
    return table.assign(target=target, required_annual_change=required_change, required_aarc=required_aarc,
                        status=status)
