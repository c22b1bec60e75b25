"""The Step 1 page: "Who is left behind?" as a static report or as an interactive app.

`show()` is the only call the notebook makes. It checks the notebook's parameters, runs
Step 1 and then either renders the whole section with static figures and tables (report
mode: papermill, nbconvert, PDF; no widgets) or builds the app (Voilà). Both write Step 1's
outputs, so Steps 2-5 find them whichever was opened. Only aggregates reach the page.

Everything shown speaks the analysis's words: indicator, circumstance, group and factor
labels from analysis.yaml (`Words`), never their ids; numbers are formatted for reading
("67.1 (64.2-69.8)"), and suppressed estimates read "suppressed".
"""

from __future__ import annotations

import html
import logging
import re
import textwrap
import threading
from dataclasses import replace

import ipywidgets as w
import numpy as np
import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from .. import style
from ..config import FACTOR_LABELS, FACTORS, TreeSettings
from ..entries import entry_fingerprints
from ..errors import InputError
from ..exports import write_table
from ..groups import GROUP_SEPARATOR
from ..notebook import check_int, check_tree_rules, parse_list, step_context
from ..privacy import FLAG_SUPPRESSED
from ..render import yes_no
from ..who.evidence import (
    EVIDENCE_FILE,
    SOURCE_LABELS,
    SOURCE_TYPES,
    EvidenceLog,
    add_evidence,
    delete_evidence,
    evidence_matrix,
    load_evidence,
    update_evidence,
)
from ..who.furthest import IndicatorTree, grow_indicator_tree
from ..who.furthest_summary import FurthestSummary, summarise_furthest
from ..who.gaps import data_gaps
from ..who.left_behind import parse_group_id
from ..who.plots import dot_plot, gap_heatmap
from ..who.step1 import Step1Result, compute_step1
from ..who.tree import TreeRules
from ..who.tree_plot import plot_tree
from . import downloads
from .feedback import Alerts, busy, guarded
from .forms import (LABEL_STYLE, DeleteButton, Form, UndoLine, choice, chosen, dress, group_picker, help_line,
                    picked_group, plain, text)
from .navigation import refresh_step_bar, step_bar
from .partners_panel import PackageImport, PartnersView, partners_in_report
from .words import Words, count, figure, full_table, html_table, intervals, level_text, number, percent

log = logging.getLogger("lnob.app")

NOTEBOOK = "1_who.ipynb"
TOP_GROUPS = 15
PARTNERS_TAB = 5  # the last tab: partners' figures beside the survey's
REPORT_ROWS = 10  # rows of a long table the report prints; the attached workbook holds them all
GAPS_LISTED = 3  # data gaps of one kind the report lists before "and n more"
GAP_KINDS = {
    "missing_disaggregation": "Indicators that cannot be broken down by a circumstance",
    "small_cells": "Groups with too few survey cases",
    "no_survey_data": "Groups named in the evidence that the survey does not cover",
    "framework_gap": "What the analysis has no circumstance for",
}
EVIDENCE_HELP = {
    "entry": "Pick \"A new entry\" to add one, or an entry of the list to change or delete it.",
    "source_type": "Who produced the finding.",
    "group": "Type a few letters of a group of the survey tables and pick it from the list.",
    "other_group": "Only for a group the survey does not cover; leave it empty otherwise.",
    "factor": "Which of the guide's five factors the finding is about.",
    "finding": "What the source found, in a sentence or two.",
    "citation": "Who published it, and where.",
    "date": "When it was published or collected: YYYY, YYYY-MM or YYYY-MM-DD, not in the future.",
}
NEW_ENTRY = ""
TALL_LIST = '<div class="lnob-scroll" style="max-height:320px;overflow-y:auto">{}</div>'


# --- tables ---------------------------------------------------------------------------------

def national_table(result: Step1Result, words: Words) -> pd.DataFrame:
    nat = result.table.loc[result.table["group_id"] == "national"]
    return pd.DataFrame({
        "Indicator": nat["indicator_abbr"].map(words.indicator),
        f"National value ({level_text(result.analysis)} interval)": intervals(nat),
        "Unit": np.where(nat["indicator_scale"] == 100, "%", "value"),
        "Cases": nat["n"].map(count),
    })


def groups_table(result: Step1Result, words: Words, top: int = TOP_GROUPS) -> pd.DataFrame:
    g = result.left_behind.groups.head(top)
    return pd.DataFrame({
        "Group": g["label"],
        "Indicators behind": g["n_indicators"].map(count),
        "Factors": g["factors"].map(words.factors),
        "Largest gap (points)": g["max_gap"].map(number),
        "Mean gap (points)": g["mean_gap"].map(number),
        "Share of the population": g["population_share"].map(percent),
        "Holds a furthest-behind group": g["furthest_behind"].astype(bool).map(yes_no),
    })


def by_group_table(result: Step1Result, indicator: str, dimension: str) -> pd.DataFrame:
    t = result.table
    rows = t.loc[(t["indicator_abbr"] == indicator) & (t["dimension_id"] == dimension)]
    unit = "%" if (rows["indicator_scale"] == 100).all() else "value"
    hidden = rows["flag"] == FLAG_SUPPRESSED
    return pd.DataFrame({
        "Group": rows["group_id"].map(Words.group),
        f"Estimate ({unit}, {level_text(result.analysis)} interval)": intervals(rows),
        "Cases": np.where(hidden, "", rows["n"].map(count)),
    })


