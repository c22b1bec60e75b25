"""The Step-4 page ("How to measure and monitor progress"): a static report or an app.

`show()` is all `workbooks/4_measure.ipynb` calls. In report mode (papermill, nbconvert)
it writes the Step-4 outputs and renders headings, figures and HTML tables: no widgets.
In app mode (Voilà, `LNOB_APP` set) a team picks an indicator and a circumstance, reads
every measure with its meaning, and sets equity targets, which are saved at once to
`step4_targets.yaml`, so nothing is lost on a refresh. Only aggregates are shown.
"""

from __future__ import annotations

import textwrap

import ipywidgets as w
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from ..errors import InputError, LnobError
from ..measure.heat import MEASURES
from ..measure.step4 import OUTPUT_FOLDER, Step4Result, compute_step4
from ..measure.targets import (
    TARGETS_FILE,
    EquityTarget,
    TargetSet,
    disparity_ratio_target,
    floor_targets,
    load_targets,
    save_targets,
    worst_off_faster,
)
from ..measure.trends import NATIONAL
from ..measure.trends_plot import trajectory_chart
from ..notebook import StepContext, parse_list, step_context
from ..privacy import FLAG_SUPPRESSED
from ..render import SUPPRESSED_MARK
from ..yamlstore import locked
from .feedback import Alerts, busy, guarded
from .forms import plain, show_figure, show_table

KEY_MEASURES_NONORDERED = ("D", "R", "BGV", "MDMW", "PAF")
RANKED_MEASURES = ("ACI", "RCI", "SII", "RII")
MAX_CHARTS = 6
DEFAULT_VALUES = {"worst_off_faster": 0.5, "floor": 80.0, "disparity_ratio": 0.8}
TARGET_KINDS = {
    "worst_off_faster": "Worst-off group closes part of its gap (value: share of the gap closed, 0-1)",
    "floor": "Every group at or beyond a floor (value: the floor level)",
    "disparity_ratio": "Worst-off group reaches a share of the best-off group (value: the ratio, e.g. 0.8)",
}


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
    display(Markdown(f"**{plain(a.country.name)}**, survey rounds {', '.join(map(str, years))}."))
    if context.is_app:
        status = Alerts()
        display(status)
        try:
            with busy(status, "Computing the Step-4 measures, trends and MPI…"):
                result = compute_step4(a, years, chosen, circs)
        except LnobError as error:  # a bad data file or yaml: say so on the page, not as a traceback
            status.show(str(error), "error")
            return
        display(Step4App(context, result).widget)
        return
    result = compute_step4(a, years, chosen, circs)
    result.write()
    render_report(result)


# --- report ------------------------------------------------------------------------------

def render_report(result: Step4Result) -> None:
    """The whole Step-4 section as headings, static figures and HTML tables."""
    a = result.analysis
    display(Markdown(
        "Inequality is summarised with WHO's 21 measures, progress is followed group by group, and "
        "equity targets make closing gaps an explicit goal, as the guide's Step 4 asks. All tables hold "
        f"aggregates only; estimates from fewer than {a.settings.suppression.min_n} cases show as "
        f"\"suppressed\". Files: `outputs/{OUTPUT_FOLDER}/` ({result.seconds:.1f} s to compute)."))
    _trajectories(result)
    _ranked_measures(result)
    _other_measures(result)
    _measure_guide(result)
    _trend_table(result)
    _targets(result)
    _mpi(result)
    _framework(result)


def _trajectories(result: Step4Result) -> None:
    display(Markdown("## Trajectories to 2030\n\nWorst-off and best-off groups and the national value at "
                     "each round, projected at their past pace (dashed), with the target and the latest gap."))
    if result.trends is None:
        display(Markdown("_Only one round is selected: trajectories need two or more._"))
        return
    for indicator, dimension, target in chart_choices(result):
        figure = trajectory_chart(result.trends, indicator, dimension, source=_source(result),
                                  title=_chart_title(result, indicator, dimension), unit="%", target=target,
                                  target_label="Worst-off group's target")
        show_figure(figure)


