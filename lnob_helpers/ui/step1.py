"""The Step 1 page: "Who is left behind?" as a static report or as an interactive app.

`show()` is the only call the notebook makes. It checks the notebook's parameters, runs
Step 1 and then either renders the whole section with static figures and tables (report
mode: papermill, nbconvert, PDF; no widgets) or builds the app (Voilà). Both emit the same
headings. Only aggregates reach the page: tables show n, and suppressed estimates read
"suppressed".
"""

from __future__ import annotations

import io

import ipywidgets as w
import pandas as pd
from IPython.display import HTML, Image, Markdown, display
from matplotlib.figure import Figure

from ..config import FACTORS
from ..notebook import check_int, parse_list, step_context
from ..privacy import FLAG_SUPPRESSED
from ..who.evidence import SOURCE_TYPES, add_evidence, evidence_matrix, load_evidence
from ..who.furthest import grow_indicator_tree, tree_rules
from ..who.plots import dot_plot, gap_heatmap
from ..who.step1 import Step1Result, compute_step1
from ..who.tree_plot import plot_tree
from .feedback import Alerts, busy, guarded

TOP_GROUPS = 15
INTRO = (
    "Step 1 of the guide asks who is left behind and who among them is furthest behind. "
    "Below: every indicator by group, the groups left behind, the furthest-behind trees, "
    "overlapping deprivations, evidence from other sources, and the gaps in what we know."
)


# --- parameters ---------------------------------------------------------------------------

def show(analysis: str = "", mode: str = "auto", round: int = 0, indicators: str = "",  # noqa: A002
         min_leaf: int = 0, max_depth: int = 0) -> Step1Result:
    """Validate the notebook's parameters, compute Step 1 and render it (report or app)."""
    ctx = step_context(analysis, mode)
    a = ctx.analysis
    year = check_int(round, "round", 0, 2100) or None
    ids = parse_list(indicators, [i.id for i in a.indicators], "indicators")
    leaf = check_int(min_leaf, "min_leaf", 0, 1_000_000) or None
    depth = check_int(max_depth, "max_depth", 0, 10) or None
    rules = tree_rules(a.settings.tree, min_leaf=leaf, max_depth=depth)
    result = compute_step1(a, year, indicators=ids, rules=rules)
    if ctx.is_app:
        display(Markdown(f"# Who is left behind? {a.country.name}, {result.data.round.name}"))
        display(Step1App(result).widget)
    else:
        written = result.write()
        render_report(result, [p.name for p in written])
    return result


# --- shared rendering helpers ---------------------------------------------------------------

