"""The Step 1 page: "Who is left behind?" as a static report or as an interactive app.

`show()` is the only call the notebook makes. It checks the notebook's parameters, runs
Step 1 and then either renders the whole section with static figures and tables (report
mode: papermill, nbconvert, PDF; no widgets) or builds the app (Voilà). Both emit the same
headings, and both write Step 1's outputs, so Steps 2-5 find them whichever was opened. Only
aggregates reach the page: tables show n, and suppressed estimates read "suppressed" (see
`render`).
"""

from __future__ import annotations

import ipywidgets as w
import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from ..config import FACTORS, TreeSettings
from ..groups import GROUP_SEPARATOR
from ..notebook import check_int, check_tree_rules, parse_list, step_context
from ..render import figure_png, table_html
from ..who.evidence import SOURCE_TYPES, add_evidence, evidence_matrix, load_evidence
from ..who.furthest import grow_indicator_tree
from ..who.left_behind import parse_group_id
from ..who.plots import dot_plot, gap_heatmap
from ..who.step1 import Step1Result, compute_step1
from ..who.tree_plot import plot_tree
from .feedback import Alerts, busy, guarded
from .forms import plain

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
    rules = check_tree_rules(a.settings.tree, min_leaf=min_leaf, max_depth=max_depth)
    result = compute_step1(a, year, indicators=ids, rules=rules)
    if ctx.is_app:
        display(Markdown(f"# Who is left behind? {plain(a.country.name)}, {plain(result.data.round.name)}"))
        display(Step1App(result).widget)
    else:
        written = result.write()
        render_report(result, [p.name for p in written])
    return result


# --- tables -------------------------------------------------------------------------------

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
        circumstances = list(parse_group_id(gid))
        if len(circumstances) == 2:
            return GROUP_SEPARATOR.join(circumstances)
    return result.analysis.circumstances[0].id


# --- report -------------------------------------------------------------------------------

def render_report(result: Step1Result, written: list[str]) -> None:
    """The whole Step 1 section with static figures and tables (no widgets)."""
    a, source = result.analysis, result.source
    display(Markdown(f"# Who is left behind? {plain(a.country.name)}, {plain(result.data.round.name)}\n\n{INTRO}"))

    display(Markdown("## National values"))
    display(HTML(table_html(_national_table(result), digits=1)))

    display(Markdown(
        f"## Groups left behind\nA group is left behind when its whole confidence interval lies on the "
        f"unfavourable side of the national value and the gap is at least "
        f"{result.left_behind.min_gap * 100:.0f} points. {len(result.left_behind.groups)} groups qualify; "
        f"the {TOP_GROUPS} highest ranked:"))
    display(HTML(table_html(_groups_table(result), digits=1)))
    top = list(result.left_behind.groups["group_id"].head(TOP_GROUPS))
    if top:
        display(Image(figure_png(gap_heatmap(result.left_behind.cells, source, groups=top,
                                             title="Gap to the national value, highest-ranked groups"))))

    dimension = _lead_dimension(result)
    display(Markdown(f"## Estimates by group ({dimension.replace(' & ', ' x ')})"))
    for ind in result.indicators:
        display(Image(figure_png(dot_plot(result.table, ind, dimension, source))))

    display(Markdown("## The furthest behind (trees)"))
    display(HTML(table_html(result.furthest.drop(columns=["ci_lb", "ci_ub"]), digits=1)))
    for it in result.trees.values():
        display(Markdown(f"### {plain(it.indicator_name)}\nD-index {it.dindex.d_index:.3f}, HOI "
                         f"{it.dindex.hoi * 100:.1f}; gap between furthest ahead and behind {it.gap:.1f} points."))
        display(Image(figure_png(plot_tree(it.tree, it.indicator_name, source))))
        display(HTML(table_html(it.shapley.to_frame(), digits=3)))

    display(Markdown("## Overlapping deprivations"))
    display(HTML(table_html(result.overlaps.to_frame().drop(columns=["indicators", "file"]), digits=1)))
    display(Markdown("### At the centre of the five factors"))
    display(HTML(table_html(result.centre, digits=1)))

    display(Markdown("## Evidence from all sources"))
    log_groups = [e.group_key for e in result.evidence.entries]
    display(HTML(table_html(result.matrix.wide(list(dict.fromkeys([*log_groups, *top[:5]]))), digits=1)))
    display(HTML(table_html(result.matrix.triangulation().head(TOP_GROUPS), digits=1)))

    display(Markdown("## What we do not know (data gaps)"))
    gaps = result.gaps.to_frame()
    display(HTML(table_html(gaps.groupby("category", sort=False).head(TOP_GROUPS), digits=1)))
    display(Markdown("Files written for Step 2: " + ", ".join(f"`{n}`" for n in written)))


# --- app ----------------------------------------------------------------------------------

