"""The Step-4 page ("How to measure and monitor progress"): a static report or an app.

`show()` is all `workbooks/4_measure.ipynb` calls. In report mode (papermill, nbconvert)
it writes the Step-4 outputs and renders headings, figures and HTML tables: no widgets.
In app mode (Voilà, `LNOB_APP` set) a team picks an indicator and a circumstance, reads
every measure with its meaning and the trends, sets, changes and deletes equity targets
(saved at once to `step4_targets.yaml`, with Undo), and reads the multidimensional poverty
index and the indicator framework. Only aggregates are shown, in the analysis's words.
"""

from __future__ import annotations

import html
import re
import textwrap

import ipywidgets as w
import numpy as np
import pandas as pd
from IPython.display import HTML, Image, Markdown, display
from matplotlib.figure import Figure
from pydantic import ValidationError

from ..config import Circumstance
from ..entries import entry_fingerprints
from ..errors import InputError, LnobError
from ..exports import write_table
from ..groups import group_id_label
from ..measure.heat import MEASURES
from ..measure.step4 import OUTPUT_FOLDER, Step4Result, compute_step4
from ..measure.targets import (
    TARGETS_FILE,
    EquityTarget,
    TargetSet,
    best_off_reference,
    delete_target,
    disparity_ratio_target,
    floor_targets,
    load_targets,
    save_targets,
    update_target,
    worst_off_faster,
)
from ..measure.trends import NATIONAL
from ..measure.trends_plot import trajectory_chart
from ..notebook import StepContext, parse_list, step_context
from ..privacy import FLAG_SUPPRESSED
from ..render import SUPPRESSED_MARK
from ..yamlstore import locked
from . import downloads
from .feedback import Alerts, busy, guarded
from .forms import (LABEL_STYLE, DeleteButton, Form, UndoLine, checked_count, checked_number, choice, dress, help_line, plain)
from .navigation import refresh_step_bar, step_bar
from .words import Words, count, figure, full_table, html_table, level_text, number, percent
NOTEBOOK = "4_measure.ipynb"
MAX_CHARTS = 6
REPORT_CHARTS = 2  # trajectory charts in the report; the app draws any
REPORT_MEASURES = ("SII", "RII", "D", "R")  # summary measures the report prints
REPORT_FRAMEWORK_COLUMNS = ("Indicator", "Type", "Baseline", "Target", "SDG target", "Groups followed")
DEFAULT_VALUES = {"worst_off_faster": "0.5", "floor": "80", "disparity_ratio": "0.8"}
TARGET_KINDS = {
    "worst_off_faster": "Worst-off group closes part of its gap to the national value",
    "floor": "Every group reaches at least a floor",
    "disparity_ratio": "Worst-off group reaches a share of the best-off group's level",
}
KIND_WORDS = {**TARGET_KINDS, "custom": "Set by the team"}
VALUE_WORDS = {  # the value box's label and help, by kind of target
    "worst_off_faster": ("Share of the gap closed", "A share from 0 to 1: 0.5 halves the gap by the target year."),
    "floor": ("Floor", "The level every group should reach, in the indicator's unit (e.g. 80 for 80%)."),
    "disparity_ratio": ("Share of the best-off level", "A share above 0 and at most 1: 0.8 = 80% of the best-off "
                                                       "group's projected level."),
}
PATHS = [("Straight line", "linear"), ("Constant rate of change", "aarc")]
NEW_TARGET_HELP = {
    "kind": "How the target closes the gap.",
    "target_year": "The year the target should be reached.",
    "path": "How the milestones run to the target: a straight line, or the same rate of change every year.",
}
EDIT_TARGET_HELP = {
    "target": "The saved target to change or delete.",
    "value": "The value to reach, in the indicator's unit; the baseline stays.",
    "target_year": "The year it should be reached, after the baseline year.",
    "path": NEW_TARGET_HELP["path"],
    "rationale": "Why this target, in a sentence.",
}
AARC_NEEDS_POSITIVE = ("Path to the target: a constant rate of change needs a baseline and a target above 0; "
                       "choose a straight line.")
MEASURE_NAMES = {
    "D": "Difference", "R": "Ratio", "ACI": "Absolute concentration index", "RCI": "Relative concentration index",
    "SII": "Slope index of inequality", "RII": "Relative index of inequality", "BGV": "Between-group variance",
    "BGSD": "Between-group standard deviation", "COV": "Coefficient of variation",
    "IDISU": "Index of disparity (unweighted)", "IDISW": "Index of disparity (weighted)",
    "MDBU": "Mean difference from the best group (unweighted)",
    "MDBW": "Mean difference from the best group (weighted)",
    "MDMU": "Mean difference from the mean (unweighted)", "MDMW": "Mean difference from the mean (weighted)",
    "MDRU": "Mean difference from the reference group (unweighted)",
    "MDRW": "Mean difference from the reference group (weighted)", "TI": "Theil index", "MLD": "Mean log deviation",
    "PAF": "Population attributable fraction", "PAR": "Population attributable risk",
}
BASIS_WORDS = {"aggregated": "group estimates", "microdata": "survey records"}
NOWRAP_THIRD = "<style>.lnob-measures td:nth-child(3){white-space:nowrap}</style>"
MPI_MEASURES = {
    "H": "Share of people who are poor (H)", "A": "Average deprivation among the poor (A)",
    "M0": "Multidimensional poverty index (M0 = H x A)", "vulnerable": "Share vulnerable to poverty",
    "severe": "Share in severe poverty",
}


# --- words --------------------------------------------------------------------------------

def measure_name(code: str) -> str:
    """'SII' -> 'Slope index of inequality (SII)'."""
    return f"{MEASURE_NAMES.get(code, code)} ({code})"


def note_words(text: object) -> str:
    """A measure's note without the column names some notes quote ("(reference_subgroup = 1)")."""
    return re.sub(r"\s*\([^()]*\b[a-z]+_[a-z_]+\b[^()]*\)", "", str(text or "")) if text == text else ""


