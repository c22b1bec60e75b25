"""The bar on top of every app page: the six pages as links, where you are, and which steps are done.

Links are relative (`./2_why.ipynb`): Voilà serves every notebook of the workbooks folder
under the same path, and the browser keeps the login cookie that the first page's
`?token=` set, so the token never has to travel in a link. A step counts as done when its
`outputs/stepN/` folder has files, which is what every team member sees alike.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as w


@dataclass(frozen=True)
class Page:
    key: str        # "start", "who", ...
    notebook: str
    label: str
    step: int | None


PAGES = (
    Page("start", "index.ipynb", "Start", None),
    Page("who", "1_who.ipynb", "1 Who", 1),
    Page("why", "2_why.ipynb", "2 Why", 2),
    Page("what", "3_what.ipynb", "3 What", 3),
    Page("measure", "4_measure.ipynb", "4 Measure", 4),
    Page("accountability", "5_accountability.ipynb", "5 Accountability", 5),
)
BAR_CSS = ("display:flex;flex-wrap:wrap;align-items:center;gap:4px 14px;padding:6px 10px;margin:0 0 10px 0;"
           "background:#f4f6f8;border-bottom:1px solid #d0d7de;font-size:95%;")


def page_of(current: str) -> Page:
    """The page named by `current`: its notebook ("2_why.ipynb" or "2_why"), key ("why"), or number ("2", "0")."""
    name = Path(str(current).strip()).name.lower()
    for page in PAGES:
        names = {page.notebook, Path(page.notebook).stem, page.key, str(page.step or 0)}
        if page.step is None:
            names |= {"landing", "0"}
        if name in names:
            return page
    raise ValueError(f"step_bar: {current!r} is not one of the workbook's pages")


def step_done(folder: str | os.PathLike, step: int) -> bool:
    """True when Step `step` has written its outputs (any file under `outputs/stepN/`)."""
    out = Path(folder) / "outputs" / f"step{step}"
    return out.is_dir() and any(p.is_file() for p in out.rglob("*"))


def step_bar_html(folder: str | os.PathLike | None, current: str) -> str:
    """The bar's HTML: every page a link, the current one marked, done steps ticked, then Previous / Next."""
    here = page_of(current)
    at = PAGES.index(here)
    items = []
    for page in PAGES:
        done = folder is not None and page.step is not None and step_done(folder, page.step)
        tick = ' <span class="lnob-done" title="done" aria-label="done">&#10003;</span>' if done else ""
        text = html.escape(page.label) + tick
        if page is here:
            items.append(f'<span class="lnob-step lnob-current" aria-current="page" '
                         f'style="font-weight:bold;border-bottom:3px solid #4477AA;padding:2px 0">{text}</span>')
        else:
            items.append(f'<a class="lnob-step" href="./{page.notebook}" style="text-decoration:none">{text}</a>')
    moves = []
    if at > 0:
        moves.append(f'<a class="lnob-previous" href="./{PAGES[at - 1].notebook}">&larr; Previous: '
                     f'{html.escape(PAGES[at - 1].label)}</a>')
    if at < len(PAGES) - 1:
        moves.append(f'<a class="lnob-next" href="./{PAGES[at + 1].notebook}">Next: '
                     f'{html.escape(PAGES[at + 1].label)} &rarr;</a>')
    return (f'<nav class="lnob-stepbar" aria-label="Steps" style="{BAR_CSS}">{"".join(items)}'
            f'<span style="flex:1"></span>{" ".join(moves)}</nav>')


def step_bar(analysis: object, current: str) -> w.HTML:
    """The navigation bar for the top of a page; `analysis` is an `Analysis` or its folder.

    Call it again (or `refresh_step_bar`) after a step writes its outputs to update the ticks.
    """
    bar = w.HTML(step_bar_html(_folder(analysis), current))
    bar.add_class("lnob-stepbar-widget")
    bar.lnob_current = current
    bar.lnob_folder = _folder(analysis)
    return bar


def refresh_step_bar(bar: w.HTML) -> None:
    """Redraw a bar made by `step_bar` (a step has just written its outputs)."""
    bar.value = step_bar_html(bar.lnob_folder, bar.lnob_current)


def _folder(analysis: object) -> Path | None:
    if analysis is None:
        return None
    folder = getattr(analysis, "folder", analysis)
    return Path(folder) if isinstance(folder, (str, os.PathLike)) else None