def group_cells_table(result: Step1Result, words: Words, group_id: str) -> pd.DataFrame:
    cells = result.left_behind.for_group(group_id)
    hidden = cells["flag"] == FLAG_SUPPRESSED
    return pd.DataFrame({
        "Indicator": cells["indicator_abbr"].map(words.indicator),
        f"This group ({level_text(result.analysis)} interval)": intervals(cells),
        "National value": cells["setting_average"].map(number),
        "Gap (points, + = behind)": np.where(hidden, "", cells["gap"].map(number)),
        "Cases": np.where(hidden, "", cells["n"].map(count)),
        "Left behind": cells["left_behind"].fillna(False).astype(bool).map(yes_no),
    })


def group_evidence_table(matrix_rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Source": matrix_rows["source"],
        "Factor": matrix_rows["factor"].map(Words.factors),
        "Pieces of evidence": matrix_rows["count"].map(count),
        "What it says": matrix_rows["summary"],
    })


def furthest_table(result: Step1Result, words: Words, summary: FurthestSummary) -> pd.DataFrame:
    """One row per indicator tree: its furthest-behind group, that group's rate, the best rate and the gap,
    and whether the tree names the analysis's one furthest-behind group."""
    f = result.furthest
    behind = f.loc[f["role"] == "furthest behind"].set_index("indicator")
    ahead = f.loc[f["role"] == "furthest ahead"].set_index("indicator")["rate"]
    same = summary.trees.set_index("indicator")["same_group"]
    return pd.DataFrame({
        "Indicator": behind.index.map(words.indicator),
        "Furthest-behind group": behind["path"],
        f"Its rate (%, {level_text(result.analysis)} interval)": intervals(behind, "rate"),
        "Share of the population": behind["share"].map(percent),
        "Furthest-ahead rate (%)": ahead.reindex(behind.index).map(number),
        "Gap (points)": behind["gap"].map(number),
        "The overall furthest-behind group": same.reindex(behind.index).map(yes_no),
    })


def by_factor_table(summary: FurthestSummary) -> pd.DataFrame:
    """The left-behind groups by factor of the guide: how many, and the highest ranked."""
    f = summary.to_frame()
    return pd.DataFrame({
        "Factor": f["label"],
        "Groups left behind": f["groups"].map(count),
        "Highest ranked": f["top_groups"],
    })


def tree_groups_table(it: IndicatorTree, level: str) -> pd.DataFrame:
    nodes = it.nodes.loc[it.nodes["leaf"].astype(bool)].sort_values("estimate", na_position="last")
    role = {it.behind.node_id: "Furthest behind", it.ahead.node_id: "Furthest ahead"} \
        if it.behind.node_id != it.ahead.node_id else {}
    return pd.DataFrame({
        "Group": nodes["label"],
        "Defined by": nodes["path"],
        f"Rate (%, {level} interval)": intervals(nodes, factor=100),
        "Share of the population": nodes["share"].map(percent),
        "Cases": np.where(nodes["flag"] == FLAG_SUPPRESSED, "", nodes["n"].map(count)),
        "Role": nodes["node"].map(role).fillna(""),
    })


def shapley_table(it: IndicatorTree) -> pd.DataFrame:
    s = it.shapley.to_frame()
    return pd.DataFrame({
        "Circumstance": s["name"],
        "Contribution to D": s["contribution"].map(lambda v: number(v, 3)),
        "Share of D": s["share_of_d"].map(percent),
    })


def tree_sentence(it: IndicatorTree) -> str:
    d = it.dindex
    return (f"Dissimilarity index D = {d.d_index:.3f}: the share of access that would have to move between "
            f"these groups for each to have the average rate (0 = equal). Human Opportunity Index "
            f"{d.hoi * 100:.1f}%: the average rate discounted for its unequal spread. The furthest-ahead group's "
            f"rate is {it.gap:.1f} points above the furthest-behind group's.")


def overlaps_table(result: Step1Result, words: Words, top: int | None = REPORT_ROWS) -> pd.DataFrame:
    """Shares deprived on two or more, and three or more, indicators: everyone, then the `top` groups
    with the highest share on the most indicators (withheld estimates are not ranked). With several
    data files (DHS children and women), one block per file, saying which indicators it combines."""
    o = result.overlaps.to_frame()
    if o.empty:
        return pd.DataFrame()
    level = level_text(result.analysis)
    blocks = [_file_overlaps(rows, words, level, top) for _, rows in o.groupby("file", sort=False)]
    table = pd.concat(blocks, ignore_index=True).fillna("")
    return table if len(blocks) > 1 else table.drop(columns="Indicators combined")


