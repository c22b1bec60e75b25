"""Building blocks shared by the step pages: static report output and entry forms.

Report mode shows headings, HTML tables and PNG figures (both from `render`), never widgets. App mode
edits the step files through `entries.edit_entries`: lock the file, load it afresh, change the
plain data, validate it into the step's model, save it atomically (keeping a `.bak` and a version
for Undo) and redraw from the file, so a page reload shows exactly what was saved. An edit of an
entry that someone else changed since the page was drawn is refused and the page shows their
version. Callbacks are `guarded` page methods and only read widget values; nothing a person types
is ever evaluated.

Each `Form` says how its action went right under its button. Inputs are read through plain
checks (`required`, `chosen`, `checked_date`, `checked_count`, `checked_number`, `picked_group`)
that raise one sentence naming the box, so a mistake never becomes a stored value or a traceback.
Groups are picked by their names (`group_picker`), deletes ask first (`DeleteButton`) and a
change can be taken back (`UndoLine`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import math
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
from ..groups import STEP1_MISSING, group_id_label
from ..yamlstore import Saved, last_saved, undo_save
from .feedback import Alerts, MessageLine, active_form, guarded, is_guarded, show_failure

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


def _typed(value: object) -> str:
    return "" if value is None else str(value).strip()


def checked_date(value: object, label: str, today: dt.date | None = None) -> str:
    """An ISO date (YYYY-MM-DD, or YYYY-MM or YYYY when only those are known), not in the future.

    Takes the text of a box or the date of a `w.DatePicker`; people get a sentence, never a pattern.
    """
    today = today or dt.date.today()
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if value > today:
            raise InputError(f"{label}: {value.isoformat()} is in the future; expected today or an earlier date.")
        return value.isoformat()
    text = _typed(value)
    if not text:
        raise InputError(f"{label}: no date is given; expected a date like {today.year - 1}-05-01 "
                         f"(or just {today.year - 1}-05, or {today.year - 1}).")
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text)
    try:
        if not match:
            raise ValueError
        year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
        first = dt.date(year, month, day)
    except ValueError:
        raise InputError(f"{label}: '{text}' is not a date; expected a date like {today.year - 1}-05-01 "
                         f"(or just {today.year - 1}-05, or {today.year - 1}).") from None
    parts = 1 + (match[2] is not None) + (match[3] is not None)
    iso = first.isoformat()[:{1: 4, 2: 7, 3: 10}[parts]]
    if first > today:
        raise InputError(f"{label}: {iso} is in the future; expected today or an earlier date.")
    return iso


def _number_text(value: object, label: str, example: str) -> str:
    if isinstance(value, bool):
        raise InputError(f"{label}: expected a number like {example}.")
    text = _typed(value)
    if not text:
        raise InputError(f"{label}: the box is empty; expected a number like {example}.")
    return text


def checked_count(value: object, label: str) -> int:
    """A whole number of 0 or more; an empty box is an error (never the old value)."""
    text = _number_text(value, label, "0, 12 or 250")
    if re.fullmatch(r"\d{1,3}(?:[ ,]\d{3})+", text):  # 1,200 or 1 200
        text = re.sub(r"[ ,]", "", text)
    number = _finite(text, label, "a count like 0, 12 or 250")
    if number < 0:
        raise InputError(f"{label}: {text} is below zero; expected a count of 0 or more.")
    if number != int(number):
        raise InputError(f"{label}: {text} is not a whole number; expected a count like 0, 12 or 250.")
    return int(number)


def _finite(text: str, label: str, expected: str) -> float:
    """`text` as a finite number, or one sentence naming the field and what was expected."""
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise InputError(f"{label}: '{text}' is not a number; expected {expected}.")
    return number


def checked_number(value: object, label: str, low: float | None = None, high: float | None = None) -> float:
    """A number, within `low`..`high` when given; an empty box is an error (never the old value)."""
    text = _number_text(value, label, "12.5")
    if re.fullmatch(r"[-+]?\d*,\d+", text):
        raise InputError(f"{label}: '{text}' uses a comma; write the number with a point, like "
                         f"{text.replace(',', '.')}.")
    number = _finite(text, label, "a number like 12.5")
    if (low is not None and number < low) or (high is not None and number > high):
        span = (f"from {_num(low)} to {_num(high)}" if low is not None and high is not None
                else f"of {_num(low)} or more" if low is not None else f"of {_num(high)} or less")
        side = "below" if low is not None and number < low else "above"
        raise InputError(f"{label}: {text} is {side} {_num(low if side == 'below' else high)}; "
                         f"expected a number {span}.")
    return number


def _num(x: float | None) -> str:
    return f"{x:g}"


# --- groups by name -------------------------------------------------------------------------

class GroupPicker(w.Combobox):
    """A box to type a group's name in, with the names offered as one types; `ids` maps name to id."""

    ids: dict[str, str]