def mpi_indicator_name(name: str) -> str:
    """'years_schooling' -> 'Years schooling'."""
    return name.replace("_", " ").strip().capitalize() if name else ""


def group_words(words: Words, dimension: str, subgroup: str) -> str:
    """'Tamar (Ethnicity of the household head)', or 'Everyone (national value)'."""
    if dimension == NATIONAL or subgroup == NATIONAL:
        return "Everyone (national value)"
    return f"{subgroup} ({words.circumstance(dimension)})"


def target_words(words: Words, t: EquityTarget) -> str:
    """One line naming a saved target: indicator, group, baseline and target."""
    return (f"{words.indicator(t.indicator)}: {group_words(words, t.dimension, t.subgroup)}, "
            f"{t.baseline:.1f} in {t.baseline_year} to {t.target:.1f} by {t.target_year}")


def format_estimates(rows: pd.DataFrame, interval: bool = True) -> pd.Series:
    """"12.3 (10.1-14.5)", or "-4.1 (-6.0 to -2.2)" when a bound is negative; RCI, R and RII with three
    decimals; a missing value says why in one word."""
    digits = np.where(rows["measure"].isin(["RCI", "R", "RII"]), 3, 1)
    text = []
    for est, low, high, d, note in zip(rows["estimate"], rows["ci_lb"], rows["ci_ub"], digits, rows["note"]):
        if not np.isfinite(est):
            text.append(SUPPRESSED_MARK if "suppress" in str(note) or "fewer than" in str(note) else "not given")
        elif interval and np.isfinite(low) and np.isfinite(high):
            text.append(f"{est:.{d}f} ({low:.{d}f}{' to ' if low < 0 or high < 0 else '-'}{high:.{d}f})")
        else:
            text.append(f"{est:.{d}f}")
    return pd.Series(text, index=rows.index)


def _labelled_chart(make, label: str, unit: str) -> bytes:
    """A trajectory chart whose value axis names the indicator, not its id."""
    def draw() -> Figure:
        fig = make()
        ax = fig.axes[0]
        ax.set_ylabel(textwrap.fill(f"{label} ({unit})" if unit else label, 45), fontsize=9)
        ax.yaxis.label.set_parse_math(False)
        fig.tight_layout(rect=(0, 0.04, 1, 0.95))
        return fig
    return figure(draw)


# --- parameters ---------------------------------------------------------------------------

def show(analysis: str = "", mode: str = "auto", rounds: str = "", indicators: str = "",
         dimensions: str = "") -> None:
    """Validate the notebook's parameters, compute Step 4 and render it for the chosen mode.

    Report mode also writes the Step-4 outputs (of the chosen rounds, indicators and
    circumstances) under `outputs/step4/`.
    """
    context = step_context(analysis, mode)
    a = context.analysis
    years = [int(y) for y in parse_list(rounds, [str(r.year) for r in a.rounds], "rounds")]
    chosen = parse_list(indicators, [i.id for i in a.indicators], "indicators")
    circs = parse_list(dimensions, [c.id for c in a.circumstances], "dimensions")
    if context.is_app:
        status = Alerts()
        display(status)
        try:
            with busy(status, "Computing the Step-4 measures, trends and MPI…"):
                result = compute_step4(a, years, chosen, circs)
        except LnobError as error:  # a bad data file or yaml: say so on the page, not as a traceback
            status.show(str(error), "error")
            return
        display(Step4App(context, result, alerts=status).widget)
        return
    display(Markdown(f"**{plain(a.country.name)}**, survey rounds {', '.join(map(str, years))}."))
    result = compute_step4(a, years, chosen, circs)
    result.write()
    render_report(result)


# --- tables -------------------------------------------------------------------------------

def measures_table(rows: pd.DataFrame, level: str = "95%") -> pd.DataFrame:
    """The measures of one indicator x circumstance, in words."""
    return pd.DataFrame({
        "Measure": rows["measure"].map(measure_name),
        "Computed from": rows["basis"].map(BASIS_WORDS),
        f"Value ({level} interval)": format_estimates(rows),
        "What it says": rows["meaning"],
        "Note": rows["note"].map(note_words),
    })


def trend_table(result: Step4Result, words: Words, rows: pd.DataFrame) -> pd.DataFrame:
    """Trend rows (of `result.trends.table`) in words: values, pace, gap, projection and status."""
    first, last = (int(rows["baseline_year"].min()), int(rows["latest_year"].max())) if len(rows) else (0, 0)
    return pd.DataFrame({
        "Indicator": rows["indicator"].map(words.indicator),
        "Group": [group_words(words, d, s) for d, s in zip(rows["dimension"], rows["subgroup"])],
        str(first): [SUPPRESSED_MARK if f == FLAG_SUPPRESSED else number(v)
                     for v, f in zip(rows["baseline"], rows["flag_baseline"])],
        str(last): [SUPPRESSED_MARK if f == FLAG_SUPPRESSED else number(v)
                    for v, f in zip(rows["latest"], rows["flag_latest"])],
        "Change a year (points)": rows["annual_change"].map(lambda v: number(v, 2)),
        "Gap to national, then → now": [f"{number(a)} → {number(b)}" if number(a) and number(b) else ""
                                        for a, b in zip(rows["gap_baseline"], rows["gap_latest"])],
        "Trend": rows["convergence"].fillna(""),
        f"{int(rows['target_year'].max()) if len(rows) else ''} at this pace": rows["projection_aarc"].map(number),
        "Target": rows["target"].map(number),
        "Status": rows["status"].fillna(""),
    })


def targets_table(words: Words, targets: TargetSet) -> pd.DataFrame:
    """The team's targets in words: indicator, group, kind, baseline, target, pace and milestones."""
    ts = targets.targets
    return pd.DataFrame({
        "Indicator": [words.indicator(t.indicator) for t in ts],
        "Group": [group_words(words, t.dimension, t.subgroup) for t in ts],
        "Kind": [KIND_WORDS.get(t.kind, t.kind) for t in ts],
        "Baseline": [f"{t.baseline:.1f} in {t.baseline_year}" for t in ts],
        "Target": [f"{t.target:.1f} by {t.target_year}" for t in ts],
        "Pace needed": [f"{t.required_annual_change:+.2f} points a year" for t in ts],
        "Milestones": ["; ".join(f"{m.year}: {m.value:.1f}" for m in t.milestones) for t in ts],
        "Why": [t.rationale for t in ts],
    })


