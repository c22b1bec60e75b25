"""Errors and progress on the page.

Voilà swallows exceptions raised in widget callbacks: the page simply stops
responding. Every callback in the apps is a method decorated with `guarded` where it is
defined, which shows a user's mistake as a plain alert and an unexpected failure as a
short apology, never a traceback, and disables the button that fired it while it works.
`busy` shows a progress note for anything that may take a while.
"""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import ipywidgets as w

from ..errors import LnobError

log = logging.getLogger("lnob.app")

ALERT_CSS = {
    "error": "background:#fdecea;border-left:4px solid #EE6677;padding:6px 10px;",
    "ok": "background:#eaf4ea;border-left:4px solid #228833;padding:6px 10px;",
    "info": "background:#e8f1f8;border-left:4px solid #4477AA;padding:6px 10px;",
}


class Alerts(w.HTML):
    """A one-line message area that shows the last outcome of an action."""

    def show(self, message: str, kind: str = "info") -> None:
        self.value = f'<div class="lnob-alert lnob-{kind}" style="{ALERT_CSS[kind]}">{html.escape(message)}</div>'

    def clear(self) -> None:
        self.value = ""


def show_failure(alerts: Alerts, error: Exception, where: str) -> None:
    """A user's mistake as its own sentence; anything else as a short apology, logged."""
    if isinstance(error, LnobError):
        alerts.show(str(error), "error")
        return
    log.error("callback %s failed", where, exc_info=error)
    alerts.show("Something went wrong and the action was not completed. Your saved work is safe; "
                "please tell the workshop organiser what you were doing.", "error")


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

    Voilà swallows callback exceptions, so errors are caught here and shown in the page's
    alert line. The button that fired the callback is disabled while it works, so a second
    click cannot start the same save twice.
    """

    @functools.wraps(method)
    def inner(self, *args, **kwargs):
        button = _trigger_button(args)
        if button is not None:
            button.disabled = True
        try:
            return method(self, *args, **kwargs)
        except Exception as e:  # noqa: BLE001 - the page must never go silent
            show_failure(self.alerts, e, method.__qualname__)
            return None
        finally:
            if button is not None:
                button.disabled = False

    inner.guarded = True
    return inner


def is_guarded(callback: Callable) -> bool:
    """True for a callback decorated with `guarded` (a bound method forwards the mark)."""
    return getattr(callback, "guarded", False) is True


@contextmanager
def busy(alerts: Alerts, message: str = "Working…") -> Iterator[None]:
    """Show a progress note while a slow action runs, inside a `guarded` callback.

    The note goes when the action ends, unless the action has put its own message there;
    a failure is left to `guarded` to report.
    """
    alerts.show(message, "info")
    note = alerts.value
    yield
    if alerts.value == note:
        alerts.clear()
