"""Building blocks shared by the step pages: static report output and entry forms.

Report mode shows headings, HTML tables and PNG figures (both from `render`), never widgets. App mode
edits the step files through `entries.edit_entries`: lock the file, load it afresh, change the
plain data, validate it into the step's model, save it atomically (keeping a `.bak`) and redraw
from the file, so a page reload shows exactly what was saved. An edit of an entry that someone
else changed since the page was drawn is refused and the page shows their version. Callbacks are `guarded` page methods and only read
widget values; nothing a person types is ever evaluated.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import ipywidgets as w
import pandas as pd
from IPython.display import HTML, Image, Markdown, display
from matplotlib.figure import Figure
from pydantic import BaseModel

from .. import render
from ..checklists import ANSWERS, Checklist, answers_frame
from ..entries import EditConflict, Fingerprints, edit_entries, entry_fingerprints
from ..errors import InputError, LnobError
from ..groups import STEP1_MISSING
from .feedback import Alerts, guarded, is_guarded

M = TypeVar("M", bound=BaseModel)
ANSWER_LABELS = {"yes": "Yes", "partly": "Partly", "no": "No", "not_applicable": "Not applicable"}
WIDE = w.Layout(width="95%")
LABEL_STYLE = {"description_width": "160px"}


# --- report mode -------------------------------------------------------------------------

_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")  # ASCII punctuation, each of which Markdown lets a backslash escape


def plain(text: str) -> str:
    """`text` as Markdown that shows exactly these characters, on one line.

    Titles, labels and notes come from files people wrote. Voilà runs raw HTML in Markdown
    outputs (`<img onerror=...>` would run in the app), and Markdown would turn `*x*` or a
    `[link](...)` into markup; escaped, they show as typed, in the app and in the report.
    """
    return _PUNCTUATION.sub(lambda m: "\\" + m.group(), " ".join(str(text).split()))


def heading(text: str, level: int = 2) -> None:
    """A Markdown heading of plain `text`; level 2 headings make the report's table of contents."""
    display(Markdown(f"{'#' * level} {plain(text)}"))


def say(text: str) -> None:
    """Markdown written by the workbook; pass people's text through `plain` first."""
    display(Markdown(text))


def bullets(messages: Sequence[str], none: str) -> None:
    """Messages (plain sentences that may quote people's labels) as a bulleted list, or `none`."""
    say("\n".join(f"- {plain(m)}" for m in messages) if messages else none)


def show_table(frame: pd.DataFrame, **options: Any) -> None:
    """Display `frame` as `render.table_html(frame, **options)` makes it."""
    display(HTML(render.table_html(frame, **options)))


def show_figure(fig: Figure) -> None:
    """Display a figure once, as the PNG `render.figure_png` makes, and free it."""
    display(Image(data=render.figure_png(fig), format="png"))


def show_app(build: Callable[[], object]) -> None:
    """Display the page that `build` makes; a problem with the analysis's files shows as an alert."""
    try:
        page = build()
    except LnobError as err:
        alerts = Alerts()
        alerts.show(str(err), "error")
        display(alerts)
    else:
        display(page.widget)


# --- editing the step files -----------------------------------------------------------

def remove_entry(entries: list[dict], entry_id: str, what: str, key: str = "id") -> dict:
    """Take the entry with id `entry_id` out of `entries` and return it."""
    for i, entry in enumerate(entries):
        if entry.get(key) == entry_id:
            return entries.pop(i)
    raise InputError(f"{what} `{entry_id}` is not there any more; expected one of the entries listed on the page.")


def upsert(entries: list[dict], new: dict, keys: Sequence[str]) -> None:
    """Replace the entry that matches `new` on `keys`, or append `new`."""
    for i, entry in enumerate(entries):
        if all(entry.get(k) == new[k] for k in keys):
            entries[i] = {**entry, **new}
            return
    entries.append(new)


def split_items(text: str) -> list[str]:
    """Items typed on one line, separated by ";" or new lines: "right to health; right to life"."""
    return [item.strip() for item in re.split(r"[;\n]", text or "") if item.strip()]


def required(text: str, label: str) -> str:
    """The stripped text, or a plain error naming the empty box."""
    if not (text or "").strip():
        raise InputError(f"{label}: the box is empty; expected some text.")
    return text.strip()


def chosen(value: object, label: str) -> str:
    """The option picked in a drop-down, or a plain error when none is."""
    if not value:
        raise InputError(f"{label}: nothing is chosen; expected one of the options in the list.")
    return str(value)


# --- widgets ------------------------------------------------------------------------------

def text(label: str, placeholder: str = "", long: bool = False) -> w.Text | w.Textarea:
    kind = w.Textarea if long else w.Text
    return kind(description=label, placeholder=placeholder, layout=WIDE, style=LABEL_STYLE)


def choice(label: str, options: Sequence = ()) -> w.Dropdown:
    return w.Dropdown(description=label, options=list(options), value=None, layout=WIDE, style=LABEL_STYLE)


def many(label: str, options: Sequence = (), rows: int = 4) -> w.SelectMultiple:
    return w.SelectMultiple(description=label, options=list(options), rows=rows, layout=WIDE, style=LABEL_STYLE)