class Step1App:
    """The interactive page; every handler is a `guarded` method, so errors show on the page.

    Opening the page writes Step 1's outputs, so Steps 2-5 find them.
    """

    def __init__(self, result: Step1Result) -> None:
        self.result = result
        a = result.analysis
        self.alerts = Alerts()
        dims = list(dict.fromkeys(result.table.loc[result.table["group_id"] != "national", "dimension_id"]))
        self.indicator = w.Dropdown(options=result.indicators, description="Indicator")
        self.dimension = w.Dropdown(options=dims, value=_lead_dimension(result), description="Groups by")
        self.dots = w.Output()
        tree_ids = list(result.trees)
        self.tree_indicator = w.Dropdown(options=tree_ids, description="Indicator")
        rules = next(iter(result.trees.values())).tree.rules if result.trees else result.analysis.settings.tree
        low, high = TreeSettings.bounds("min_leaf")  # the sliders span the rules' bounds
        self.min_leaf = w.IntSlider(value=rules.min_leaf, min=low, max=high, description="min_leaf")
        low, high = TreeSettings.bounds("max_depth")
        self.max_depth = w.IntSlider(value=rules.max_depth, min=low, max=high, description="max_depth")
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

        self.folder = a.folder
        for control in (self.indicator, self.dimension):
            control.observe(self.on_dots, names="value")
        for control in (self.tree_indicator, self.min_leaf, self.max_depth):
            control.observe(self.on_tree, names="value")
        self.group.observe(self.on_group, names="value")
        self.save.on_click(self.on_save)
        self.on_dots()
        self.on_tree()
        self.on_group()
        self.draw_evidence()
        self.write_outputs()  # last, so a failure to write stays on the page

        self.widget = w.VBox([
            self.alerts,
            w.Tab(children=[
                w.VBox([w.HBox([self.indicator, self.dimension]), self.dots]),
                w.VBox([w.HBox([self.tree_indicator, self.min_leaf, self.max_depth]), self.tree_out]),
                w.VBox([self.group, self.group_out]),
                w.VBox([*self.form.values(), self.save, self.evidence_out]),
            ], titles=("By group", "Furthest behind", "Groups left behind", "Evidence")),
        ])

    @guarded
    def write_outputs(self) -> None:
        """Save the aggregates Steps 2-5 read (atomic writes, as in report mode)."""
        self.result.write()

    @guarded
    def on_dots(self, _change: dict | None = None) -> None:
        r = self.result
        rows = r.table.loc[(r.table["indicator_abbr"] == self.indicator.value)
                           & (r.table["dimension_id"] == self.dimension.value)]
        self.dots.clear_output(wait=True)
        with self.dots:
            display(Image(figure_png(dot_plot(r.table, self.indicator.value, self.dimension.value, r.source))))
            display(HTML(table_html(rows[["subgroup", "estimate", "ci_lb", "ci_ub", "n", "flag"]], digits=1)))

    @guarded
    def on_tree(self, _change: dict | None = None) -> None:
        r = self.result
        with busy(self.alerts, "Growing the tree…"):
            rules = r.analysis.settings.tree.replace(min_leaf=self.min_leaf.value, max_depth=self.max_depth.value)
            it = grow_indicator_tree(r.data, self.tree_indicator.value, rules)
            self.tree_out.clear_output(wait=True)
            with self.tree_out:
                display(Image(figure_png(plot_tree(it.tree, it.indicator_name, r.source))))
                display(Markdown(f"D-index {it.dindex.d_index:.3f}; HOI {it.dindex.hoi * 100:.1f}; "
                                 f"gap {it.gap:.1f} points."))
                display(HTML(table_html(it.nodes[["label", "path", "n", "share", "estimate", "ci_lb", "ci_ub",
                                                  "flag", "role"]], digits=3)))
                display(Markdown("Each circumstance's share of the D-index (Shapley):"))
                display(HTML(table_html(it.shapley.to_frame(), digits=3)))

    @guarded
    def on_group(self, _change: dict | None = None) -> None:
        r = self.result
        self.group_out.clear_output(wait=True)
        if self.group.value is None:
            return
        with self.group_out:
            cells = r.left_behind.for_group(self.group.value)
            display(HTML(table_html(cells[["indicator_abbr", "estimate", "ci_lb", "ci_ub", "setting_average", "gap",
                                           "n", "flag", "left_behind"]], digits=1)))
            display(HTML(table_html(r.matrix.for_group(self.group.value), digits=1)))

    @guarded
    def on_save(self, _button: w.Button | None = None) -> None:
        values = {k: (v.value.strip() if isinstance(v.value, str) else v.value) for k, v in self.form.items()}
        entry = add_evidence(self.folder, values)
        self.alerts.show(f"Saved evidence entry {entry.id} to evidence.yaml.", "ok")
        for key in ("finding", "citation", "group", "group_id"):
            self.form[key].value = ""
        self.draw_evidence()

    @guarded
    def draw_evidence(self) -> None:
        r = self.result
        log = load_evidence(r.analysis.folder)
        matrix = evidence_matrix(r.left_behind, log, r.analysis, r.partners)
        self.evidence_out.clear_output(wait=True)
        with self.evidence_out:
            columns = ["id", "source_type", "label", "factor", "finding", "citation", "date"]
            display(HTML(table_html(log.to_frame()[columns], digits=1)))
            display(HTML(table_html(matrix.triangulation().head(TOP_GROUPS), digits=1)))
