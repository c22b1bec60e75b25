"""Errors, successes and progress on the page, shown beside the control that caused them.

Voilà swallows exceptions raised in widget callbacks: the page simply stops
responding. Every callback in the apps is a method decorated with `guarded` where it is
defined, which shows a user's mistake as a plain alert and an unexpected failure as a
short apology, never a traceback, and disables the button that fired it while it works.
A callback that received a form (anything with a `message` line and a `button`, such as
`forms.Form`) speaks in that form's own message line, right under its button, and the
line is scrolled into view; any other callback speaks in the page's `alerts` line.
`busy` shows a progress note for anything that may take a while.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

import ipywidgets as w

from ..errors import LnobError

log = logging.getLogger("lnob.app")

ALERT_CSS = {
    "error": "background:#fdecea;border-left:4px solid #EE6677;padding:6px 10px;",
    "ok": "background:#eaf4ea;border-left:4px solid #228833;padding:6px 10px;",
    "info": "background:#e8f1f8;border-left:4px solid #4477AA;padding:6px 10px;",
}
APOLOGY = ("Something went wrong and the action was not completed. Your saved work is safe; "
           "please tell the workshop organiser what you were doing.")
# pydantic's wording for a pattern names the regex; people get a plain phrase instead
_PATTERN = re.compile(r"[Ss]tring should match pattern '(?:[^'\\]|\\.)*'")


class Alerts(w.HTML):
    """A message area that shows the last outcome of an action, one sentence per line."""

    def show(self, message: str, kind: str = "info") -> None:
        lines = [html.escape(line) for line in str(message).split("\n") if line.strip()]
        self.value = f'<div class="lnob-alert lnob-{kind}" style="{ALERT_CSS[kind]}">{"<br>".join(lines)}</div>'

    def clear(self) -> None:
        self.value = ""


class Scroller(w.Output):
    """An invisible output that scrolls the page to an element, by its CSS class, after a change.

    ipywidgets cannot scroll a page by itself. A tiny script displayed here asks the browser
    to bring the element into view; it names nothing but a class this package made, so nobody's
    text ever reaches it. Checked in Voilà with the app's own template (tests/ui/test_components.py
    documents how): the script runs and the message line comes into view.
    """

    def __init__(self) -> None:
        super().__init__(layout=w.Layout(height="0px", overflow="hidden", margin="0", padding="0", border="0"))
        self.add_class("lnob-scroller")
        self._count = 0

    def to(self, css_class: str) -> None:
        """Scroll so that the element with `css_class` is visible (nearest edge, smoothly)."""
        if not re.fullmatch(r"[a-z0-9-]+", css_class):
            raise ValueError(f"not a class this package made: {css_class!r}")
        self._count += 1
        script = ("setTimeout(function () { var e = document.querySelector('." + css_class + "'); "
                  "if (e) { e.scrollIntoView({block: 'nearest', behavior: 'smooth'}); } }, 60); "
                  f"// {self._count}")
        self.outputs = ({"output_type": "display_data", "metadata": {},
                         "data": {"application/javascript": script, "text/plain": ""}},)


class MessageLine(Alerts):
    """An `Alerts` with its own class and scroller, so a page can bring it into view."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.css_class = f"lnob-msg-{uuid.uuid4().hex[:12]}"
        self.add_class("lnob-message")
        self.add_class(self.css_class)
        self.scroller = Scroller()

    def reveal(self) -> None:
        """Scroll the page so this line is visible."""
        self.scroller.to(self.css_class)


class HasMessage(Protocol):
    """What `guarded` needs of a form: its message line and its button."""

    message: MessageLine
    button: w.Button


_ACTIVE: ContextVar[Any] = ContextVar("lnob_active_form", default=None)


def active_form() -> Any:
    """The form whose callback is running (its message line is where outcomes go), or None."""
    return _ACTIVE.get()


def show_failure(alerts: Alerts, error: Exception, where: str) -> None:
    """A user's mistake as its own sentence; anything else as a short apology, logged."""
    if isinstance(error, LnobError):
        alerts.show(_PATTERN.sub("is not in the expected form", str(error)), "error")
        return
    log.error("callback %s failed", where, exc_info=error)
    alerts.show(APOLOGY, "error")


def _form_of(arg: object) -> Any:
    """The form an argument stands for: a form itself, or a button that belongs to one."""
    if isinstance(getattr(arg, "message", None), MessageLine) and isinstance(getattr(arg, "button", None), w.Button):
        return arg
    return getattr(arg, "lnob_form", None) if isinstance(arg, w.Button) else None


def _trigger_button(args: tuple) -> w.Button | None:
    """The button that fired a callback: a clicked Button, or the `button` of a submitted form."""
    for arg in args:
        if isinstance(arg, w.Button):
            return arg
        if isinstance(getattr(arg, "button", None), w.Button):
            return arg.button
    return None


def guarded(method: Callable) -> Callable:
    """Method decorator for every widget callback of a page (an object with `self.alerts`).

    Voilà swallows callback exceptions, so errors are caught here and shown. A callback that
    received a form (or a button of one) shows its outcome in that form's message line, which
    is cleared first and scrolled into view after; a callback that runs inside another one's
    work (a redraw after a save) speaks in the same line. Anything else uses `self.alerts`.
    The button that fired the callback is disabled while it works, so a second click cannot
    start the same save twice.
    """

    @functools.wraps(method)
    def inner(self, *args, **kwargs):
        form = next((f for f in map(_form_of, args) if f is not None), None)
        button = form.button if form is not None else _trigger_button(args)
        speaking = form if form is not None else _ACTIVE.get()
        token = _ACTIVE.set(form) if form is not None else None
        if form is not None:
            getattr(form, "clear_message", form.message.clear)()
        if button is not None:
            button.disabled = True
        try:
            return method(self, *args, **kwargs)
        except Exception as e:  # noqa: BLE001 - the page must never go silent
            show_failure(speaking.message if speaking is not None else self.alerts, e, method.__qualname__)
            return None
        finally:
            if button is not None:
                button.disabled = False
            if token is not None:
                _ACTIVE.reset(token)
                if form.message.value:
                    form.message.reveal()

    inner.guarded = True
    return inner


def is_guarded(callback: Callable) -> bool:
    """True for a callback decorated with `guarded` (a bound method forwards the mark)."""
    return getattr(callback, "guarded", False) is True


def outcome_line(alerts: Alerts) -> Alerts:
    """Where a callback's outcome goes: the running form's message line, else `alerts`."""
    form = _ACTIVE.get()
    return form.message if form is not None else alerts


@contextmanager
def busy(alerts: Alerts | HasMessage, message: str = "Working…") -> Iterator[None]:
    """Show a progress note while a slow action runs, inside a `guarded` callback.

    `alerts` may be a form (its message line is used). The note goes when the action ends,
    unless the action has put its own message there; a failure is left to `guarded` to report.
    """
    line = alerts.message if isinstance(getattr(alerts, "message", None), Alerts) else alerts
    line.show(message, "info")
    note = line.value
    yield
    if line.value == note:
        line.clear()
