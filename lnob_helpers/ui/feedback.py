"""Errors and progress on the page.

Voilà swallows exceptions raised in widget callbacks: the page simply stops
responding. Every callback in the apps is wrapped by `guarded`, which shows a user's
mistake as a plain alert and an unexpected failure as a short apology, never a
traceback, and `busy` shows a progress note for anything that may take a while.
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


def guarded(alerts: Alerts) -> Callable:
    """Decorator for callbacks: user errors and bugs both end up on the page as sentences."""

    def wrap(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except LnobError as e:
                alerts.show(str(e), "error")
            except Exception as e:  # noqa: BLE001 - the page must never go silent
                log.exception("callback %s failed", fn.__name__)
                alerts.show(
                    f"Something went wrong ({type(e).__name__}: {e}). Your saved work is safe; "
                    "please report this.", "error")
            return None

        return inner

    return wrap


@contextmanager
def busy(alerts: Alerts, message: str = "Working…") -> Iterator[None]:
    """Show a progress note while a slow action runs; the caller reports the outcome."""
    alerts.show(message, "info")
    yield
