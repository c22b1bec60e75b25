"""`guarded` callbacks and `Form` without a browser: what a person sees when an action fails."""

from __future__ import annotations

import ipywidgets as w
import pytest

from lnob_helpers.errors import InputError
from lnob_helpers.ui.feedback import Alerts, busy, guarded
from lnob_helpers.ui.forms import Form, text


class Page:
    """A page with one button and one form; each callback records whether its button was disabled."""

    def __init__(self, failure: Exception | None = None) -> None:
        self.alerts = Alerts()
        self.failure = failure
        self.seen_disabled: list[bool] = []
        self.button = w.Button(description="Go")
        self.button.on_click(self.on_go)
        self.form = Form({"name": text("Name")}, "Save", self.save)

    @guarded
    def on_go(self, button: w.Button) -> None:
        self.seen_disabled.append(button.disabled)
        if self.failure:
            raise self.failure
        self.alerts.show("Done.", "ok")

    @guarded
    def save(self, form: Form) -> None:
        self.seen_disabled.append(form.button.disabled)
        if not form["name"].value:
            raise InputError("Name: the box is empty; expected some text.")
        self.alerts.show(f"Saved {form['name'].value}.", "ok")


def test_a_mistake_shows_its_sentence_and_the_button_is_disabled_only_while_working():
    page = Page(InputError("Date: `last spring` is not a date; expected YYYY or YYYY-MM-DD."))
    page.button.click()
    assert page.seen_disabled == [True]
    assert not page.button.disabled
    assert "lnob-error" in page.alerts.value
    assert "`last spring` is not a date; expected YYYY or YYYY-MM-DD." in page.alerts.value


def test_an_unexpected_failure_shows_the_apology_without_its_text_or_a_traceback(caplog):
    page = Page(KeyError("internal_column_<b>"))
    page.button.click()
    assert "lnob-error" in page.alerts.value and "Something went wrong" in page.alerts.value
    for leak in ("internal_column", "KeyError", "Traceback", "<b>"):
        assert leak not in page.alerts.value
    assert not page.button.disabled
    assert "internal_column" in caplog.text                 # the organiser's log keeps the details


def test_a_form_calls_its_guarded_page_method_with_itself():
    page = Page()
    page.form.button.click()
    assert "Name: the box is empty" in page.form.message.value and not page.form.button.disabled  # beside it
    page.form["name"].value = "Tamar <villages>"
    page.form.button.click()
    assert page.seen_disabled == [True, True]
    assert "Saved Tamar &lt;villages&gt;." in page.alerts.value and "lnob-ok" in page.alerts.value


def test_a_form_refuses_a_callback_that_is_not_guarded():
    with pytest.raises(TypeError, match="@guarded"):
        Form({"name": text("Name")}, "Save", lambda form: None)


def test_busy_note_goes_unless_the_action_says_something():
    alerts = Alerts()
    with busy(alerts, "Growing the tree…"):
        assert "Growing the tree" in alerts.value
    assert alerts.value == ""
    with busy(alerts):
        alerts.show("Saved 2 targets.", "ok")
    assert "Saved 2 targets." in alerts.value