def _file_overlaps(o: pd.DataFrame, words: Words, level: str, top: int | None) -> pd.DataFrame:
    measures = list(dict.fromkeys(o["measure"]))
    shown = o.assign(text=intervals(o, factor=100))
    wide = shown.pivot_table(index="group_id", columns="measure", values="text", aggfunc="first", sort=False)
    last = o.loc[(o["measure"] == measures[-1]) & (o["flag"] != FLAG_SUPPRESSED)]
    ranked = last.loc[last["group_id"] != "national"].sort_values("estimate", ascending=False)["group_id"]
    order = ["national", *(ranked.head(top) if top else ranked)]
    cases = o.loc[o["measure"] == measures[0]].drop_duplicates("group_id").set_index("group_id")
    return pd.DataFrame({
        "Indicators combined": words.indicators(str(o["indicators"].iloc[0])),
        "Group": words.distinct(order),
        **{f"{m.capitalize()} (%, {level} interval)": wide[m].reindex(order).fillna("").to_numpy() for m in measures},
        "Cases": [("" if cases.at[g, "flag"] == FLAG_SUPPRESSED else count(cases.at[g, "n"])) for g in order],
    })


def centre_table(result: Step1Result, words: Words) -> pd.DataFrame:
    c = result.centre
    return pd.DataFrame({
        "Group": c["label"],
        "Factors": c["factors"].map(words.factors),
        "Indicators behind": c["n_indicators"].map(count),
        "Mean gap (points)": c["mean_gap"].map(number),
    })


def triangulation_table(matrix, top: int | None = TOP_GROUPS, beyond_survey: bool = False) -> pd.DataFrame:
    """Per group, the kinds of source that speak about it; `beyond_survey`: only groups some other source names."""
    t = matrix.triangulation()
    if beyond_survey:
        t = t[t["sources"] != "household_survey"]
    t = t.head(top) if top else t
    return pd.DataFrame({
        "Group": t["label"],
        "Kinds of source": t["sources"].map(Words.sources),
        "Factors": t["factors"].map(Words.factors),
        "Confirmed by two or more kinds of source": t["triangulated"].astype(bool).map(yes_no),
    })


def evidence_table(evidence: EvidenceLog) -> pd.DataFrame:
    rows = evidence.entries
    return pd.DataFrame({
        "Group": [e.label for e in rows],
        "Source": [SOURCE_LABELS.get(e.source_type, e.source_type) for e in rows],
        "Factor": [FACTOR_LABELS.get(e.factor, e.factor) for e in rows],
        "Finding": [e.finding for e in rows],
        "Citation": [e.citation for e in rows],
        "Date": [e.date for e in rows],
    })


def gap_sentences(gaps: pd.DataFrame, words: Words) -> dict[str, list[str]]:
    """The data-gap sentences by kind, with indicator ids in them turned into labels."""
    ids = "|".join(re.escape(i) for i in sorted(words._indicators, key=len, reverse=True))
    in_brackets = re.compile(r"\(([^()]*)\)\.$")

    def readable(sentence: str) -> str:
        sentence = re.sub(r" \(entry [^()]*\)", "", sentence)
        match = in_brackets.search(sentence)
        if match and ids and re.fullmatch(rf"(?:{ids})(?:, (?:{ids}))*", match.group(1)):
            sentence = sentence[:match.start()] + f"({words.indicators(match.group(1), ', ')})."
        return sentence

    return {kind: [readable(s) for s in gaps.loc[gaps["category"] == kind, "detail"]]
            for kind in GAP_KINDS}


def gaps_html(gaps: pd.DataFrame, words: Words, most: int | None = None) -> str:
    """The data gaps by kind, each kind under a heading with its count; with `most`, only the first
    `most` of a kind are listed, then how many more there are and where they all are."""
    parts = []
    for kind, sentences in gap_sentences(gaps, words).items():
        if not sentences:
            continue
        listed = sentences[:most] if most else sentences
        items = "".join(f"<li>{html.escape(s)}</li>" for s in listed)
        more = len(sentences) - len(listed)
        if more:
            items += f"<li>{more:,} more. {html.escape(full_table(1, 'data_gaps', 'The full list'))}</li>"
        parts.append(f"<h4>{html.escape(GAP_KINDS[kind])} ({len(sentences):,})</h4>"
                     + (TALL_LIST if len(listed) > 12 else "{}").format(f"<ul>{items}</ul>"))
    return "".join(parts) or "<p><em>No data gaps found.</em></p>"


def _lead_dimension(result: Step1Result) -> str:
    """The dimension of the highest-ranked two-way group, else the first circumstance."""
    for gid in result.left_behind.groups["group_id"]:
        circumstances = list(parse_group_id(gid))
        if len(circumstances) == 2:
            return GROUP_SEPARATOR.join(circumstances)
    return result.analysis.circumstances[0].id


def _labelled_cells(cells: pd.DataFrame, words: Words) -> pd.DataFrame:
    """Cells whose indicator column holds short labels, for the heatmap's rows."""
    return cells.assign(indicator_abbr=cells["indicator_abbr"].map(
        lambda i: textwrap.shorten(words.indicator(i), 48, placeholder="…")))


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
        display(Step1App(result, rules=rules, write_in_background=True).widget)
    else:
        result.write()
        render_report(result)
    return result


# --- report -------------------------------------------------------------------------------

