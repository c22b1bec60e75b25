"""The landing page: the five steps as cards, each saying how far this analysis has got.

Progress is read from the analysis folder (step files and outputs), so it is the
same for every team member and survives any refresh. Plain HTML, no widgets: it
appears at once, even before a kernel has warmed up.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from ..notebook import step_context

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


def report_link(folder: Path) -> str:
    """A download link for the latest report, embedded so it works from any server."""
    for name in REPORT_NAMES:
        path = folder / "outputs" / "report" / name
        if path.exists():
            mime = "text/html" if name.endswith(".html") else "application/pdf"
            data = base64.b64encode(path.read_bytes()).decode()
            when = datetime.fromtimestamp(path.stat().st_mtime).strftime("%d %b %Y %H:%M")
            return (f'<a class="lnob-report" download="{html.escape(folder.name)}-{name}" '
                    f'href="data:{mime};base64,{data}">Download the country report</a> (built {when})')
    return "No report yet: build one with <code>lnob report &lt;analysis-folder&gt;</code>."


CSS = """<style>
.lnob-cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:14px;margin:10px 0}
.lnob-card{border:1px solid #ccd;border-radius:8px;padding:12px 14px;background:#fff}
.lnob-card h3{margin:0 0 6px;color:#224466}.lnob-card p{margin:4px 0}
.lnob-state{display:inline-block;border-radius:10px;padding:1px 9px;font-size:0.85em}
.lnob-todo{background:#eee}.lnob-started{background:#f5eec8}.lnob-done{background:#d8ecd8}
.lnob-card a.open{display:inline-block;margin-top:6px;font-weight:600;color:#4477AA}
</style>"""


def landing_html(folder: Path, country: str) -> str:
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
            f'<div class="lnob-cards">{"".join(cards)}</div><p>{report_link(folder)}</p>')


def show(analysis: str = "", mode: str = "auto") -> None:
    from IPython.display import HTML, display

    ctx = step_context(analysis, mode)
    display(HTML(landing_html(ctx.folder, ctx.analysis.country.name)))