def chart_choices(result: Step4Result) -> list[tuple[str, str, float | None]]:
    """(indicator, dimension, target) for the key charts: the team's group targets first."""
    table = result.trends.table
    available = set(zip(table.loc[table["worst_off"], "indicator"], table.loc[table["worst_off"], "dimension"]))
    picks: dict[tuple[str, str], float | None] = {}
    for t in result.targets.targets:
        if (t.indicator, t.dimension) in available and t.kind in ("worst_off_faster", "disparity_ratio"):
            picks.setdefault((t.indicator, t.dimension), t.target)
    ranked = [c.id for c in result.analysis.circumstances if c.ordered and c.factor == "socioeconomic"]
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


def _ranked_measures(result: Step4Result) -> None:
    latest = max(result.tables)
    m = result.measures
    rows = m[(m["year"] == latest) & m["measure"].isin(RANKED_MEASURES) & m["ordered"]]
    rows = rows[rows["dimension_id"].isin({d for d in m.loc[m["basis"] == "microdata", "dimension_id"]})]
    display(Markdown(f"## Summary measures, {latest}\n\n### Ranked groups (wealth, education)\n\n"
                     "From most disadvantaged to most advantaged. *Aggregated*: HEAT's computation on the "
                     "group estimates. *Microdata*: the same measures from the survey rows, with "
                     "design-based intervals. 95% intervals in brackets."))
    if rows.empty:
        display(Markdown("_No ranked circumstance is selected._"))
        return
    rows = rows.assign(value=format_estimates(rows), column=rows["measure"] + " (" + rows["basis"] + ")")
    wide = rows.pivot_table(index=["indicator", "dimension"], columns="column", values="value",
                            aggfunc="first", sort=False)
    wide.columns.name = None
    show_table(wide.reset_index(), digits=None)


def _other_measures(result: Step4Result) -> None:
    latest = max(result.tables)
    m = result.measures
    rows = m[(m["year"] == latest) & ~m["ordered"] & m["measure"].isin(KEY_MEASURES_NONORDERED)]
    display(Markdown("### Other circumstances: five key measures\n\nAll 21 measures are in "
                     f"`outputs/{OUTPUT_FOLDER}/summary_measures.csv`."))
    if rows.empty:
        display(Markdown("_No non-ordered circumstance is selected._"))
        return
    rows = rows.assign(value=format_estimates(rows, interval=False))
    wide = rows.pivot_table(index=["indicator", "dimension"], columns="measure", values="value", aggfunc="first",
                            sort=False)[list(KEY_MEASURES_NONORDERED)]
    wide.columns.name = None
    show_table(wide.reset_index(), digits=None)


def _measure_guide(result: Step4Result) -> None:
    conventions = (result.measures.drop_duplicates(["measure", "basis"])
                   .set_index(["measure", "basis"])["convention"])
    rows = [{"measure": name, "what it says": info.meaning,
             "convention": "; ".join(f"{basis}: {c}" for (m, basis), c in conventions.items() if m == name and c)}
            for name, info in MEASURES.items()]
    display(Markdown("### What each measure says"))
    show_table(pd.DataFrame(rows), digits=None)


def _trend_table(result: Step4Result) -> None:
    display(Markdown("## Trends by group\n\nWorst-off group of each circumstance and the national value: "
                     "change per year, average annual rate of change (AARC), gap to the national value, and "
                     "where the pace of past rounds leads by 2030."))
    if result.trends is None:
        display(Markdown("_Only one round is selected: trends need two or more._"))
        return
    table = result.trends.table
    rows = table[table["worst_off"] | (table["dimension"] == NATIONAL)]
    view = pd.DataFrame({
        "indicator": rows["indicator"], "dimension": rows["dimension"], "group": rows["subgroup"],
        "baseline": rows["baseline"].round(1), "latest": rows["latest"].round(1),
        "AARC %": (100 * rows["aarc"]).round(1), "gap then": rows["gap_baseline"].round(1),
        "gap now": rows["gap_latest"].round(1), "trend": rows["convergence"],
        "2030 projected": rows["projection_aarc"].round(1), "target": rows["target"].round(1),
        "status": rows["status"],
    })
    show_table(view, digits=None)