def render_report(result: Step1Result) -> None:
    """The Step 1 section of the report: short tables and the figures that carry the message, with the
    full tables in the attached workbook (no widgets)."""
    a = result.analysis
    words = Words(a)
    summary = summarise_furthest(result)
    display(Markdown(f"**{plain(a.country.name)}, {plain(result.data.round.name)}.**"))

    display(Markdown("## National values"))
    display(HTML(html_table(national_table(result, words), key=True)))

    _report_left_behind(result, words, summary)
    _report_trees(result, words, summary)

    display(Markdown("## Overlapping deprivations"))
    overlaps = result.overlaps.to_frame()
    if len(overlaps):
        combined = overlaps["indicators"].iloc[0].split(";")
        which = ("above" if set(combined) == set(result.indicators)
                 else f"({plain(words.indicators(combined))})")
        display(Markdown(
            f"The share of people deprived on two or more, and on three or more, of the {len(combined)} indicators "
            f"{which} at once: everyone, then the {REPORT_ROWS} groups with the highest share. "
            + plain(full_table(1, "overlaps"))))
    display(HTML(html_table(overlaps_table(result, words), key=True, empty="No overlaps: fewer than two 0/1 "
                                                                         "indicators share a data file.")))
    centre = result.centre
    if len(centre):
        display(Markdown(
            f"**At the centre of the five factors.** {len(centre):,} left-behind groups combine disadvantages "
            f"on different factors, led by {plain('; '.join(centre['label'].head(3)))}. "
            + plain(full_table(1, "left_behind", "Every left-behind group, with its factors"))))

    display(Markdown("## Evidence from all sources\n"
                     f"The survey beside the {len(result.evidence.entries)} findings of other sources recorded: the "
                     "groups that a source other than the survey speaks about, and whether two or more kinds of "
                     "source agree."))
    display(HTML(html_table(triangulation_table(result.matrix, top=None, beyond_survey=True),
                            empty="No source other than the survey names a group yet.")))
    _report_partners(result)

    display(Markdown("## What we do not know (data gaps)"))
    counts, rule = result.summary()["counts"], a.settings.suppression
    if counts["estimates"]:
        display(Markdown(
            f"Of the {counts['estimates']:,} estimates of this round, {counts['suppressed']:,} "
            f"({counts['suppressed'] / counts['estimates']:.0%}) are withheld because they rest on fewer than "
            f"{rule.min_n} survey cases, and {counts['caution']:,} more rest on fewer than {rule.caution_n} and are "
            "shown with caution."))
    display(HTML(gaps_html(result.gaps.to_frame(), words, most=GAPS_LISTED)))


def _report_partners(result: Step1Result) -> None:
    """The partners' figures beside the survey's, when the collaborative store holds any."""
    said = partners_in_report(result.analysis, result.year)
    if said is None:
        return
    display(Markdown("### Partners' figures beside the survey's\n"
                     + "\n".join(f"- {plain(s)}" for s in said.sentences)))
    display(Markdown("**The quality of each partner's data**"))
    display(HTML(html_table(said.quality)))
    shown = min(REPORT_ROWS, len(said.differing))
    display(Markdown(f"**Where a partner's figure differs from the survey's** ({len(said.differing):,} in "
                     f"{result.year}{f', the first {shown} shown' if len(said.differing) > shown else ''}). The "
                     "joint monitoring report (`lnob collab report`) holds every figure of every partner."))
    display(HTML(html_table(said.differing.head(REPORT_ROWS),
                            empty="None: every partner's figure agrees with the survey's within the intervals.")))


def _report_left_behind(result: Step1Result, words: Words, summary: FurthestSummary) -> None:
    """Who is left behind, summarised: the one furthest-behind group, the groups by factor, the top groups."""
    lb = result.left_behind
    display(Markdown(
        f"## Groups left behind\nA group is left behind on an indicator when its whole confidence interval lies "
        f"on the unfavourable side of the national value and the gap is at least {lb.min_gap * 100:.0f} points. "
        f"{summary.n_groups:,} groups are left behind on at least one indicator.\n\n"
        f"**{plain(summary.sentence())}** {plain(summary.rule)}"))
    display(Markdown("### Left behind, by factor\nThe groups disadvantaged on each of the guide's five factors "
                     "(a group can count under several), and the highest ranked of them:"))
    display(HTML(html_table(by_factor_table(summary))))
    if summary.group_id is not None:
        display(Markdown(f"### {plain(summary.label)}, indicator by indicator\n"
                         + plain(full_table(1, f"disaggregation_{result.year}", "Every indicator by every group"))))
        display(HTML(html_table(group_cells_table(result, words, summary.group_id), key=True)))
    shown = min(REPORT_ROWS, len(lb.groups))
    display(Markdown(f"### The {shown} highest-ranked groups\n{plain(full_table(1, 'left_behind'))}"))
    display(HTML(html_table(groups_table(result, words, top=REPORT_ROWS),
                            empty="No group is left behind on this round.")))
    top = list(lb.groups["group_id"].head(REPORT_ROWS))
    if top:
        display(Image(figure(lambda: gap_heatmap(_labelled_cells(lb.cells, words), result.source, groups=top,
                                                 title="Gap to the national value, highest-ranked groups")),
                      metadata={"alt": "Gap to the national value of the highest-ranked groups, by indicator"}))


