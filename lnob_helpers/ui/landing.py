"""The landing page: the five steps as cards, each saying how far this analysis has got.

Progress is read from the analysis folder (step files and outputs), so it is the
same for every team member and survives any refresh. The cards are plain HTML, so they
appear at once. In the app, widgets below them build the country report
(`report_page.ReportPanel`), share its figures with partners (`share_page.SharePanel`), lead to
the new-analysis page, and switch the server between the analyses it may open
(`app.workspace_analyses`).
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import ipywidgets as w
import yaml

from ..app import CHOICE_ENV, choose_analysis, home_folder, workspace_analyses
from ..config import Analysis, load_analysis
from ..errors import InputError, LnobError
from ..notebook import step_context
from .feedback import Alerts, guarded
from .navigation import step_bar
from .report_page import ReportPanel
from .share_page import SharePanel

REPORT_NAMES = ("report.html", "report.pdf")


@dataclass(frozen=True)
class StepCard:
    number: int
    notebook: str
    title: str
    purpose: str
    files: tuple[str, ...]


CARDS = (
    StepCard(1, "1_who.ipynb", "Who is left behind?",
             "Disaggregate every indicator, find the groups left behind and the furthest behind, "
             "weigh the evidence from all sources and list the data gaps.",
             ("outputs/step1/left_behind.csv", "evidence.yaml")),
    StepCard(2, "2_why.ipynb", "Why?",
             "Prioritise the groups, trace the root causes in problem trees, and map rights holders, "
             "duty-bearers and their capacity gaps.", ("step2_why.yaml",)),
    StepCard(3, "3_what.ipynb", "What should be done?",
             "Choose actions in the seven areas, link them to causes and groups, and rank them "
             "furthest behind first.", ("step3_what.yaml",)),
    StepCard(4, "4_measure.ipynb", "How to measure progress",
             "Summary measures of inequality, trends and 2030 trajectories, equity targets and "
             "an indicator framework.", ("step4_targets.yaml", "step4_framework.yaml")),
    StepCard(5, "5_accountability.ipynb", "Accountability",
             "Scorecards, human-rights recommendations, participation and the VNR and MAPS checklists.",
             ("step5_accountability.yaml", "step5_recommendations.yaml")),
)


def step_status(folder: Path, card: StepCard) -> tuple[str, str]:
    """(state, sentence) for a card: 'todo', 'started' or 'done' with what was found."""
    found = [folder / f for f in card.files if (folder / f).exists()]
    if not found:
        return "todo", "Not started yet."
    entries = sum(_count_entries(p) for p in found if p.suffix == ".yaml")
    newest = max(p.stat().st_mtime for p in found)
    when = datetime.fromtimestamp(newest).strftime("%d %b %Y %H:%M")
    state = "done" if len(found) == len(card.files) else "started"
    what = f"{entries} saved entries" if entries else "results saved"
    return state, f"{what.capitalize()}; last change {when}."


def _count_entries(path: Path) -> int:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return 0
    if isinstance(doc, list):
        return len(doc)
    return sum(len(v) for v in doc.values() if isinstance(v, (list, dict))) if isinstance(doc, dict) else 0


def report_note(folder: Path) -> str:
    """Where the latest report is (report mode; the app offers it as downloads instead)."""
    for name in REPORT_NAMES:
        path = folder / "outputs" / "report" / name
        if path.exists():
            when = datetime.fromtimestamp(path.stat().st_mtime).strftime("%d %b %Y %H:%M")
            return f"The latest country report (built {when}) is in <code>{html.escape(str(path.parent))}</code>."
    return "No report yet: build one with <code>lnob report &lt;analysis-folder&gt;</code>."


CSS = """<style>
.lnob-cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:14px;margin:10px 0}
.lnob-card{border:1px solid #ccd;border-radius:8px;padding:12px 14px;background:#fff}
.lnob-card h3{margin:0 0 6px;color:#224466}.lnob-card p{margin:4px 0}
.lnob-state{display:inline-block;border-radius:10px;padding:1px 9px;font-size:0.85em}
.lnob-todo{background:#eee}.lnob-started{background:#f5eec8}.lnob-done{background:#d8ecd8}
.lnob-card a.open{display:inline-block;margin-top:6px;font-weight:600;color:#4477AA}
.lnob-landing a{font-weight:600;color:#4477AA;text-decoration:underline}
</style>"""


def landing_html(folder: Path, country: str, in_app: bool = False) -> str:
    """The heading and the five step cards (plain HTML: it shows at once); the report's place in report mode."""
    cards = []
    for card in CARDS:
        state, sentence = step_status(folder, card)
        label = {"todo": "not started", "started": "in progress", "done": "done"}[state]
        cards.append(
            f'<div class="lnob-card" id="step-{card.number}"><h3>Step {card.number}: {html.escape(card.title)}</h3>'
            f"<p>{html.escape(card.purpose)}</p>"
            f'<p><span class="lnob-state lnob-{state}">{label}</span> {html.escape(sentence)}</p>'
            f'<a class="open" href="{card.notebook}">Open step {card.number} →</a></div>'
        )
    return (f"{CSS}<h2>Leave No One Behind — {html.escape(country)}</h2>"
            f"<p>Analysis folder: <code>{html.escape(str(folder))}</code></p>"
            f'<div class="lnob-cards">{"".join(cards)}</div>' + ("" if in_app else f"<p>{report_note(folder)}</p>"))


HELP = """<div class="lnob-help-text"><h3>How this works</h3><ul>
<li>Go through the steps in order: each one starts from what the earlier ones found. Step 1 needs no
input; Steps 2, 3 and 5 are where your team writes, and every entry is saved as soon as you add it.</li>
<li>Everything is kept in the analysis folder named above, so a refresh or a closed page loses nothing,
and everyone on this server sees the same work.</li>
<li>The country report gathers all five steps. Build it when you want a copy to share; it takes a few
minutes and the rest of the app keeps working meanwhile.</li>
</ul></div>"""


class LandingPage:
    """The app's start page below the cards: the report, sharing with partners, a new analysis, and which
    analysis is open."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.alerts = Alerts()
        self.report = ReportPanel(analysis.folder)
        self.share = SharePanel(analysis.folder)
        new = w.HTML("<h3>Another survey?</h3><p>Upload a country's survey files and the workbook proposes an "
                     'analysis of them. <a class="lnob-new" href="0_new_analysis.ipynb">Start a new analysis →'
                     "</a></p>")
        parts = [self.report.widget, self.share.widget, new]
        choices = self.choices()
        if len(choices) > 1:
            here = analysis.folder.resolve().name
            self.picker = w.Dropdown(description="Analysis", options=choices,
                                     value=here if here in [v for _, v in choices] else None,
                                     layout=w.Layout(width="70%"), style={"description_width": "80px"})
            self.open_button = w.Button(description="Open it", tooltip="Open the chosen analysis on every new page")
            self.open_button.on_click(self.switch)
            self.opened = w.HTML()
            parts += [w.HTML("<h3>Analyses on this server</h3><p>Pages opened after a switch work on the chosen "
                             "analysis, for everyone using this server.</p>"),
                      w.HBox([self.picker, self.open_button]), self.alerts, self.opened]
        parts.append(w.HTML(HELP))
        self.widget = w.VBox(parts)
        self.widget.add_class("lnob-landing")

    @staticmethod
    def choices() -> list[tuple[str, str]]:
        """(label, folder name) of each analysis this server may open; none when it cannot switch."""
        home = home_folder()
        if home is None or not os.environ.get(CHOICE_ENV):
            return []
        out = []
        for name, folder in workspace_analyses(home).items():
            try:
                country = load_analysis(folder).country.name
            except LnobError:
                country = "analysis.yaml has a problem"
            out.append((f"{country} ({name})", name))
        return out

    @guarded
    def switch(self, button: w.Button | None = None) -> None:
        """Make new pages open the analysis chosen in the list."""
        if not self.picker.value:
            raise InputError("Analysis: nothing is chosen; expected one of the analyses in the list.")
        choose_analysis(self.picker.value)
        label = dict((v, k) for k, v in self.picker.options)[self.picker.value]
        self.opened.value = (f"<p>New pages now open {html.escape(label)}. "
                             '<a href="index.ipynb">Reload the start page</a> to see its steps.</p>')
        self.alerts.show(f"Switched to {label}.", "ok")


def show(analysis: str = "", mode: str = "auto") -> None:
    """The start page: step bar, cards and, in the app, the report, new-analysis and switch controls."""
    from IPython.display import HTML, display

    ctx = step_context(analysis, mode)
    if ctx.is_app:
        display(step_bar(ctx.analysis, "index.ipynb"))
    display(HTML(landing_html(ctx.folder, ctx.analysis.country.name, in_app=ctx.is_app)))
    if ctx.is_app:
        display(LandingPage(ctx.analysis).widget)