def _targets(result: Step4Result) -> None:
    display(Markdown("## Equity targets\n\nThe team's targets (`step4_targets.yaml`): the pace each needs and "
                     f"its milestones. {len(result.suggested_targets.targets)} further targets (every worst-off "
                     f"group halving its gap) are suggested in `outputs/{OUTPUT_FOLDER}/suggested_targets.csv`."))
    frame = result.targets.to_frame()
    if frame.empty:
        display(Markdown("_No targets set yet; set them in the app._"))
        return
    frame = frame.drop(columns=["direction", "path", "required_aarc"]).round(
        {"baseline": 1, "target": 1, "required_annual_change": 2})
    show_table(frame, digits=None)


def _mpi(result: Step4Result) -> None:
    display(Markdown("## Multidimensional poverty (MPI)"))
    if not result.mpi:
        display(Markdown("_No `mpi.yaml` in the analysis folder, so no MPI._"))
        return
    mpi = result.mpi_frame()
    summary = mpi[(mpi["indicator"] == "") & mpi["measure"].isin(["H", "A", "M0"])]
    national = summary[summary["dimension"] == "national"].pivot_table(
        index="year", columns="measure", values="value")[["H", "A", "M0"]].rename_axis(columns=None)
    display(Markdown("H: share of people who are poor; A: average share of weighted deprivations among them; "
                     "M0 = H x A."))
    show_table(national.round(3).reset_index(), digits=None)
    latest = max(result.mpi)
    by_group = summary[(summary["year"] == latest) & (summary["dimension"] != "national")]
    by_group = by_group.assign(value=np.where(by_group["flag"] == FLAG_SUPPRESSED, SUPPRESSED_MARK,
                                              by_group["value"].round(3).astype(str)))
    wide = by_group.pivot_table(index=["dimension", "group"], columns="measure", values="value", aggfunc="first",
                                sort=False)[["H", "A", "M0"]]
    wide.columns.name = None
    display(Markdown(f"### By group, {latest}"))
    show_table(wide.reset_index(), digits=None)
    contributions = mpi[(mpi["measure"] == "contribution_pct") & (mpi["dimension"] == "national")]
    display(Markdown("### Contribution of each indicator to M0 (%)"))
    show_table(contributions.pivot_table(index="indicator", columns="year", values="value", sort=False)
               .round(1).rename_axis(columns=None).reset_index(), digits=None)
    checks = result.mpi_decomposition()
    display(Markdown(f"Decomposition check: the population-weighted group M0 add up to the national M0 for "
                     f"{int(checks['adds_up'].sum())} of {len(checks)} breakdowns."))
    substitutions = next(iter(result.mpi.values())).substitutions
    if not substitutions.empty:
        display(Markdown("Stand-ins for global-MPI indicators the survey lacks (from `mpi.yaml`):"))
        show_table(substitutions, digits=None)


def _framework(result: Step4Result) -> None:
    display(Markdown("## Indicator framework\n\nStructural (a commitment), process (the effort) and outcome "
                     "(the result) indicators, from `step4_framework.yaml`."))
    frame = result.framework.to_frame()
    if frame.empty:
        display(Markdown("_No framework yet: add `step4_framework.yaml`._"))
        return
    show_table(frame, digits=None)
    display(Markdown("Indicators per SDG target and type (an empty cell may be a blind spot):"))
    show_table(result.framework.coverage().reset_index(), digits=None)


def format_estimates(rows: pd.DataFrame, interval: bool = True) -> pd.Series:
    """"12.3 [10.1, 14.5]"; RCI with three decimals; a missing value says why in one word."""
    digits = np.where(rows["measure"].isin(["RCI", "R", "RII"]), 3, 1)
    text = []
    for est, low, high, d, note in zip(rows["estimate"], rows["ci_lb"], rows["ci_ub"], digits, rows["note"]):
        if not np.isfinite(est):
            text.append(SUPPRESSED_MARK if "suppress" in str(note) or "fewer than" in str(note) else "n/a")
        elif interval and np.isfinite(low) and np.isfinite(high):
            text.append(f"{est:.{d}f} [{low:.{d}f}, {high:.{d}f}]")
        else:
            text.append(f"{est:.{d}f}")
    return pd.Series(text, index=rows.index)


# --- app ---------------------------------------------------------------------------------