def _report_trees(result: Step1Result, words: Words, summary: FurthestSummary) -> None:
    """Every tree's furthest-behind group in one table; one tree drawn, beside why the others differ."""
    display(Markdown("## The furthest behind (trees)\n" + plain(TREE_KEY_TEXT)))
    display(HTML(html_table(furthest_table(result, words, summary), key=True, empty="No tree was grown.")))
    if not result.trees:
        return
    same = summary.trees.loc[summary.trees["same_group"], "indicator"]
    it = result.trees[same.iloc[0] if len(same) else next(iter(result.trees))]
    display(Markdown(f"### {plain(it.indicator_name)}\n{plain(tree_sentence(it))}"))
    display(Image(figure(lambda: plot_tree(it.tree, it.indicator_name, result.source)),
                  metadata={"alt": f"Furthest-behind tree for {it.indicator_name}"}))
    if summary.notes:
        display(Markdown("**Where a tree names another group:**\n\n"
                         + "\n".join(f"- {plain(n)}" for n in summary.notes)))


# --- app ----------------------------------------------------------------------------------

TREE_KEY_TEXT = ("Red box: the furthest-behind group, the people at the end of the tree with the worst rate. "
                 "Blue box: the furthest-ahead group, with the best rate. Each split divides a group by the "
                 "circumstance that separates its people most.")


def _swatch(colour: str) -> str:
    return (f'<span style="display:inline-block;width:14px;height:14px;border:2px solid {colour};'
            f'background:{colour}33;vertical-align:middle"></span>')


TREE_KEY = (f'<div class="lnob-tree-key" style="margin:4px 0">{_swatch(style.BEHIND)} <b>Furthest behind</b>: the '
            "group at the end of the tree with the worst rate. "
            f"{_swatch(style.AHEAD)} <b>Furthest ahead</b>: the group with the best rate. Each split divides a "
            "group by the circumstance that separates its people most.</div>")


def _described(control: w.DescriptionWidget, help_text: str) -> w.VBox:
    """A control with its one-line help below; the help is also the control's tooltip."""
    control.tooltip = help_text
    return w.VBox([control, help_line(help_text, indent=False)], layout=w.Layout(margin="0 12px 6px 0"))