class GroupTags(w.TagsInput):
    """Several groups, each typed (with the names offered) and added as a tag; `ids` maps name to id."""

    ids: dict[str, str]


def _group_names(groups: pd.DataFrame | None) -> dict[str, str]:
    """Readable name -> group id; a name shared by two groups gets its id added, so each is one group."""
    if groups is None or len(groups) == 0:
        return {}
    labels = [str(x) for x in groups["label"]]
    ids = [str(x) for x in groups["group_id"]]
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return {(label if counts[label] == 1 else f"{label} ({gid})"): gid for label, gid in zip(labels, ids)}


def group_picker(label: str, groups: pd.DataFrame | None, multiple: bool = False) -> GroupPicker | GroupTags:
    """A searchable picker of Step 1's groups by their readable names (read it with `picked_group(s)`).

    `groups` has `group_id` and `label` columns (Step 1's table). People type a few letters and
    pick a name; a typo is answered with "did you mean …?" when the form is saved.
    """
    names = _group_names(groups)
    hint = "Type a few letters of the group's name" if names else "No groups yet: run Step 1 first"
    if multiple:
        widget = GroupTags(allowed_tags=list(names), allow_duplicates=False, placeholder=hint, layout=WIDE)
    else:
        widget = GroupPicker(description=label, options=list(names), ensure_option=False, placeholder=hint,
                             layout=WIDE, style=LABEL_STYLE)
    widget.ids = names
    widget.disabled = not names
    return widget


def _group_id(widget: GroupPicker | GroupTags, typed: str, label: str) -> str:
    names = getattr(widget, "ids", {})
    if not names:
        raise InputError(f"{label}: there are no groups to choose from yet; run Step 1 first.")
    if typed in names:
        return names[typed]
    folded = {" ".join(n.casefold().split()): n for n in names}
    key = " ".join(typed.casefold().split())
    if key in folded:
        return names[folded[key]]
    close = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.6)
    if close:
        raise InputError(f"{label}: '{typed}' is not one of the groups; did you mean '{folded[close[0]]}'?")
    raise InputError(f"{label}: '{typed}' is not one of the groups; expected one of the names offered "
                     "as you type.")


def picked_group(widget: GroupPicker, label: str) -> str:
    """The id of the group named in `widget`; a plain error for an empty box or a name that is not a group."""
    typed = _typed(widget.value)
    if not typed:
        raise InputError(f"{label}: nothing is chosen; expected one of the groups (type a few letters of its name).")
    return _group_id(widget, typed, label)


def picked_groups(widget: GroupTags, label: str) -> list[str]:
    """The ids of the groups named in a `group_picker(..., multiple=True)` (maybe none), in order."""
    return list(dict.fromkeys(_group_id(widget, _typed(tag), label) for tag in widget.value if _typed(tag)))