def whole(label: str, low: int, high: int, value: int) -> w.BoundedIntText:
    return w.BoundedIntText(description=label, min=low, max=high, value=value, style=LABEL_STYLE)


class Form:
    """Labelled inputs with one button; a click calls `on_submit(form)`.

    `on_submit` must be a `guarded` page method: it finds the form's button, disables it while
    the work runs and shows any error in the page's alert line.
    """

    def __init__(self, fields: dict[str, w.ValueWidget], button: str, on_submit: Callable[["Form"], None], *,
                 style: str = "primary", title: str = "") -> None:
        if not is_guarded(on_submit):
            raise TypeError(f"Form {button!r}: on_submit must be a method decorated with @guarded")
        self.fields = fields
        self.button = w.Button(description=button, button_style=style, tooltip=button)
        self.button.on_click(lambda _button: on_submit(self))
        header = [w.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        self.box = w.VBox([*header, *fields.values(), self.button], layout=w.Layout(margin="6px 0 12px 0"))

    def __getitem__(self, name: str) -> w.ValueWidget:
        return self.fields[name]

    def clear(self, *names: str) -> None:
        """Empty the named text boxes (after a successful save)."""
        for name in names:
            self.fields[name].value = ""


def set_options(widget: w.Dropdown | w.SelectMultiple, options: Sequence) -> None:
    """New options for a list, keeping what was chosen when it is still offered."""
    keep = widget.value
    values = [o[1] if isinstance(o, tuple) else o for o in options]
    widget.options = list(options)
    if isinstance(widget, w.SelectMultiple):
        widget.value = tuple(v for v in keep if v in values)
    else:
        widget.value = keep if keep in values else None


def section(title: str) -> w.HTML:
    """A heading inside an app page."""
    return w.HTML(f"<h3>{html.escape(title)}</h3>")


class StepPage:
    """Base of the step apps: an alert line above the parts, and edits that redraw from the files.

    Subclasses set `alerts`, `groups` (Step 1's table or None), `watch()` the files they edit
    and define `refresh()`.
    """

    alerts: Alerts
    groups: pd.DataFrame | None
    watched: dict[Path, Callable[[Path], BaseModel]]
    seen: dict[Path, Fingerprints]

    def watch(self, path: Path, load: Callable[[Path], BaseModel]) -> None:
        """Remember the entries of `path` as drawn, so a save can tell if someone changed them since."""
        if not hasattr(self, "watched"):
            self.watched, self.seen = {}, {}
        self.watched[Path(path)] = load

    def assemble(self, parts: list[w.Widget], css_class: str) -> None:
        self.widget = w.VBox([self.alerts, *parts])
        self.widget.add_class(css_class)
        if self.groups is None:
            self.alerts.show(STEP1_MISSING, "info")
        self.redraw()

    @guarded
    def redraw(self) -> None:
        """Draw the page from the files; a problem with them shows in the alert line."""
        self.refresh_from_files()

    def refresh_from_files(self) -> None:
        self.refresh()
        for path, load in getattr(self, "watched", {}).items():
            self.seen[path] = entry_fingerprints(load(path).model_dump())

    def refresh(self) -> None:
        raise NotImplementedError

    def save_change(self, path: Path, load: Callable[[Path], M], save: Callable[[Path, M], Path],
                    change: Callable[[dict], None], done: str) -> None:
        """Apply `change` to the file at `path` (see `entries.edit_entries`), redraw, and say `done`.

        When someone else changed an entry this change touches, nothing is saved: the page is
        redrawn with their version and says so.
        """
        try:
            edit_entries(path, load, change, save, seen=getattr(self, "seen", {}).get(Path(path)))
        except EditConflict:
            self.refresh_from_files()
            raise
        self.refresh_from_files()
        self.alerts.show(done, "ok")


class ChecklistForm:
    """Answer one question of a checklist at a time; the table shows every answer so far."""

    def __init__(self, checklist: Checklist, alerts: Alerts, save: Callable[[dict], None]) -> None:
        self.checklist = checklist
        self.alerts = alerts
        questions = checklist.to_frame()
        self.view = w.HTML()
        self.form = Form({
            "question": choice("Question", list(zip(questions["section"] + ": " + questions["question"],
                                                    questions["question_id"]))),
            "answer": w.ToggleButtons(description="Answer", options=[(v, k) for k, v in ANSWER_LABELS.items()],
                                      value=None, style=LABEL_STYLE),
            "note": text("Note", "Why, or what is missing"),
        }, "Save answer", self.submit, title=f"Answer a question: {checklist.title}")
        self._save = save
        self.box = w.VBox([self.view, self.form.box])

    @guarded
    def submit(self, form: Form) -> None:
        question = chosen(form["question"].value, "Question")
        answer = chosen(form["answer"].value, "Answer")
        if answer not in ANSWERS:
            raise InputError(f"Answer: `{answer}` is not an answer; expected yes, partly, no or not applicable.")
        self._save({"question": question, "answer": answer, "note": form["note"].value.strip()})
        form.clear("note")

    def refresh(self, answers: list) -> None:
        table = answers_frame(self.checklist, answers)
        table["answer"] = table["answer"].map(ANSWER_LABELS).fillna("")
        self.view.value = render.table_html(table[["section", "question", "answer", "note"]],
                                            css_class="lnob-table lnob-checklist")