def mpi_national_table(result: Step4Result) -> pd.DataFrame:
    mpi = result.mpi_frame()
    rows = mpi[(mpi["indicator"] == "") & (mpi["dimension"] == "national")]
    wide = rows.pivot_table(index="year", columns="measure", values="value", aggfunc="first")
    return pd.DataFrame({
        "Round": wide.index.astype(str),
        MPI_MEASURES["H"]: wide["H"].map(percent).to_numpy(),
        MPI_MEASURES["A"]: wide["A"].map(percent).to_numpy(),
        MPI_MEASURES["M0"]: wide["M0"].map(lambda v: number(v, 3)).to_numpy(),
        **{MPI_MEASURES[k]: wide[k].map(percent).to_numpy() for k in ("vulnerable", "severe") if k in wide},
    })


def mpi_groups_table(result: Step4Result, dimension: str, year: int) -> pd.DataFrame:
    mpi = result.mpi_frame()
    rows = mpi[(mpi["indicator"] == "") & (mpi["dimension"] == dimension) & (mpi["year"] == year)
               & mpi["measure"].isin(["H", "A", "M0"])]
    hidden = rows["flag"] == FLAG_SUPPRESSED
    text = np.where(hidden, SUPPRESSED_MARK,
                    np.where(rows["measure"] == "M0", rows["value"].map(lambda v: number(v, 3)),
                             rows["value"].map(percent)))
    wide = rows.assign(text=text).pivot_table(index="group", columns="measure", values="text", aggfunc="first",
                                              sort=False)
    cases = rows.assign(cases=np.where(hidden, "", rows["n"].map(count))).groupby("group", sort=False)["cases"].first()
    return pd.DataFrame({
        "Group": wide.index,
        **{MPI_MEASURES[k]: wide[k].to_numpy() for k in ("H", "A", "M0") if k in wide},
        "Cases": cases.reindex(wide.index).to_numpy(),
    })


def mpi_contributions_table(result: Step4Result) -> pd.DataFrame:
    mpi = result.mpi_frame()
    rows = mpi[(mpi["measure"] == "contribution_pct") & (mpi["dimension"] == "national")]
    wide = rows.pivot_table(index="indicator", columns="year", values="value", sort=False)
    return pd.DataFrame({
        "Deprivation": [mpi_indicator_name(i) for i in wide.index],
        **{f"Share of M0, {y}": wide[y].map(lambda v: f"{v:.1f}%") for y in wide.columns},
    }).reset_index(drop=True)


def mpi_substitutions_table(result: Step4Result, words: Words) -> pd.DataFrame:
    subs = next(iter(result.mpi.values())).substitutions
    known = {i.id for i in result.analysis.indicators}
    return pd.DataFrame({
        "Deprivation": subs["mpi_indicator"].map(mpi_indicator_name),
        "Read from": [words.indicator(s) if s in known else words.circumstance(s) for s in subs["source"]],
        "Stands in for": subs["stands_in_for"],
    })


def framework_table(result: Step4Result) -> pd.DataFrame:
    f = result.framework.to_frame()

    def observed(value: object, year: object) -> str:
        if value is None or (isinstance(value, float) and not np.isfinite(value)):
            return ""
        return f"{value} ({int(year)})" if year is not None and year == year else str(value)

    return pd.DataFrame({
        "Indicator": f["name"],
        "Type": f["type"].str.capitalize(),
        "Baseline": [observed(v, y) for v, y in zip(f["baseline_value"], f["baseline_year"])],
        "Target": [observed(v, y) for v, y in zip(f["target_value"], f["target_year"])],
        "Source": f["source"],
        "Responsible": f["responsible"],
        "SDG target": f["sdg_target"],
        "Groups followed": [", ".join(group_id_label(g.strip()) for g in str(gs).split(", ") if g.strip())
                            or "Everyone" for gs in f["groups"]],
    })


def blind_spots(result: Step4Result) -> list[str]:
    """'1.5 (no process or outcome indicator)': each SDG target of the framework missing a type of indicator."""
    c = result.framework.coverage()
    return [f"{target} (no {' or '.join(str(col) for col in c.columns if row[col] == 0)} indicator)"
            for target, row in c.iterrows() if (row == 0).any()]


def coverage_table(result: Step4Result) -> pd.DataFrame:
    c = result.framework.coverage()
    return pd.DataFrame({"SDG target": c.index.astype(str),
                         **{col.capitalize(): c[col].map(str).to_numpy() for col in c.columns}})


# --- report ------------------------------------------------------------------------------

def render_report(result: Step4Result) -> None:
    """The Step-4 section of the report: the key charts and short tables; the full tables (all 21
    measures, every group's trend, the suggested targets) are in the attached workbook."""
    a = result.analysis
    display(Markdown(f"All tables hold aggregates only; estimates from fewer than {a.settings.suppression.min_n} "
                     "cases show as \"suppressed\"."))
    words = Words(a)
    _trajectories(result, words)
    _summary_measures(result, words)
    _trend_table(result, words)
    _targets(result, words)
    _mpi(result, words)
    _framework(result)


def _show(frame: pd.DataFrame, empty: str = "Nothing to show.") -> None:
    display(HTML(html_table(frame, empty=empty)))