def help_line(text: str, indent: bool = True) -> w.HTML:
    """One line of help under a control, in people's words (escaped); `indent` lines it up with the box."""
    margin = "0 0 6px 164px" if indent else "0 0 6px 0"
    return w.HTML(f'<div class="lnob-help" style="color:#555;font-size:90%;margin:{margin}">{html.escape(text)}</div>')


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

    `on_submit` must be a `guarded` page method: it disables the form's button while the work
    runs, and shows the outcome in the form's own `message` line, right under the button,
    scrolled into view. A page says success with `form.done("Saved.")`.
    """

    def __init__(self, fields: dict[str, w.ValueWidget], button: str, on_submit: Callable[["Form"], None], *,
                 style: str = "primary", title: str = "", help: str = "") -> None:  # noqa: A002 - the contract's name
        if not is_guarded(on_submit):
            raise TypeError(f"Form {button!r}: on_submit must be a method decorated with @guarded")
        self.fields = fields
        self._on_submit = on_submit
        self.button = w.Button(description=button, button_style=style, tooltip=button)
        self.button.lnob_form = self  # `guarded` finds the form from its button
        self.button.on_click(self._clicked)
        self.message = MessageLine()
        self.undo_slot = w.HBox(layout=w.Layout(align_items="center"))  # where `UndoLine.offer(..., form)` puts Undo
        self.controls = w.HBox([self.button], layout=w.Layout(align_items="center", flex_flow="row wrap"))
        header = [w.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        header += [help_line(help, indent=False)] if help else []
        self.box = w.VBox([*header, *fields.values(), self.controls,
                           w.HBox([self.message, self.undo_slot], layout=w.Layout(align_items="center")),
                           self.message.scroller], layout=w.Layout(margin="6px 0 12px 0"))
        self.box.add_class("lnob-form")

    def _clicked(self, _button: w.Button) -> None:
        self._on_submit(self)

    def __getitem__(self, name: str) -> w.ValueWidget:
        return self.fields[name]

    def clear(self, *names: str) -> None:
        """Empty the named text boxes (after a successful save)."""
        for name in names:
            self.fields[name].value = ""

    def done(self, text: str) -> None:
        """Say that the action worked, in green under the button (scrolled into view after the callback)."""
        self.message.show(text, "ok")
        if active_form() is not self:  # outside this form's callback nobody else will scroll to it
            self.message.reveal()

    def clear_message(self) -> None:
        """Empty the message line and take back any Undo offered there (a new action starts)."""
        self.message.clear()
        self.undo_slot.children = ()


class DeleteButton(Form):
    """A delete button that asks first: "Delete …? This can be undone." with "Yes, delete" and "Cancel".

    `on_confirm(form)` (a `guarded` page method, given this component) runs only after "Yes".
    `fields` (e.g. a list to choose the entry from) and `what` are optional: `what(form)` names
    the entry in the question ('the actor "Ministry of Health"'); a mistake it raises (nothing
    chosen) is shown at once instead of the question.
    """

    def __init__(self, label: str, on_confirm: Callable[["DeleteButton"], None], *,
                 fields: dict[str, w.ValueWidget] | None = None, title: str = "", help: str = "",  # noqa: A002
                 what: Callable[["DeleteButton"], str] | None = None) -> None:
        super().__init__(fields or {}, label, on_confirm, style="danger", title=title, help=help)
        self._what = what
        self._label = label
        self.question = w.HTML()
        self.yes = w.Button(description="Yes, delete", button_style="danger", tooltip="Yes, delete")
        self.cancel = w.Button(description="Cancel", tooltip="Keep it")
        self.yes.on_click(self._confirmed)
        self.cancel.on_click(self._cancelled)
        self.confirm = w.HBox([self.question, self.yes, self.cancel],
                              layout=w.Layout(display="none", align_items="center"))
        self.confirm.add_class("lnob-confirm")
        self.controls.children = (self.button, self.confirm)
        for field in self.fields.values():
            field.observe(self._cancelled, "value")  # a new choice needs a new question

    @property
    def asking(self) -> bool:
        """True while the question is shown."""
        return self.confirm.layout.display != "none"

    def _clicked(self, _button: w.Button) -> None:
        self.clear_message()
        try:
            thing = self._what(self) if self._what is not None else None
        except Exception as error:  # noqa: BLE001 - a mistake (nothing chosen) is shown, never raised
            show_failure(self.message, error, f"DeleteButton {self._label!r}")
            self.message.reveal()
            return
        sentence = f"Delete {thing}? This can be undone." if thing else f"{self._label}? This can be undone."
        self.question.value = f'<span class="lnob-question" style="margin-right:8px">{html.escape(sentence)}</span>'
        self.confirm.layout.display = "flex"
        self.button.disabled = True

    def _confirmed(self, _button: w.Button) -> None:
        self._close()
        self._on_submit(self)

    def _cancelled(self, *_args: object) -> None:
        if self.asking:
            self._close()

    def _close(self) -> None:
        self.confirm.layout.display = "none"
        self.button.disabled = False


class UndoLine:
    """"… deleted. Undo": takes back the last change this page saved to `path`, then redraws.

    After a save, the page calls `offer("Actor X deleted.")` (in its own `box`, placed by the page)
    or `offer(text, form)` (the Undo button goes beside that form's message). Undo restores the
    version kept before that change (`yamlstore.undo_save`), unless the file has changed since,
    and calls `load()` to redraw the page from the files.
    """

    def __init__(self, path: str | Path, load: Callable[[], object]) -> None:
        self.path = Path(path)
        self._load = load
        self.message = MessageLine()
        self.button = w.Button(description="Undo", tooltip="Put back what was there before this change",
                               icon="undo", layout=w.Layout(width="auto"))
        self.button.on_click(self._clicked)
        self.box = w.VBox([w.HBox([self.message, self.button], layout=w.Layout(align_items="center")),
                           self.message.scroller], layout=w.Layout(display="none"))
        self.box.add_class("lnob-undo")
        self._saved: Saved | None = None
        self._form: Form | None = None

    def offer(self, text: str, form: Form | None = None) -> None:
        """Offer to take back the change just saved; `text` says what it was."""
        saved = last_saved(self.path)
        self.withdraw()
        if form is not None:
            form.done(text)
        else:
            self.message.show(text, "ok")
            self.box.layout.display = "flex"
            self.message.reveal()
        if saved is None or not saved.changed:
            self.button.layout.display = "none"
            return
        self._saved, self._form = saved, form
        self.button.layout.display = None
        if form is not None:
            form.undo_slot.children = (self.button,)

    def withdraw(self) -> None:
        """Take the offer back (the change can no longer be undone from here)."""
        if self._form is not None and self.button in self._form.undo_slot.children:
            self._form.undo_slot.children = ()
        self._saved, self._form = None, None
        self.box.layout.display = "none"
        self.message.clear()

    def _clicked(self, _button: w.Button) -> None:
        self._undo(self._form if self._form is not None else self)

    @guarded
    def _undo(self, place: object) -> None:
        saved, form = self._saved, self._form
        if saved is None:
            raise InputError("There is no change to undo here any more.")
        self.button.layout.display = "none"  # one undo per change, whatever happens next
        self._saved = None
        try:
            undo_save(saved)
        finally:
            self._load()   # the page shows the file as it is now, undone or not
        line = form.message if form is not None else self.message
        line.show("Undone: the change is taken back.", "ok")

    @property
    def alerts(self) -> Alerts:  # `guarded` speaks here when the undo has no form
        return self.message


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
                    change: Callable[[dict], None], done: str, *, undo: bool = True) -> None:
        """Apply `change` to the file at `path` (see `entries.edit_entries`), redraw, and say `done`.

        Inside a form's callback, `done` shows beside that form's button with an Undo button
        (`undo=False` leaves it out); elsewhere it goes to the page's alert line. When someone
        else changed an entry this change touches, nothing is saved: the page is redrawn with
        their version and says so.
        """
        try:
            edit_entries(path, load, change, save, seen=getattr(self, "seen", {}).get(Path(path)))
        except EditConflict:
            self.refresh_from_files()
            raise
        self.refresh_from_files()
        form = active_form()
        if form is None:
            self.alerts.show(done, "ok")
        elif undo and isinstance(form, Form):
            self.undo_line(path).offer(done, form)
        else:
            form.done(done)

    def undo_line(self, path: Path) -> UndoLine:
        """The page's Undo for `path` (one per file: a newer change replaces the offer)."""
        if not hasattr(self, "undo_lines"):
            self.undo_lines: dict[Path, UndoLine] = {}
        path = Path(path)
        if path not in self.undo_lines:
            self.undo_lines[path] = UndoLine(path, self.refresh_from_files)
        return self.undo_lines[path]


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
        shown = table[["section", "question", "answer", "note"]].rename(columns=str.capitalize)
        self.view.value = render.table_html(shown, css_class="lnob-table lnob-checklist")


# --- pieces every step page uses -----------------------------------------------------------


def fit_buttons(*buttons: w.Button) -> None:
    """Buttons as wide as their labels, so no label is ever cut."""
    for button in buttons:
        button.layout.width = "auto"
        button.layout.min_width = "fit-content"


def dress(form: Form, helps: dict[str, str]) -> Form:
    """One line of help under each named control (also its tooltip), a tooltip on every other control
    (so none reads "null"), a label beside each group picker, and buttons as wide as their labels.

    The help lines are kept in `form.help_lines` by field, for a page that rewrites one.
    """
    kids, form.help_lines = list(form.box.children), {}
    for name, widget in form.fields.items():
        at = kids.index(widget)
        shown = widget
        if isinstance(widget, w.TagsInput):  # its description is not drawn: put the label beside it
            label = w.Label(widget.description, layout=w.Layout(width=LABEL_STYLE["description_width"],
                                                                 min_width=LABEL_STYLE["description_width"]))
            widget.layout = w.Layout(width="auto", flex="1 1 auto")
            shown = w.HBox([label, widget], layout=w.Layout(width="95%", align_items="center"))
        if name in helps:
            widget.tooltip = helps[name]
            form.help_lines[name] = help_line(helps[name])
            kids[at:at + 1] = [shown, form.help_lines[name]]
        else:
            if getattr(widget, "description", "") and not getattr(widget, "tooltip", None):
                widget.tooltip = getattr(widget, "placeholder", "") or widget.description
            kids[at:at + 1] = [shown]
    form.box.children = kids
    fit_buttons(form.button, *[b for b in (getattr(form, "yes", None), getattr(form, "cancel", None)) if b])
    return form


def checklist_part(checklist: ChecklistForm) -> ChecklistForm:
    """A checklist form with help under its controls and a table that scrolls rather than overflow."""
    checklist.view.layout = w.Layout(max_width="100%", overflow="auto")
    dress(checklist.form, {"question": "Pick a question; the table above shows every answer so far.",
                           "answer": "How far the team has got on this question.",
                           "note": "Why, or what is still missing (optional)."})
    return checklist


def groups_field(label: str, groups: pd.DataFrame | None, extra: dict[str, str] | None = None) -> w.TagsInput:
    """Several of Step 1's groups, picked by name (`forms.group_picker`); `extra` adds names -> ids
    such as "Everyone (universal action)" -> "all"."""
    picker = group_picker(label, groups, multiple=True)
    picker.description = label
    if extra:
        picker.ids = {**picker.ids, **extra}
        picker.allowed_tags = [*picker.allowed_tags, *extra]
        picker.disabled = False
    return picker


def set_groups(picker: w.TagsInput, group_ids: list[str]) -> None:
    """Show these groups in a picker by name; a group Step 1 does not list keeps a name of its own."""
    names = {gid: name for name, gid in picker.ids.items()}
    for gid in group_ids:
        if gid not in names:
            name = group_id_label(gid) or gid
            if name in picker.ids:
                name = f"{name} ({gid})"
            picker.ids = {**picker.ids, name: gid}
            picker.allowed_tags = [*picker.allowed_tags, name]
            names[gid] = name
    picker.value = [names[gid] for gid in group_ids]


def delete_beside(form: Form, label: str, on_confirm: Callable, what: Callable[[DeleteButton], str],
                  *pickers: w.ValueWidget) -> DeleteButton:
    """A `DeleteButton` on the same line as the form's Save, for the entry the form's `pickers` show.

    `what` names that entry in the question; picking another entry takes the question back, so
    "Yes, delete" always deletes the entry the question named.
    """
    delete = DeleteButton(label, on_confirm, what=what)
    fit_buttons(delete.button, delete.yes, delete.cancel)
    form.controls.children = (*form.controls.children, delete.box)
    delete.box.layout.margin = "0 0 0 24px"

    def withdraw(_change: dict) -> None:
        if delete.asking:
            delete.cancel.click()

    for picker in pickers:
        picker.observe(withdraw, "value")
    return delete


def refill(page: object, key: str, entry: object, change: dict | None) -> bool:
    """Whether a change form should show `entry` (a model, or None) afresh: another entry was picked
    (`change`), or the saved entry differs from what the form last showed. After someone saves
    something else, what a person is typing in this form is kept."""
    shown = page.__dict__.setdefault("_shown", {})
    dump = entry.model_dump(mode="json", exclude={"causes"}) if entry is not None else None
    if change is None and key in shown and shown[key] == dump:
        return False
    shown[key] = dump
    return True


def edit_panels(pages: dict[str, w.Widget]) -> w.Accordion:
    """Forms as folding panels ("Add …", "Change or delete …"), the first one open, so the page
    stays short; panel titles span the page, so they are never cut as tab titles are."""
    panels = w.Accordion(children=list(pages.values()), titles=list(pages), selected_index=0)
    panels.add_class("lnob-panels")
    return panels