class Step1App:
    """The interactive page; every handler is a `guarded` method, so errors show on the page.

    Opening the page (and switching the round) writes Step 1's outputs, so Steps 2-5 find
    them; with `write_in_background` the page appears first and the files follow.
    """

    def __init__(self, result: Step1Result, rules: TreeRules | None = None,
                 write_in_background: bool = False) -> None:
        self.result = result
        a = result.analysis
        self.analysis = a
        self.folder = a.folder
        self.words = Words(a)
        self.rules = rules or next((it.tree.rules for it in result.trees.values()), a.settings.tree)
        self.background = write_in_background
        self.writer: threading.Thread | None = None
        self._write_lock = threading.Lock()
        self.alerts = Alerts()
        self.stale: set[int] = set()
        self.quiet = False  # True while the lists are refilled: one redraw afterwards, not one per list

        self.header = w.HTML()
        years = [r.year for r in sorted(a.rounds, key=lambda r: r.year)]
        self.round = w.ToggleButtons(options=[(str(y), y) for y in years], value=result.year,
                                     description="Survey round", style={"description_width": "110px",
                                                                        "button_width": "80px"},
                                     tooltips=[a.round(y).name for y in years])
        self.round.observe(self.on_round, names="value")

        wide = w.Layout(width="560px")
        self.indicator = w.Dropdown(description="Indicator", layout=wide, style={"description_width": "90px"})
        self.dimension = w.Dropdown(description="Groups by", layout=wide, style={"description_width": "90px"})
        self.dots = w.Output()
        self.tree_indicator = w.Dropdown(description="Indicator", layout=wide, style={"description_width": "90px"})
        low, high = TreeSettings.bounds("min_leaf")  # the sliders span the rules' bounds
        slider_style = {"description_width": "190px"}
        self.min_leaf = w.IntSlider(value=self.rules.min_leaf, min=low, max=high,
                                    description="Smallest group (people)", style=slider_style,
                                    continuous_update=False, layout=w.Layout(width="500px"))
        low, high = TreeSettings.bounds("max_depth")
        self.max_depth = w.IntSlider(value=self.rules.max_depth, min=low, max=high,
                                     description="Splits in a row (at most)", style=slider_style,
                                     continuous_update=False, layout=w.Layout(width="500px"))
        self.tree_out = w.Output()
        self.groups_view = w.HTML()
        self.group = w.Dropdown(description="Group", layout=wide, style={"description_width": "90px"})
        self.group_out = w.Output()
        self.gaps_view = w.HTML()
        self.evidence_view = w.HTML()
        self.downloads = downloads.offer([], "Download Step 1's tables")
        self._fill_choices()
        self._build_evidence_form()
        self.partners: PartnersView | None = None  # made when its tab first opens
        self.partners_box = w.VBox()
        self.packages = PackageImport(a, self.after_package)

        for control in (self.indicator, self.dimension):
            control.observe(self.on_dots, names="value")
        for control in (self.tree_indicator, self.min_leaf, self.max_depth):
            control.observe(self.on_tree, names="value")
        self.group.observe(self.on_group, names="value")

        self.tabs = w.Tab(children=[
            w.VBox([w.HBox([
                _described(self.indicator, "The indicator to compare across groups."),
                _described(self.dimension, "Compare the groups of one circumstance, or of two or three "
                                           "circumstances together."),
            ], layout=w.Layout(flex_flow="row wrap")), self.dots]),
            w.VBox([
                _described(self.tree_indicator, "The indicator whose furthest-behind tree is drawn."),
                w.HBox([
                    _described(self.min_leaf, "Fewest people interviewed in a group at the end of the tree."),
                    _described(self.max_depth, "Most splits from everyone down to a group."),
                ], layout=w.Layout(flex_flow="row wrap")),
                w.HTML(TREE_KEY), self.tree_out]),
            w.VBox([self.groups_view,
                    _described(self.group, "Pick a group to see every indicator and what other sources say "
                                           "about it."),
                    self.group_out]),
            w.VBox([self.evidence_box, self.evidence_view, self.packages.widget]),
            w.VBox([self.gaps_view]),
            self.partners_box,
        ], titles=("By group", "Furthest behind", "Groups left behind", "Evidence", "Data gaps", "Partners"))
        self.tabs.observe(self.on_tab, names="selected_index")

        self.step_bar = step_bar(a, NOTEBOOK)
        self.widget = w.VBox([
            self.step_bar,
            self.header,
            _described(self.round, "Every table and figure on this page is for this survey round; switching "
                                   "recomputes them and rewrites Step 1's files."),
            self.alerts,
            self.tabs,
            self.downloads,
        ], layout=w.Layout(max_width="100%"))
        self.widget.add_class("lnob-step1")
        self.draw()
        self.write_outputs()

    # --- drawing -----------------------------------------------------------------------

    def _fill_choices(self) -> None:
        """Options of every list from the current result (labels shown, ids kept)."""
        r, words = self.result, self.words
        self.header.value = (f"<h2>{html.escape(r.analysis.country.name)}: "
                             f"{html.escape(r.data.round.name)}</h2>")
        dims = list(dict.fromkeys(r.table.loc[r.table["group_id"] != "national", "dimension_id"]))
        _set(self.indicator, [(words.indicator(i), i) for i in r.indicators])
        _set(self.dimension, [(words.dimension(d), d) for d in dims], _lead_dimension(r))
        _set(self.tree_indicator, [(words.indicator(i), i) for i in r.trees])
        groups = r.left_behind.groups
        _set(self.group, list(zip(groups["label"], groups["group_id"])))
        self.group_names = self._survey_groups()
        if hasattr(self, "evidence_form"):
            picker = self.evidence_form["group"]
            picker.options = list(self.group_names.values())
            picker.ids = {name: gid for gid, name in self.group_names.items()}

    def _survey_groups(self) -> dict[str, str]:
        """Group id -> name of every group of the survey tables, for the evidence form's picker.

        A name two groups share ("Other") says what each is a group of.
        """
        t = self.result.table
        ids = list(dict.fromkeys(t.loc[t["group_id"] != "national", "group_id"]))
        return dict(zip(ids, self.words.distinct(ids)))

    def draw(self) -> None:
        """Draw the visible tab now and the others when they are first opened."""
        self.stale = set(range(len(self.tabs.children)))
        self.on_tab()

    @guarded
    def on_tab(self, _change: dict | None = None) -> None:
        index = self.tabs.selected_index or 0
        if index in self.stale:
            self.stale.discard(index)
            (self.on_dots, self.on_tree, self.draw_groups, self.draw_evidence, self.draw_gaps,
             self.draw_partners)[index]()  # PARTNERS_TAB last

    def draw_all(self) -> None:
        """Draw every tab at once (tests; a report-like view)."""
        for index in range(len(self.tabs.children)):
            self.tabs.selected_index = index
        self.tabs.selected_index = 0

    @guarded
    def on_dots(self, _change: dict | None = None) -> None:
        r = self.result
        if self.quiet or self.indicator.value is None or self.dimension.value is None:
            return
        png = figure(lambda: dot_plot(r.table, self.indicator.value, self.dimension.value, r.source))
        table = by_group_table(r, self.indicator.value, self.dimension.value)
        self.dots.clear_output(wait=True)
        with self.dots:
            display(Image(png))
            display(HTML(html_table(table, key=True)))

    def current_tree(self) -> IndicatorTree | None:
        """The tree of the chosen indicator under the sliders' rules (grown again only when they differ)."""
        r = self.result
        if self.tree_indicator.value is None:
            return None
        rules = self.rules.replace(min_leaf=self.min_leaf.value, max_depth=self.max_depth.value)
        known = r.trees.get(self.tree_indicator.value)
        if known is not None and known.tree.rules == rules:
            return known
        return grow_indicator_tree(r.data, self.tree_indicator.value, rules)

    @guarded
    def on_tree(self, _change: dict | None = None) -> None:
        if self.quiet or 1 in self.stale:  # not opened yet: drawn when it is
            return
        r = self.result
        with busy(self.alerts, "Growing the tree…"):
            it = self.current_tree()
            if it is None:
                return
            png = figure(lambda: plot_tree(it.tree, it.indicator_name, r.source))
            self.tree_out.clear_output(wait=True)
            with self.tree_out:
                display(Image(png))
                display(HTML(f"<p>{html.escape(tree_sentence(it))}</p>"))
                display(HTML(html_table(tree_groups_table(it, level_text(r.analysis)), key=True)))
                display(HTML("<p>How much of the inequality (D) each circumstance explains (Shapley shares):</p>"))
                display(HTML(html_table(shapley_table(it))))

    @guarded
    def draw_groups(self) -> None:
        r = self.result
        lb = r.left_behind
        self.groups_view.value = (
            f"<p>A group is left behind when its whole confidence interval lies on the unfavourable side of the "
            f"national value and the gap is at least {lb.min_gap * 100:.0f} points. {len(lb.groups)} groups "
            f"qualify; the {min(TOP_GROUPS, len(lb.groups))} highest ranked:</p>"
            + html_table(groups_table(r, self.words), empty="No group is left behind on this round.")
            + "<h4>Groups at the centre of the five factors</h4>"
            + html_table(centre_table(r, self.words), empty="No group is behind across three or more factors."))
        self.on_group()

    @guarded
    def on_group(self, _change: dict | None = None) -> None:
        if self.quiet or 2 in self.stale:
            return
        r = self.result
        self.group_out.clear_output(wait=True)
        if self.group.value is None:
            return
        with self.group_out:
            display(HTML(html_table(group_cells_table(r, self.words, self.group.value), key=True)))
            display(HTML("<h4>What every source says about this group</h4>"))
            display(HTML(html_table(group_evidence_table(r.matrix.for_group(self.group.value)))))

    @guarded
    def draw_gaps(self) -> None:
        r = self.result
        gaps = data_gaps(r.table, r.analysis, load_evidence(self.folder)).to_frame()
        self.gaps_view.value = (
            "<p>The guide asks every team to name what the data cannot tell. These gaps are written to "
            "data_gaps.csv with the other tables of Step 1.</p>" + gaps_html(gaps, self.words))

    # --- round --------------------------------------------------------------------------

    @guarded
    def on_round(self, _change: dict | None = None) -> None:
        """Compute Step 1 for the chosen round, redraw everything and rewrite the outputs."""
        year = self.round.value
        if year == self.result.year:
            return
        r = self.result
        with busy(self.alerts, f"Computing Step 1 for {self.analysis.round(year).name}…"):
            self.result = compute_step1(r.analysis, year, indicators=r.indicators, rules=self.rules)
            self.quiet = True
            try:
                self._fill_choices()
            finally:
                self.quiet = False
            self.draw()
        self.write_outputs()

    # --- outputs ------------------------------------------------------------------------

    def write_outputs(self) -> None:
        """Save the aggregates Steps 2-5 read (atomic writes, as in report mode)."""
        if self.background:
            self.writer = threading.Thread(target=self._write, args=(self.result,), daemon=True)
            self.writer.start()
        else:
            self._write(self.result)

    def wait_written(self, timeout: float | None = None) -> None:
        """Wait for a write started in the background (tests)."""
        if self.writer is not None:
            self.writer.join(timeout)

    @guarded
    def _write(self, result: Step1Result) -> None:
        with self._write_lock:
            if result.year != self.result.year:  # another round was chosen meanwhile; it writes its own
                return
            result.write(spreadsheet_apart=True)
            self.downloads.value = downloads.links_html(downloads.step_files(self.folder, 1),
                                                        "Download Step 1's tables")
            refresh_step_bar(self.step_bar)

    # --- evidence ---------------------------------------------------------------------------

    def _build_evidence_form(self) -> None:
        groups = pd.DataFrame({"group_id": list(self.group_names), "label": list(self.group_names.values())})
        self.evidence_form = Form({
            "entry": choice("Entry", []),
            "source_type": choice("Source", [(SOURCE_LABELS[s], s) for s in SOURCE_TYPES]),
            "group": group_picker("Group", groups),
            "other_group": text("Or another group", "e.g. Sex workers in the Capital"),
            "factor": choice("Factor", [(FACTOR_LABELS[f], f) for f in FACTORS]),
            "finding": text("Finding", "e.g. Most Tamar villages are two hours from a clinic.", long=True),
            "citation": text("Citation", "e.g. Highlands Women's Health Network, shadow report"),
            "date": w.Text(description="Date", placeholder="e.g. 2024-05", layout=w.Layout(width="60%"),
                           style=LABEL_STYLE),
        }, "Save evidence", self.save_evidence, title="Add or change a piece of evidence",
            help="Findings from sources other than the survey, each about one group and one of the five factors.")
        dress(self.evidence_form, EVIDENCE_HELP)
        self.form = self.evidence_form  # the fields, by name
        self.delete = DeleteButton("Delete this entry", self.delete_evidence, what=self._entry_named)
        dress(self.delete, {})
        self.undo = UndoLine(self.folder / EVIDENCE_FILE, self.after_undo)
        self.evidence_form["entry"].observe(self.on_entry, names="value")
        self.evidence_box = w.VBox([self.evidence_form.box, self.delete.box, self.undo.box])
        self._evidence_seen: dict[str, str] = {}

    def _entries(self) -> EvidenceLog:
        return load_evidence(self.folder)

    @guarded
    def draw_evidence(self) -> None:
        """The evidence list, the triangulation and the entry choices, read from the file."""
        r = self.result
        log_ = self._entries()
        self._evidence_seen = entry_fingerprints(log_.model_dump())
        matrix = evidence_matrix(r.left_behind, log_, r.analysis, r.partners)
        entry = self.evidence_form["entry"]
        keep = entry.value
        entry.options = [("A new entry", NEW_ENTRY)] + [
            (f"{e.label}: {textwrap.shorten(e.finding, 70, placeholder='…')} ({e.date})", e.id) for e in log_.entries]
        entry.value = keep if keep in {e.id for e in log_.entries} else NEW_ENTRY
        self.evidence_view.value = (
            f"<h4>Evidence recorded ({len(log_.entries)} entries)</h4>"
            + html_table(evidence_table(log_), empty="No evidence recorded yet.")
            + "<h4>Which kinds of source speak about each group</h4>"
            + html_table(triangulation_table(matrix, top=None, beyond_survey=True)))
        self.packages.draw_listing()

    def _entry_named(self, _form: object = None) -> str:
        """How the delete question names the chosen entry; an error when none is chosen."""
        entry_id = self.evidence_form["entry"].value
        entry = next((e for e in self._entries().entries if e.id == entry_id), None)
        if entry is None:
            raise InputError("Entry: no entry is chosen; pick the entry to delete in the list above.")
        return f'the evidence about "{entry.label}" ({SOURCE_LABELS.get(entry.source_type, "")}, {entry.date})'

    @guarded
    def on_entry(self, _change: dict | None = None) -> None:
        """Fill the form with the chosen entry (or empty it for a new one)."""
        form = self.evidence_form
        entry_id = form["entry"].value
        entry = next((e for e in self._entries().entries if e.id == entry_id), None)
        if entry is None:
            for name in ("finding", "citation", "date", "other_group"):
                form[name].value = ""
            form["group"].value = ""
        else:
            form["source_type"].value = entry.source_type
            form["factor"].value = entry.factor
            form["finding"].value = entry.finding
            form["citation"].value = entry.citation
            form["date"].value = entry.date
            form["group"].value = self.group_names.get(entry.group_id, "") if entry.group_id else ""
            form["other_group"].value = entry.group

    def evidence_values(self, form: Form) -> dict:
        """The form's values checked in plain words (group picked from the survey's groups, or named)."""
        other = form["other_group"].value.strip()
        typed = str(form["group"].value or "").strip()
        if typed or not other:
            group_id = picked_group(form["group"], "Group")
            other = ""
        else:
            group_id = ""
        return {
            "source_type": chosen(form["source_type"].value, "Source"),
            "factor": chosen(form["factor"].value, "Factor"),
            "group_id": group_id, "group": other,
            "finding": form["finding"].value, "citation": form["citation"].value, "date": form["date"].value,
        }

    @guarded
    def save_evidence(self, form: Form) -> None:
        values = self.evidence_values(form)
        entry_id = form["entry"].value
        if entry_id == NEW_ENTRY:
            entry = add_evidence(self.folder, values)
            done = f"Evidence about {entry.label} added."
        else:
            entry = update_evidence(self.folder, entry_id, values, seen=self._evidence_seen)
            done = f"Evidence about {entry.label} changed."
        self.draw_evidence()
        if entry_id == NEW_ENTRY:
            form["entry"].value = NEW_ENTRY
            self.on_entry()
        self.after_evidence_change()
        self.undo.offer(done, form)

    @guarded
    def delete_evidence(self, form: DeleteButton) -> None:
        self._entry_named()
        entry = delete_evidence(self.folder, self.evidence_form["entry"].value, seen=self._evidence_seen)
        self.evidence_form["entry"].value = NEW_ENTRY
        self.draw_evidence()
        self.after_evidence_change()
        self.undo.offer(f"Evidence about {entry.label} deleted.", form)

    @guarded
    def after_undo(self, *_args: object) -> None:
        self.draw_evidence()
        self.after_evidence_change()

    def draw_partners(self) -> None:
        """The partners tab, made on first opening (its libraries load then), then drawn from the store."""
        if self.partners is None:
            self.partners = PartnersView(self.analysis, lambda: self.result.year)
            self.partners_box.children = (self.partners.widget,)
        self.partners.draw()

    def after_package(self) -> None:
        """A partner's package came in: the partners tab is drawn again when next shown."""
        self.stale.add(PARTNERS_TAB)
        self.on_tab()

    def after_evidence_change(self) -> None:
        """The matrix and the gaps follow the evidence: redrawn when next shown, and data_gaps.csv rewritten."""
        r = self.result
        log_ = self._entries()
        self.result = _with_evidence(r, log_)
        self.stale |= {2, 4}
        self.on_tab()
        with self._write_lock:
            gaps_file = self.analysis.outputs / "step1" / "data_gaps.csv"
            if gaps_file.exists():
                write_table(self.result.gaps.to_frame(), gaps_file, self.analysis.settings.suppression)


def _with_evidence(result: Step1Result, log_: EvidenceLog) -> Step1Result:
    """`result` with its evidence, matrix and gaps from the log as it is now."""
    return replace(result, evidence=log_,
                   matrix=evidence_matrix(result.left_behind, log_, result.analysis, result.partners),
                   gaps=data_gaps(result.table, result.analysis, log_))


def _set(widget: w.Dropdown, options: list[tuple[str, object]], value: object = None) -> None:
    """New options for a list, keeping the choice when it is still offered (else `value`, else the first)."""
    keep = widget.value
    values = [v for _, v in options]
    widget.options = options
    widget.value = keep if keep in values else (value if value in values else (values[0] if values else None))