def _trajectories(result: Step4Result, words: Words) -> None:
    display(Markdown("## Trajectories to 2030\n\nWorst-off and best-off groups and the national value at "
                     "each round, projected at their past pace (dashed), with the target and the latest gap."))
    if result.trends is None:
        display(Markdown("_Only one round is selected: trajectories need two or more._"))
        return
    for indicator, dimension, target in chart_choices(result)[:REPORT_CHARTS]:
        png = _labelled_chart(lambda: trajectory_chart(
            result.trends, indicator, dimension, source=_source(result),
            title=_chart_title(result, indicator, dimension),
            unit="%", target=target, target_label="Worst-off group's target"), words.indicator(indicator), "%")
        display(Image(data=png, format="png",
                      metadata={"alt": f"Trajectory to 2030: {_chart_title(result, indicator, dimension)}"}))


def chart_choices(result: Step4Result) -> list[tuple[str, str, float | None]]:
    """(indicator, dimension, target) for the key charts: the team's group targets first."""
    table = result.trends.table
    available = set(zip(table.loc[table["worst_off"], "indicator"], table.loc[table["worst_off"], "dimension"]))
    picks: dict[tuple[str, str], float | None] = {}
    for t in result.targets.targets:
        if (t.indicator, t.dimension) in available and t.kind in ("worst_off_faster", "disparity_ratio"):
            picks.setdefault((t.indicator, t.dimension), t.target)
    ranked = [c.id for c in _ranking_circumstances(result)]
    for indicator in dict.fromkeys(table["indicator"]):
        for dimension in ranked:
            if len(picks) < MAX_CHARTS and (indicator, dimension) in available:
                picks.setdefault((indicator, dimension), None)
    return [(i, d, t) for (i, d), t in list(picks.items())[:MAX_CHARTS]]


def _chart_title(result: Step4Result, indicator: str, dimension: str) -> str:
    a = result.analysis
    return textwrap.fill(f"{a.indicator(indicator).label} by {a.circumstance(dimension).label.lower()}", 80)


def _source(result: Step4Result) -> str:
    a = result.analysis
    return f"{a.country.name}, " + "; ".join(r.name for r in a.rounds if r.year in result.tables)


def _summary_measures(result: Step4Result, words: Words) -> None:
    """Two short tables of the latest round: the slope indices along each ranked circumstance, and per
    indicator the unranked circumstance whose groups differ most."""
    latest = max(result.tables)
    display(Markdown(f"## Summary measures, {latest}\n\n" + "; ".join(
        f"{measure_name(k)}: {MEASURES[k].meaning[:1].lower()}{MEASURES[k].meaning[1:].rstrip('.')}"
        for k in REPORT_MEASURES) + ". "
        + plain(full_table(4, "summary_measures", f"All {len(MEASURES)} measures, for every circumstance"))))
    ranked = "; ".join(c.label.lower() for c in _ranking_circumstances(result))
    display(Markdown(f"### Ranked groups\n\nAlong {plain(ranked)}: from the survey records, with design-based "
                     f"{level_text(result.analysis)} intervals in brackets."))
    _show(ranked_measures_table(result, words, latest), empty="No ranked circumstance is selected.")
    display(Markdown("### Other circumstances: where the groups differ most\n\nPer indicator, the circumstance "
                     "whose groups are furthest apart (largest difference D between its groups)."))
    _show(widest_difference_table(result, words, latest), empty="No unranked circumstance is selected.")


def _ranking_circumstances(result: Step4Result) -> list[Circumstance]:
    """The ranked socio-economic circumstances (wealth, education): those the slope indices are read along."""
    return [c for c in result.analysis.circumstances if c.ordered and c.factor == "socioeconomic"]


def _in_analysis_order(result: Step4Result):
    """A sort key putting indicator ids in analysis.yaml's order."""
    order = {i.id: n for n, i in enumerate(result.analysis.indicators)}
    return lambda ids: ids.map(order)


def ranked_measures_table(result: Step4Result, words: Words, year: int) -> pd.DataFrame:
    """SII and RII of every indicator along each ranked socio-economic circumstance (a column each), from
    the survey records where they were computed (else from the group estimates)."""
    m = result.measures
    ranking = {c.id: c.label.split(" (")[0].lower() for c in _ranking_circumstances(result)}
    rows = m[(m["year"] == year) & m["dimension_id"].isin(ranking) & m["measure"].isin(["SII", "RII"])]
    rows = rows[rows["basis"] == ("microdata" if (rows["basis"] == "microdata").any() else "aggregated")]
    if rows.empty:
        return pd.DataFrame()
    rows = rows.assign(value=format_estimates(rows),
                       column=rows["measure"] + " by " + rows["dimension_id"].map(ranking))
    wide = rows.pivot_table(index="indicator", columns="column", values="value", aggfunc="first", sort=False)
    wide = wide.sort_index(key=_in_analysis_order(result))
    columns = [f"{k} by {name}" for k in ("SII", "RII") for name in ranking.values() if f"{k} by {name}" in wide]
    return pd.DataFrame({"Indicator": wide.index.map(words.indicator),
                         **{c: wide[c].fillna("").to_numpy() for c in columns}})


def widest_difference_table(result: Step4Result, words: Words, year: int) -> pd.DataFrame:
    """Per indicator, the unranked circumstance with the largest difference (D) between its groups, with R."""
    m = result.measures
    rows = m[(m["year"] == year) & ~m["ordered"] & m["measure"].isin(["D", "R"])]
    size = pd.to_numeric(rows["estimate"], errors="coerce").abs()
    d = rows[(rows["measure"] == "D") & size.notna()]
    if d.empty:
        return pd.DataFrame()
    widest = d.loc[size[d.index].groupby(d["indicator"], sort=False).idxmax()]
    widest = widest.sort_values("indicator", key=_in_analysis_order(result), kind="stable")
    ratio = rows[rows["measure"] == "R"].set_index(["indicator", "dimension_id"])
    ratio = ratio.assign(value=format_estimates(ratio.reset_index()).to_numpy())["value"]
    keys = list(zip(widest["indicator"], widest["dimension_id"]))
    return pd.DataFrame({
        "Indicator": widest["indicator"].map(words.indicator),
        "Circumstance": widest["dimension"],
        f"{measure_name('D')}, points": format_estimates(widest),
        measure_name("R"): [ratio.get(k, "") for k in keys],
    })