def figure_image(fig: Figure) -> Image:
    """A static PNG of `fig`, so pages never depend on a matplotlib backend."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return Image(data=buffer.getvalue(), format="png")


def table_html(table: pd.DataFrame, digits: int = 1) -> HTML:
    """An aggregate table as HTML; suppressed estimates read "suppressed"."""
    shown = table.copy()
    if "flag" in shown.columns:
        hidden = shown["flag"].to_numpy() == FLAG_SUPPRESSED
        for column in ("estimate", "rate", "ci_low", "ci_high", "ci_lb", "ci_ub", "se", "gap"):
            if column in shown.columns:
                shown[column] = shown[column].astype(object)
                shown.loc[hidden, column] = "suppressed"
    formatted = shown.to_html(index=False, float_format=lambda v: f"{v:,.{digits}f}", na_rep="",
                              classes="lnob-table", border=0)
    return HTML(formatted)


def _groups_table(result: Step1Result, top: int = TOP_GROUPS) -> pd.DataFrame:
    g = result.left_behind.groups.head(top)
    return g.assign(population_share=g["population_share"] * 100).rename(columns={
        "label": "group", "n_indicators": "indicators behind", "n_factors": "factors",
        "max_gap": "largest gap (points)", "mean_gap": "mean gap (points)", "population_share": "share (%)",
        "furthest_behind": "contains a furthest-behind group", "factors": "factor tags",
    })[["group", "indicators behind", "factor tags", "factors", "largest gap (points)", "mean gap (points)",
        "share (%)", "contains a furthest-behind group"]]


def _national_table(result: Step1Result) -> pd.DataFrame:
    nat = result.table.loc[result.table["group_id"] == "national"]
    return nat[["indicator_abbr", "indicator_name", "estimate", "ci_lb", "ci_ub", "n", "flag"]].rename(
        columns={"indicator_abbr": "indicator", "indicator_name": "name"})


def _lead_dimension(result: Step1Result) -> str:
    """The dimension of the highest-ranked two-way group, else the first circumstance."""
    for gid in result.left_behind.groups["group_id"]:
        parts = gid.split(" & ")
        if len(parts) == 2:
            return " & ".join(p.split("=", 1)[0] for p in parts)
    return result.analysis.circumstances[0].id


# --- report -------------------------------------------------------------------------------

def render_report(result: Step1Result, written: list[str]) -> None:
    """The whole Step 1 section with static figures and tables (no widgets)."""
    a, source = result.analysis, result.source
    display(Markdown(f"# Who is left behind? {a.country.name}, {result.data.round.name}\n\n{INTRO}"))

    display(Markdown("## National values"))
    display(table_html(_national_table(result)))

    display(Markdown(
        f"## Groups left behind\nA group is left behind when its whole confidence interval lies on the "
        f"unfavourable side of the national value and the gap is at least "
        f"{result.left_behind.min_gap * 100:.0f} points. {len(result.left_behind.groups)} groups qualify; "
        f"the {TOP_GROUPS} highest ranked:"))
    display(table_html(_groups_table(result)))
    top = list(result.left_behind.groups["group_id"].head(TOP_GROUPS))
    if top:
        display(figure_image(gap_heatmap(result.left_behind.cells, source, groups=top,
                                         title="Gap to the national value, highest-ranked groups")))

    dimension = _lead_dimension(result)
    display(Markdown(f"## Estimates by group ({dimension.replace(' & ', ' x ')})"))
    for ind in result.indicators:
        display(figure_image(dot_plot(result.table, ind, dimension, source)))

    display(Markdown("## The furthest behind (trees)"))
    display(table_html(result.furthest.drop(columns=["ci_low", "ci_high"])))
    for it in result.trees.values():
        display(Markdown(f"### {it.indicator_name}\nD-index {it.dindex.d_index:.3f}, HOI "
                         f"{it.dindex.hoi * 100:.1f}; gap between furthest ahead and behind {it.gap:.1f} points."))
        display(figure_image(plot_tree(it.tree, it.indicator_name, source)))
        display(table_html(it.shapley.to_frame(), digits=3))

    display(Markdown("## Overlapping deprivations"))
    display(table_html(result.overlaps.to_frame().drop(columns=["indicators", "file"])))
    display(Markdown("### At the centre of the five factors"))
    display(table_html(result.centre))

    display(Markdown("## Evidence from all sources"))
    log_groups = [e.group_key for e in result.evidence.entries]
    display(table_html(result.matrix.wide(list(dict.fromkeys([*log_groups, *top[:5]])))))
    display(table_html(result.matrix.triangulation().head(TOP_GROUPS)))

    display(Markdown("## What we do not know (data gaps)"))
    gaps = result.gaps.to_frame()
    display(table_html(gaps.groupby("category", sort=False).head(TOP_GROUPS)))
    display(Markdown("Files written for Step 2: " + ", ".join(f"`{n}`" for n in written)))


# --- app ----------------------------------------------------------------------------------

class Step1App:
    """The interactive page; every handler is guarded so errors show on the page."""

    def __init__(self, result: Step1Result):
        self.result = result
        a = result.analysis
        self.alerts = Alerts()
        dims = list(dict.fromkeys(result.table.loc[result.table["group_id"] != "national", "dimension_id"]))
        self.indicator = w.Dropdown(options=result.indicators, description="Indicator")
        self.dimension = w.Dropdown(options=dims, value=_lead_dimension(result), description="Groups by")
        self.dots = w.Output()
        tree_ids = list(result.trees)
        self.tree_indicator = w.Dropdown(options=tree_ids, description="Indicator")
        rules = next(iter(result.trees.values())).tree.rules if result.trees else None
        self.min_leaf = w.IntSlider(value=rules.min_leaf if rules else 50, min=25, max=500, step=5,
                                    description="min_leaf")
        self.max_depth = w.IntSlider(value=rules.max_depth if rules else 3, min=1, max=6, description="max_depth")
        self.tree_out = w.Output()
        groups = list(result.left_behind.groups["group_id"])
        labels = dict(zip(result.left_behind.groups["group_id"], result.left_behind.groups["label"]))
        self.group = w.Dropdown(options=[(labels[g], g) for g in groups], description="Group")
        self.group_out = w.Output()
        self.form = {
            "source_type": w.Dropdown(options=SOURCE_TYPES, description="Source"),
            "group_id": w.Combobox(options=groups, description="Group id", placeholder="e.g. ethnicity=Tamar"),
            "group": w.Text(description="or label", placeholder="group the survey lacks"),
            "factor": w.Dropdown(options=FACTORS, description="Factor"),
            "finding": w.Textarea(description="Finding"),
            "citation": w.Text(description="Citation"),
            "date": w.Text(description="Date", placeholder="YYYY or YYYY-MM-DD"),
        }
        self.save = w.Button(description="Add evidence", button_style="primary")
        self.evidence_out = w.Output()

        g = guarded(self.alerts)
        self.on_dots = g(self._draw_dots)
        self.on_tree = g(self._draw_tree)
        self.on_group = g(self._draw_group)
        self.on_save = g(self._save_evidence)
        for control in (self.indicator, self.dimension):
            control.observe(lambda _change: self.on_dots(), names="value")
        for control in (self.tree_indicator, self.min_leaf, self.max_depth):
            control.observe(lambda _change: self.on_tree(), names="value")
        self.group.observe(lambda _change: self.on_group(), names="value")
        self.save.on_click(lambda _button: self.on_save())
        self.on_dots()
        self.on_tree()
        self.on_group()
        self._draw_evidence()

        self.widget = w.VBox([
            self.alerts,
            w.Tab(children=[
                w.VBox([w.HBox([self.indicator, self.dimension]), self.dots]),
                w.VBox([w.HBox([self.tree_indicator, self.min_leaf, self.max_depth]), self.tree_out]),
                w.VBox([self.group, self.group_out]),
                w.VBox([*self.form.values(), self.save, self.evidence_out]),
            ], titles=("By group", "Furthest behind", "Groups left behind", "Evidence")),
        ])
        self.folder = a.folder

    def _draw_dots(self) -> None:
        r = self.result
        rows = r.table.loc[(r.table["indicator_abbr"] == self.indicator.value)
                           & (r.table["dimension_id"] == self.dimension.value)]
        self.dots.clear_output(wait=True)
        with self.dots:
            display(figure_image(dot_plot(r.table, self.indicator.value, self.dimension.value, r.source)))
            display(table_html(rows[["subgroup", "estimate", "ci_lb", "ci_ub", "n", "flag"]]))

    def _draw_tree(self) -> None:
        r = self.result
        with busy(self.alerts, "Growing the tree…"):
            rules = tree_rules(r.analysis.settings.tree, min_leaf=self.min_leaf.value,
                               max_depth=self.max_depth.value)
            it = grow_indicator_tree(r.data, self.tree_indicator.value, rules)
            self.tree_out.clear_output(wait=True)
            with self.tree_out:
                display(figure_image(plot_tree(it.tree, it.indicator_name, r.source)))
                display(Markdown(f"D-index {it.dindex.d_index:.3f}; HOI {it.dindex.hoi * 100:.1f}; "
                                 f"gap {it.gap:.1f} points."))
                display(table_html(it.nodes[["label", "path", "n", "share", "estimate", "ci_low", "ci_high",
                                             "flag", "role"]], digits=3))
                display(Markdown("Each circumstance's share of the D-index (Shapley):"))
                display(table_html(it.shapley.to_frame(), digits=3))
        self.alerts.clear()

    def _draw_group(self) -> None:
        r = self.result
        self.group_out.clear_output(wait=True)
        if self.group.value is None:
            return
        with self.group_out:
            cells = r.left_behind.for_group(self.group.value)
            display(table_html(cells[["indicator_abbr", "estimate", "ci_lb", "ci_ub", "setting_average", "gap",
                                      "n", "flag", "left_behind"]]))
            display(table_html(r.matrix.for_group(self.group.value)))

    def _save_evidence(self) -> None:
        values = {k: (v.value.strip() if isinstance(v.value, str) else v.value) for k, v in self.form.items()}
        entry = add_evidence(self.folder, values)
        self.alerts.show(f"Saved evidence entry {entry.id} to evidence.yaml.", "ok")
        for key in ("finding", "citation", "group", "group_id"):
            self.form[key].value = ""
        self._draw_evidence()

    def _draw_evidence(self) -> None:
        r = self.result
        log = load_evidence(r.analysis.folder)
        matrix = evidence_matrix(r.left_behind, log, r.analysis, r.partners)
        self.evidence_out.clear_output(wait=True)
        with self.evidence_out:
            display(table_html(log.to_frame()[["id", "source_type", "label", "factor", "finding", "citation", "date"]]))
            display(table_html(matrix.triangulation().head(TOP_GROUPS)))