class Step4App:
    """Pick an indicator and a circumstance, read every measure, and set equity targets.

    Targets are read from and written to `step4_targets.yaml` on every action, so the
    file, not the kernel's memory, holds the team's work.
    """

    def __init__(self, context: StepContext, result: Step4Result, alerts: Alerts | None = None) -> None:
        self.context = context
        self.result = result
        self.alerts = alerts or Alerts()
        a = context.analysis
        indicators = sorted(set(result.measures["indicator"]), key=[i.id for i in a.indicators].index)
        dimensions = sorted(set(result.measures["dimension_id"]), key=[c.id for c in a.circumstances].index)
        self.year = w.Dropdown(options=result.years, value=max(result.years), description="Round",
                               layout=w.Layout(width="10%"), style={"description_width": "initial"})
        wide = w.Layout(width="45%")
        self.indicator = w.Dropdown(options=[(a.indicator(i).label, i) for i in indicators], description="Indicator",
                                    layout=wide)
        self.dimension = w.Dropdown(options=[(a.circumstance(c).label, c) for c in dimensions],
                                    description="Circumstance", layout=wide, style={"description_width": "initial"})
        self.kind = w.Dropdown(options=[(text, kind) for kind, text in TARGET_KINDS.items()],
                               description="Target", layout=w.Layout(width="95%"))
        self.value = w.FloatText(value=0.5, description="Value")
        self.target_year = w.BoundedIntText(value=2030, min=2000, max=2100, description="By year")
        self.path = w.Dropdown(options=[("straight line", "linear"), ("constant rate (AARC)", "aarc")],
                               description="Path")
        self.save = w.Button(description="Save target", button_style="primary", icon="save")
        self.measures_out = w.Output()
        self.targets_out = w.Output()
        for control in (self.year, self.indicator, self.dimension):
            control.observe(self.redraw, names="value")
        self.kind.observe(self.suggest_value, names="value")
        self.save.on_click(self.save_target)
        self.redraw()
        self.show_targets()

    @property
    def widget(self) -> w.Widget:
        form = w.VBox([w.HTML("<b>Set an equity target for the chosen indicator and circumstance</b>"),
                       self.kind, w.HBox([self.value, self.target_year, self.path]), self.save])
        return w.VBox([w.HBox([self.year, self.indicator, self.dimension]), self.measures_out, form,
                       self.alerts, self.targets_out])

    def selected_measures(self) -> pd.DataFrame:
        m = self.result.measures
        chosen = m[(m["year"] == self.year.value) & (m["indicator"] == self.indicator.value)
                   & (m["dimension_id"] == self.dimension.value)]
        return chosen.assign(value=format_estimates(chosen))[
            ["measure", "basis", "value", "meaning", "convention", "note"]]

    @guarded
    def redraw(self, _change: dict | None = None) -> None:
        self.measures_out.clear_output(wait=True)
        with self.measures_out:
            table = self.selected_measures()
            other_kind = table["note"].str.contains("dimensions only")
            show_table(table[~other_kind], digits=None)
            if other_kind.any():
                display(Markdown(plain("Not given for this kind of circumstance: "
                                       + ", ".join(table.loc[other_kind, "measure"]) + " ("
                                       + table.loc[other_kind, "note"].iloc[0] + ").")))
            worst = self._worst_off()
            if worst is not None:
                show_figure(trajectory_chart(
                    self.result.trends, self.indicator.value, self.dimension.value, source=_source(self.result),
                    unit="%", title=_chart_title(self.result, self.indicator.value, self.dimension.value),
                    target=self._saved_target(worst["subgroup"]), target_label="Worst-off group's target"))

    def _worst_off(self) -> pd.Series | None:
        """The worst-off group's trend row for the current choice (None without a trend)."""
        if self.result.trends is None:
            return None
        t = self.result.trends.table
        rows = t[(t["indicator"] == self.indicator.value) & (t["dimension"] == self.dimension.value) & t["worst_off"]]
        return rows.iloc[0] if len(rows) else None

    def _saved_target(self, subgroup: str) -> float | None:
        """The team's saved target for that group (read from the file, never kept in memory)."""
        for t in load_targets(self.context.folder).targets:
            if (t.indicator, t.dimension, t.subgroup) == (self.indicator.value, self.dimension.value, subgroup):
                return t.target
        return None

    @guarded
    def save_target(self, _button: w.Button | None = None) -> None:
        """Build the target(s) from the latest round and save them at once (same id = replaced)."""
        new = self.build_targets()
        folder = self.context.folder
        ids = {t.id for t in new}
        with locked(folder / TARGETS_FILE):  # read and write as one step, so a parallel save is kept
            kept = [t for t in load_targets(folder).targets if t.id not in ids]
            save_targets(folder, TargetSet(targets=kept + new))
        self.alerts.show(f"Saved {len(new)} target(s) to step4_targets.yaml: "
                         + ", ".join(t.id for t in new) + ".", "ok")
        self.show_targets()
        self.redraw()

    @guarded
    def suggest_value(self, _change: dict | None = None) -> None:
        """A sensible starting value for the chosen kind of target."""
        self.value.value = DEFAULT_VALUES[self.kind.value]

    def build_targets(self) -> list[EquityTarget]:
        trends = self.result.trends
        if trends is None:
            raise InputError("targets: only one round is loaded; targets start from trends of two or more rounds.")
        indicator, dimension = self.indicator.value, self.dimension.value
        year, value, kind = int(self.target_year.value), float(self.value.value), self.kind.value
        table = trends.table
        groups = table[(table["indicator"] == indicator) & (table["dimension"] == dimension)]
        national = table[(table["indicator"] == indicator) & (table["dimension"] == NATIONAL)].iloc[0]
        if groups.empty or not groups["worst_off"].any():
            raise InputError(f"{indicator} by {dimension}: no trend with two or more groups; choose another "
                             "circumstance.")
        latest_year = int(national["latest_year"])
        if year <= latest_year:
            raise InputError(f"target year: {year}; expected a year after the latest round ({latest_year}).")
        worst = groups[groups["worst_off"]].iloc[0]
        best = groups[groups["best_off"]].iloc[0]
        direction = worst["direction"]
        scale = self.context.analysis.indicator(indicator).scale
        if kind == "worst_off_faster":
            saved = [t.target for t in load_targets(self.context.folder).targets
                     if t.indicator == indicator and t.dimension == NATIONAL and t.target_year == year]
            aim = saved[0] if saved else _projected(national, year, scale)
            targets = [worst_off_faster(indicator, dimension, worst["subgroup"], latest_year, worst["latest"],
                                        national["latest"], aim, value, year, direction, self.path.value)]
        elif kind == "floor":
            if not 0 <= value <= scale:
                raise InputError(f"floor: {value:g} is outside the indicator's range; expected 0 to {scale}.")
            baselines = groups[["subgroup", "latest"]].rename(columns={"latest": "estimate"})
            targets = floor_targets(baselines, indicator, dimension, latest_year, value, year, direction,
                                    self.path.value)
        else:
            if not 0 < value <= 1:
                raise InputError(f"ratio: {value:g}; expected a share above 0 and at most 1 "
                                 "(0.8 = the worst-off group reaches 80% of the best-off group's level).")
            ratio = value if direction == "favourable" else 1 / value
            targets = [disparity_ratio_target(indicator, dimension, worst["subgroup"], latest_year, worst["latest"],
                                              f"{best['subgroup']} (projected)", _projected(best, year, scale), ratio,
                                              year, direction, self.path.value)]
        return [t.with_milestones(3) for t in targets]

    def show_targets(self) -> None:
        self.targets_out.clear_output(wait=True)
        with self.targets_out:
            frame = load_targets(self.context.folder).to_frame()
            display(Markdown(f"**Targets saved in step4_targets.yaml: {len(frame)}**"))
            if not frame.empty:
                show_table(frame[["id", "kind", "subgroup", "baseline_year", "baseline", "target_year",
                                  "target", "milestones"]].round({"baseline": 1, "target": 1}), digits=None)


def _projected(row: pd.Series, year: int, scale: float) -> float:
    """The row's value in `year` at its past annual change, kept within 0 and the indicator's scale."""
    value = row["latest"] + row["annual_change"] * (year - row["latest_year"])
    if not np.isfinite(value):
        raise InputError(f"{row['indicator']}, {row['subgroup']}: no trend to project (a suppressed value); "
                         "choose another group or circumstance.")
    return float(np.clip(value, 0, scale))


__all__ = ["Step4App", "render_report", "show"]