def _trend_table(result: Step4Result, words: Words) -> None:
    display(Markdown("## Trends by group"))
    if result.trends is None:
        display(Markdown("_Only one round is selected: trends need two or more._"))
        return
    rows = moved_most(result.trends.table)
    first, last = (int(rows["baseline_year"].min()), int(rows["latest_year"].max())) if len(rows) else (0, 0)
    display(Markdown(
        f"For each indicator, the worst-off group of a circumstance whose gap to the national value widened most "
        f"from {first} to {last}, and the one whose gap narrowed most; \"points behind\" counts how far the "
        "group is on the unfavourable side of the national value (negative: ahead of it). "
        + plain(full_table(4, "trends", "Every group's trend, with the national values"))))
    _show(report_trend_table(result, words, rows), empty="No group could be followed across the rounds.")


def moved_most(trends: pd.DataFrame) -> pd.DataFrame:
    """Per indicator, the worst-off rows whose gap to the national value widened most and narrowed most."""
    rows = trends[trends["worst_off"] & np.isfinite(trends["gap_change"])]
    closing = np.where(rows["direction"] == "favourable", 1.0, -1.0) * rows["gap_change"]
    rows = rows.assign(closing=closing)
    picks = []
    for _, group in rows.groupby("indicator", sort=False):
        widened, narrowed = group["closing"].idxmin(), group["closing"].idxmax()
        picks += [widened] if group.at[widened, "closing"] < 0 else []
        picks += [narrowed] if group.at[narrowed, "closing"] > 0 else []
    return rows.loc[picks]


def report_trend_table(result: Step4Result, words: Words, rows: pd.DataFrame) -> pd.DataFrame:
    """`trend_table` for print: points behind the national value then and now, and by how much the gap
    widened or narrowed, instead of signed gaps."""
    table = trend_table(result, words, rows)
    sign = np.where(rows["direction"] == "favourable", -1.0, 1.0)
    behind = [f"{number(b)} → {number(n)} ({'widened' if n > b else 'narrowed'} by {number(abs(n - b))})"
              if number(b) and number(n) else ""
              for b, n in zip(sign * rows["gap_baseline"], sign * rows["gap_latest"])]
    table = table.drop(columns=["Gap to national, then → now", "Change a year (points)", "Target"])
    table.insert(4, "Points behind, then → now", behind)
    return table.assign(Trend=table["Trend"].str.capitalize(), Status=table["Status"].str.capitalize())


def _targets(result: Step4Result, words: Words) -> None:
    display(Markdown(
        "## Equity targets\n\nThe team's targets: the pace each needs and its milestones. "
        f"{len(result.suggested_targets.targets)} further targets (every worst-off group halving its gap) are "
        "suggested in the attached workbook. "
        + plain(full_table(4, "targets", "Each target with the reason for it"))
        + " " + plain(full_table(4, "suggested_targets", "The suggested targets"))))
    targets = targets_table(words, result.targets)
    _show(targets.drop(columns=["Kind", "Why"]) if len(targets) else targets,
          empty="No targets set yet; set them in the app.")


def _mpi(result: Step4Result, words: Words) -> None:
    display(Markdown("## Multidimensional poverty (MPI)"))
    if not result.mpi:
        display(Markdown("_No `mpi.yaml` in the analysis folder, so no MPI._"))
        return
    display(HTML(mpi_html(result, words)))
    latest = max(result.mpi)
    dimensions = [c.id for c in result.analysis.circumstances if c.id in set(result.mpi_frame()["dimension"])]
    if dimensions:
        display(Markdown(f"### By {plain(words.circumstance(dimensions[0]).lower())}, {latest}\n\n"
                         + plain(full_table(4, "mpi", "The index by every other circumstance"))))
        _show(mpi_groups_table(result, dimensions[0], latest))


def mpi_html(result: Step4Result, words: Words) -> str:
    """The MPI of every round, what it is made of and the stand-ins, as HTML (app and report)."""
    checks = result.mpi_decomposition()
    parts = [
        "<p>H: the share of people who are poor; A: the average share of weighted deprivations among them; "
        "M0 = H x A, the index.</p>",
        html_table(mpi_national_table(result)),
        "<h4>What the index is made of: each deprivation's share of M0</h4>",
        html_table(mpi_contributions_table(result)),
        f"<p>Check: the population-weighted M0 of the groups add up to the national M0 for "
        f"{int(checks['adds_up'].sum())} of {len(checks)} breakdowns.</p>",
    ]
    subs = mpi_substitutions_table(result, words)
    if len(subs):
        parts += ["<h4>Stand-ins for global-MPI indicators the survey lacks (from mpi.yaml)</h4>", html_table(subs)]
    return "".join(parts)


def _framework(result: Step4Result) -> None:
    display(Markdown("## Indicator framework\n\nStructural (a commitment), process (the effort) and outcome "
                     "(the result) indicators the team follows. "
                     + plain(full_table(4, "framework", "Each one's source and who is responsible"))))
    if not result.framework.indicators:
        display(HTML(framework_html(result)))
        return
    _show(framework_table(result)[list(REPORT_FRAMEWORK_COLUMNS)])
    blind = blind_spots(result)
    if blind:
        display(Markdown("Possible blind spots, SDG targets without an indicator of a type: "
                         + plain("; ".join(blind)) + "."))


def framework_html(result: Step4Result) -> str:
    if not result.framework.indicators:
        return "<p><em>No framework yet: add step4_framework.yaml to the analysis folder.</em></p>"
    return (html_table(framework_table(result))
            + "<p>Indicators per SDG target and type (an empty cell may be a blind spot):</p>"
            + html_table(coverage_table(result)))


# --- app ---------------------------------------------------------------------------------

def _described(control: w.DescriptionWidget, help_text: str) -> w.VBox:
    control.tooltip = help_text
    return w.VBox([control, help_line(help_text, indent=False)], layout=w.Layout(margin="0 12px 4px 0"))


class Step4App:
    """Pick an indicator and a circumstance, read every measure and trend, and keep the equity targets.

    Targets are read from and written to `step4_targets.yaml` on every action, so the
    file, not the kernel's memory, holds the team's work.
    """

    def __init__(self, context: StepContext, result: Step4Result, alerts: Alerts | None = None) -> None:
        self.context = context
        self.result = result
        self.alerts = alerts or Alerts()
        a = context.analysis
        self.words = Words(a)
        self.folder = context.folder
        indicators = sorted(set(result.measures["indicator"]), key=[i.id for i in a.indicators].index)
        dimensions = sorted(set(result.measures["dimension_id"]), key=[c.id for c in a.circumstances].index)
        pick = w.Layout(width="520px")
        self.indicator = w.Dropdown(options=[(self.words.indicator(i), i) for i in indicators],
                                    description="Indicator", layout=pick, style={"description_width": "100px"})
        self.dimension = w.Dropdown(options=[(self.words.circumstance(c), c) for c in dimensions],
                                    description="Circumstance", layout=pick, style={"description_width": "100px"})
        self.year = w.Dropdown(options=[(str(y), y) for y in result.years], value=max(result.years),
                               description="Survey round", layout=w.Layout(width="260px"),
                               style={"description_width": "100px"})
        self.measures_out = w.Output()
        self.targets_view = w.HTML()
        self.target_for = w.HTML()
        self._build_target_forms()
        mpi_dims = [c for c in dimensions if result.mpi and c in set(result.mpi_frame()["dimension"])]
        self.mpi_dimension = w.Dropdown(options=[(self.words.circumstance(c), c) for c in mpi_dims],
                                        description="Groups by", layout=pick, style={"description_width": "100px"})
        self.mpi_view = w.HTML()
        self.framework_view = w.HTML(framework_html(result))
        for control in (self.year, self.indicator, self.dimension):
            control.observe(self.redraw, names="value")
        self.mpi_dimension.observe(self.draw_mpi, names="value")

        choose = w.HBox([
            _described(self.indicator, "The indicator for the measures, the trends and a new target."),
            _described(self.dimension, "The circumstance whose groups are compared."),
        ], layout=w.Layout(flex_flow="row wrap"))
        self.tabs = w.Tab(children=[
            w.VBox([_described(self.year, "The round the measures are for."), self.measures_out]),
            w.VBox([self.target_for, self.new_form.box, self.targets_view, self.edit_form.box, self.delete.box,
                    self.undo.box]),
            w.VBox([_described(self.mpi_dimension, "Whose poverty to compare."), self.mpi_view]),
            w.VBox([self.framework_view]),
        ], titles=("Measures", "Equity targets", "Poverty (MPI)", "Framework"))
        self.downloads = downloads.offer([], "Download Step 4's tables")
        self.step_bar = step_bar(a, NOTEBOOK)
        self.written = False
        self.widget = w.VBox([self.step_bar,
                              w.HTML(f"<h2>{html.escape(a.country.name)}: survey rounds "
                                     f"{html.escape(', '.join(map(str, result.years)))}</h2>"),
                              self.alerts, choose, self.tabs, self.downloads])
        self.widget.add_class("lnob-step4")
        self.redraw()
        self.show_targets()
        self.draw_mpi()
        self.write_outputs()

    @guarded
    def write_outputs(self) -> None:
        """Save Step 4's tables under outputs/step4/ (as report mode does), to download and for the report."""
        self.result.write()
        self.written = True
        self._files_changed()

    def _files_changed(self) -> None:
        self.downloads.value = downloads.links_html(downloads.step_files(self.folder, 4), "Download Step 4's tables")
        refresh_step_bar(self.step_bar)

    # --- measures and trends -------------------------------------------------------------

    def selected_measures(self) -> pd.DataFrame:
        m = self.result.measures
        chosen = m[(m["year"] == self.year.value) & (m["indicator"] == self.indicator.value)
                   & (m["dimension_id"] == self.dimension.value)]
        return chosen.assign(value=format_estimates(chosen))[
            ["measure", "basis", "value", "meaning", "convention", "note", "estimate", "ci_lb", "ci_ub"]]

    @guarded
    def redraw(self, _change: dict | None = None) -> None:
        self.target_for.value = self._target_for()
        self.measures_out.clear_output(wait=True)
        with self.measures_out:
            table = self.selected_measures()
            other_kind = table["note"].str.contains("dimensions only")
            shown = measures_table(table[~other_kind], level_text(self.context.analysis))
            display(HTML(f'{NOWRAP_THIRD}<div class="lnob-measures">{html_table(shown)}</div>'))
            micro = table.loc[table["basis"] == "microdata", "convention"]
            if len(micro):
                display(HTML(f"<p class=\"lnob-key\">From survey records: {html.escape(micro.iloc[0])}.</p>"))
            if other_kind.any():
                display(HTML("<p class=\"lnob-key\">" + html.escape(
                    "Not given for this kind of circumstance: "
                    + ", ".join(measure_name(m) for m in table.loc[other_kind, "measure"]) + " ("
                    + note_words(table.loc[other_kind, "note"].iloc[0]) + ").") + "</p>"))
            worst = self._worst_off()
            if worst is not None:
                indicator, dimension = self.indicator.value, self.dimension.value
                png = _labelled_chart(lambda: trajectory_chart(
                    self.result.trends, indicator, dimension, source=_source(self.result), unit="%",
                    title=_chart_title(self.result, indicator, dimension),
                    target=self._saved_target(worst["subgroup"]), target_label="Worst-off group's target"),
                    self.words.indicator(indicator), "%")
                display(Image(data=png, format="png"))
                t = self.result.trends.table
                rows = t[(t["indicator"] == indicator) & ((t["dimension"] == dimension) | (t["dimension"] == NATIONAL))]
                display(HTML("<h4>Every group across the rounds</h4>"
                             + html_table(trend_table(self.result, self.words, rows))))

    def _target_for(self) -> str:
        """Whom a new target is for: the chosen indicator and circumstance, and its worst-off group."""
        words = (f"{self.words.indicator(self.indicator.value)}, by "
                 f"{self.words.circumstance(self.dimension.value).lower()}")
        worst = self._worst_off()
        if worst is not None and np.isfinite(worst["latest"]):
            words += (f". Worst off: {worst['subgroup']}, {worst['latest']:.1f} in {int(worst['latest_year'])} "
                      f"(national {worst['national_latest']:.1f})")
        return f'<p class="lnob-target-for"><b>For:</b> {html.escape(words)}.</p>'

    def _worst_off(self) -> pd.Series | None:
        """The worst-off group's trend row for the current choice (None without a trend)."""
        if self.result.trends is None:
            return None
        t = self.result.trends.table
        rows = t[(t["indicator"] == self.indicator.value) & (t["dimension"] == self.dimension.value) & t["worst_off"]]
        return rows.iloc[0] if len(rows) else None

    def _saved_target(self, subgroup: str) -> float | None:
        """The team's saved target for that group (read from the file, never kept in memory)."""
        for t in load_targets(self.folder).targets:
            if (t.indicator, t.dimension, t.subgroup) == (self.indicator.value, self.dimension.value, subgroup):
                return t.target
        return None

    # --- new targets ----------------------------------------------------------------------

    def _build_target_forms(self) -> None:
        kind = choice("Kind of target", [(text, k) for k, text in TARGET_KINDS.items()])
        kind.value = "worst_off_faster"
        label, help_text = VALUE_WORDS["worst_off_faster"]
        self.new_form = Form({
            "kind": kind,
            "value": w.Text(value=DEFAULT_VALUES["worst_off_faster"], description=label, style=LABEL_STYLE,
                            layout=w.Layout(width="360px")),
            "target_year": w.Text(value="2030", description="By year", style=LABEL_STYLE,
                                  layout=w.Layout(width="360px")),
            "path": choice("Path to the target", PATHS),
        }, "Save target", self.save_target,
            title="Set a target for the indicator and circumstance chosen above the tabs",
            help="Targets start from the latest round; milestones follow every three years.")
        self.value_help = dress(self.new_form, {**NEW_TARGET_HELP, "value": help_text}).help_lines["value"]
        self.new_form["path"].value = "linear"
        self.kind, self.value, self.target_year, self.path = (kind, self.new_form["value"],
                                                              self.new_form["target_year"], self.new_form["path"])
        self.save = self.new_form.button
        kind.observe(self.suggest_value, names="value")

        self.edit_form = Form({
            "target": choice("Saved target", []),
            "value": w.Text(description="Target value", style=LABEL_STYLE, layout=w.Layout(width="360px")),
            "target_year": w.Text(description="By year", style=LABEL_STYLE, layout=w.Layout(width="360px")),
            "path": choice("Path to the target", PATHS),
            "rationale": w.Text(description="Why", style=LABEL_STYLE, layout=w.Layout(width="95%"),
                                placeholder="The reason for this target, in a sentence"),
        }, "Save changes", self.change_target, title="Change or delete a saved target",
            help="Pick a target; its baseline stays, and its milestones follow the new value and year.")
        dress(self.edit_form, EDIT_TARGET_HELP)
        self.edit_form["target"].observe(self.on_pick_target, names="value")
        self.delete = DeleteButton("Delete this target", self.delete_target, what=self._target_named)
        dress(self.delete, {})
        self.undo = UndoLine(self.folder / TARGETS_FILE, self.after_undo)

    @guarded
    def suggest_value(self, _change: dict | None = None) -> None:
        """A sensible starting value, label and help for the chosen kind of target."""
        kind = self.kind.value or "worst_off_faster"
        label, help_text = VALUE_WORDS[kind]
        self.value.description = label
        self.value.tooltip = help_text
        self.value.value = DEFAULT_VALUES[kind]
        self.value_help.value = help_line(help_text).value

    @guarded
    def save_target(self, form: Form) -> None:
        """Build the target(s) from the latest round and save them at once (the same target is replaced)."""
        new = self.build_targets()
        ids = {t.id for t in new}
        path = self.folder / TARGETS_FILE
        with locked(path):  # read and write as one step, so a parallel save is kept
            kept = [t for t in load_targets(self.folder).targets if t.id not in ids]
            save_targets(self.folder, TargetSet(targets=kept + new))
        first = new[0]
        if len(new) == 1:
            done = f"Target saved: {target_words(self.words, first)}."
        else:
            done = (f"{len(new)} targets saved, one per group of {self.words.circumstance(first.dimension).lower()}: "
                    f"{self.words.indicator(first.indicator)} at least {first.target:.1f} by {first.target_year}.")
        self.show_targets()
        self.redraw()
        self.undo.offer(done, form)

    def build_targets(self) -> list[EquityTarget]:
        trends = self.result.trends
        if trends is None:
            raise InputError("Only one round is loaded; targets start from the trends of two or more rounds.")
        indicator, dimension = self.indicator.value, self.dimension.value
        kind = self.kind.value
        if kind not in TARGET_KINDS:
            raise InputError("Kind of target: nothing is chosen; expected one of the kinds in the list.")
        label = VALUE_WORDS[kind][0]
        year = checked_count(self.target_year.value, "By year")
        table = trends.table
        groups = table[(table["indicator"] == indicator) & (table["dimension"] == dimension)]
        national = table[(table["indicator"] == indicator) & (table["dimension"] == NATIONAL)].iloc[0]
        words = f"{self.words.indicator(indicator)} by {self.words.circumstance(dimension).lower()}"
        if groups.empty or not groups["worst_off"].any():
            raise InputError(f"{words}: no trend with two or more groups; choose another circumstance.")
        latest_year = int(national["latest_year"])
        if year <= latest_year:
            raise InputError(f"By year: {year}; expected a year after the latest round ({latest_year}).")
        worst = groups[groups["worst_off"]].iloc[0]
        direction = worst["direction"]
        scale = self.context.analysis.indicator(indicator).scale
        path = self.path.value or "linear"
        try:
            if kind == "worst_off_faster":
                value = checked_number(self.value.value, label, 0, 1)
                saved = [t.target for t in load_targets(self.folder).targets
                         if t.indicator == indicator and t.dimension == NATIONAL and t.target_year == year]
                aim = saved[0] if saved else _projected(national, year, scale, self.words)
                targets = [worst_off_faster(indicator, dimension, worst["subgroup"], latest_year, worst["latest"],
                                            national["latest"], aim, value, year, direction, path)]
            elif kind == "floor":
                value = checked_number(self.value.value, label, 0, scale)
                baselines = groups[["subgroup", "latest"]].rename(columns={"latest": "estimate"})
                targets = floor_targets(baselines, indicator, dimension, latest_year, value, year, direction, path)
            else:
                value = checked_number(self.value.value, label, 0, 1)
                if value == 0:
                    raise InputError(f"{label}: 0; expected a share above 0 and at most 1 (0.8 = the worst-off group "
                                     "reaches 80% of the best-off group's level).")
                ratio = value if direction == "favourable" else 1 / value
                best = best_off_reference(groups)
                reference = _projected(best, year, scale, self.words)
                targets = [disparity_ratio_target(indicator, dimension, worst["subgroup"], latest_year, worst["latest"],
                                                  f"{best['subgroup']} (projected)", reference, ratio, year,
                                                  direction, path, best["reference_note"])]
        except ValidationError:  # the only rule a typed value can break: a constant rate needs values above 0
            raise InputError(AARC_NEEDS_POSITIVE) from None
        return [t.with_milestones(3) for t in targets]

    # --- saved targets --------------------------------------------------------------------

    @guarded
    def show_targets(self) -> None:
        """The saved targets and the edit list, read from the file."""
        targets = load_targets(self.folder)
        self._targets_seen = entry_fingerprints(targets.model_dump())
        self.targets_view.value = (f"<h4>Targets saved ({len(targets.targets)})</h4>"
                                   + html_table(targets_table(self.words, targets),
                                                empty="No targets set yet."))
        pick = self.edit_form["target"]
        keep = pick.value
        pick.options = [(target_words(self.words, t), t.id) for t in targets.targets]
        pick.value = keep if keep in {t.id for t in targets.targets} else None
        if self.written:  # the downloadable table follows the file
            write_table(targets.to_frame(), self.result.analysis.outputs / OUTPUT_FOLDER / "targets.csv")
            self._files_changed()

    @guarded
    def on_pick_target(self, _change: dict | None = None) -> None:
        """Fill the edit form with the chosen target."""
        form = self.edit_form
        t = self._picked()
        form["value"].value = f"{t.target:g}" if t else ""
        form["target_year"].value = str(t.target_year) if t else ""
        form["path"].value = t.path if t else None
        form["rationale"].value = t.rationale if t else ""

    def _picked(self) -> EquityTarget | None:
        chosen_id = self.edit_form["target"].value
        return next((t for t in load_targets(self.folder).targets if t.id == chosen_id), None)

    def _target_named(self, _form: object = None) -> str:
        t = self._picked()
        if t is None:
            raise InputError("Saved target: nothing is chosen; pick the target in the list above.")
        return f"the target for {target_words(self.words, t)}"

    @guarded
    def change_target(self, form: Form) -> None:
        t = self._picked()
        if t is None:
            raise InputError("Saved target: nothing is chosen; pick the target to change in the list.")
        scale = self.context.analysis.indicator(t.indicator).scale if t.indicator in {
            i.id for i in self.context.analysis.indicators} else None
        value = checked_number(form["value"].value, "Target value", 0, scale)
        year = checked_count(form["target_year"].value, "By year")
        if year <= t.baseline_year:
            raise InputError(f"By year: {year}; expected a year after the baseline year ({t.baseline_year}).")
        if form["path"].value is None:
            raise InputError("Path to the target: nothing is chosen; expected one of the options in the list.")
        if form["path"].value == "aarc" and (value <= 0 or t.baseline <= 0):
            raise InputError(AARC_NEEDS_POSITIVE)
        new = update_target(self.folder, t.id, target=value, target_year=year, path=form["path"].value,
                            rationale=form["rationale"].value.strip(), seen=self._targets_seen)
        self.show_targets()
        self.redraw()
        self.undo.offer(f"Target changed: {target_words(self.words, new)}.", form)

    @guarded
    def delete_target(self, form: DeleteButton) -> None:
        t = self._picked()
        if t is None:
            raise InputError("Saved target: nothing is chosen; pick the target to delete in the list above.")
        delete_target(self.folder, t.id, seen=self._targets_seen)
        self.show_targets()
        self.redraw()
        self.undo.offer(f"Target deleted: {target_words(self.words, t)}.", form)

    @guarded
    def after_undo(self, *_args: object) -> None:
        self.show_targets()
        self.on_pick_target()
        self.redraw()

    # --- MPI ------------------------------------------------------------------------------

    @guarded
    def draw_mpi(self, _change: dict | None = None) -> None:
        r = self.result
        if not r.mpi:
            self.mpi_view.value = "<p><em>No mpi.yaml in the analysis folder, so no MPI.</em></p>"
            return
        latest = max(r.mpi)
        by_group = ""
        if self.mpi_dimension.value is not None:
            by_group = (f"<h4>By {html.escape(self.words.circumstance(self.mpi_dimension.value).lower())}, "
                        f"{latest}</h4>" + html_table(mpi_groups_table(r, self.mpi_dimension.value, latest)))
        self.mpi_view.value = mpi_html(r, self.words) + by_group


def _projected(row: pd.Series, year: int, scale: float, words: Words) -> float:
    """The row's value in `year` at its past annual change, kept within 0 and the indicator's scale."""
    value = row["latest"] + row["annual_change"] * (year - row["latest_year"])
    if not np.isfinite(value):
        raise InputError(f"{words.indicator(row['indicator'])}, {row['subgroup']}: no trend to project (a suppressed "
                         "value); choose another group or circumstance.")
    return float(np.clip(value, 0, scale))


__all__ = ["Step4App", "render_report", "show"]
