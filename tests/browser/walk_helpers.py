"""The browser tests' page helpers: find a form, a field or a message by what a person reads, type
and pick as a person does, take screenshots, and check that a page shows nothing it should not.

Screenshots go to test-artifacts/workshop/; the README shows copies of some of them (docs/workshop/).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "workshop"
# What no page may show: Python's own words, pydantic's, a regex, a warning, an internal id.
FORBIDDEN = [re.compile(p) for p in (
    r"Traceback", r"Error:", r"Warning:", r"UserWarning", r"validation error", r"String should", r"pydantic",
    r"\^\\d", r"\bNone\b", r"\bnull\b", r"\bnan\b", r"ci_lb", r"ci_ub", r"\bTrue\b", r"\bFalse\b",
    r"[a-z_]+=[A-Z][\w ]+", r"Something went wrong")]
INPUTS = "input:not([type=hidden]), textarea, select"


def form(page, title: str):
    """The form whose bold title starts with `title` (the innermost, when forms nest)."""
    return page.locator(".lnob-form", has=page.locator(":scope > b, :scope > .widget-html b",
                                                       has_text=title)).last


def field(scope, label: str, nth: int = 0):
    """The input of the control labelled exactly `label` inside `scope`."""
    exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
    box = scope.locator(".widget-inline-hbox", has=scope.page.locator("label.widget-label", has_text=exact))
    return box.nth(nth).locator(INPUTS).first


def choose(scope, label: str, option: str | re.Pattern, nth: int = 0, last: bool = False) -> None:
    """Pick the (first, or `last`) option whose text matches `option` in the dropdown labelled `label`."""
    select = field(scope, label, nth)
    texts = select.locator("option").all_inner_texts()
    plain = {t: t.replace("\xa0", " ") for t in texts}  # ipywidgets shows spaces as no-break spaces
    found = [t for t, p in plain.items() if (option.search(p) if isinstance(option, re.Pattern) else p == option)]
    assert found, f"{label}: no option matches {option!r} among {texts}"
    wanted = found[-1] if last else found[0]
    select.select_option(label=wanted)


def pick_entry(scope, label: str, option: str | re.Pattern, shown_in: str, nth: int = 0, last: bool = False) -> None:
    """Pick an entry to change, and wait until the form shows it (in the field `shown_in`), so what is
    typed next is not overwritten by the page filling the form."""
    choose(scope, label, option, last=last)
    field(scope, shown_in, nth).page.wait_for_function("(e) => e.value !== ''",
                                                        arg=field(scope, shown_in, nth).element_handle())


def type_in(scope, label: str, text: str, nth: int = 0) -> None:
    box = field(scope, label, nth)
    box.fill(text)
    box.dispatch_event("change")


def add_tag(scope, name: str, nth: int = 0) -> None:
    """Type a group's name into a tags box and press Enter, as people add a group."""
    tags = scope.locator("input[placeholder=\"Type a few letters of the group's name\"]").nth(nth)
    tags.fill(name)
    tags.press("Enter")


def click(scope, button: str) -> None:
    scope.get_by_role("button", name=button, exact=True).first.click()


def message(scope, kind: str, text: str) -> str:
    """Wait for the `kind` ("ok" or "error") sentence containing `text` in `scope`; it must be in view."""
    line = scope.locator(f".lnob-alert.lnob-{kind}", has_text=text).first
    line.wait_for(timeout=60_000)
    line.scroll_into_view_if_needed()
    box = line.bounding_box()
    assert box and box["width"] > 0, f"the message '{text}' is not shown"
    return line.inner_text()


def delete_and_undo(page, button: str, question: str, deleted: str, picture: str = "") -> None:
    """Delete after the question, then take it back with Undo; all in the delete button's own form.

    `picture` names a screenshot taken while the question is asked.
    """
    scope = page.locator(".lnob-form", has=page.get_by_role("button", name=button, exact=True)).last
    click(scope, button)
    asked = scope.locator(".lnob-confirm .lnob-question").first
    asked.wait_for()
    assert question.replace("'", "") in asked.inner_text().replace("'", ""), asked.inner_text()
    if picture:
        shot(page, picture)
    click(scope, "Yes, delete")
    message(scope, "ok", deleted)
    said = page.locator(".lnob-alert.lnob-ok", has_text=deleted)
    undo = page.locator(".widget-hbox", has=said).locator("button:visible", has_text="Undo").last
    undo.click()   # beside the sentence that says what was deleted
    message(scope, "ok", "Undone")


def reword_delete_undo(page, panel: str, title: str, picker: str, old: str, field_label: str, new: str,
                       entry: str, nth: int = 0, picture: str = "") -> None:
    """In the panel that changes or deletes an `entry`: pick the one reading `old`, reword it to `new`
    and save; then delete it after the question and take the delete back with Undo."""
    edit = open_panel(page, panel, title)
    pick_entry(edit, picker, re.compile(re.escape(old)), field_label, nth=nth)
    type_in(edit, field_label, new, nth=nth)
    click(edit, f"Save {entry}")
    message(edit, "ok", "")
    choose(edit, picker, re.compile(re.escape(new)))
    delete_and_undo(page, f"Delete {entry}", new, "deleted", picture=picture)


def open_page(page, app, notebook: str, ready: str) -> None:
    page.goto(app.url(notebook))
    page.get_by_text(ready).first.wait_for(timeout=120_000)
    page.wait_for_timeout(500)


def open_panel(page, title: str, form_title: str):
    """Unfold the folding panel called `title` (unless it is open) and return its form."""
    inside = form(page, form_title)
    if not inside.locator(INPUTS).first.is_visible():
        header = page.locator(".jupyter-widget-Collapse-header, .lm-Collapse-header, .p-Collapse-header",
                              has_text=title).first
        header.scroll_into_view_if_needed()
        header.click()
        inside.locator(INPUTS).first.wait_for(state="visible")
    return inside


def open_tab(page, title: str) -> None:
    page.locator(".lm-TabBar-tab", has_text=title).first.click()
    page.wait_for_timeout(300)


def wait_for_file(path: Path, seconds: float = 90) -> None:
    """The page writes Step 1's files just after it appears; wait for them as Step 2 would."""
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert path.exists(), f"{path.name} was not written within {seconds:g} s"


def shows(page, *texts: str) -> None:
    """Wait until the page holds each text (in a list, a table or a form), as after a reload."""
    from playwright.sync_api import TimeoutError as Timeout

    for text in texts:
        try:
            page.wait_for_function("(t) => document.body.textContent.replace(/\\u00a0/g, ' ').includes(t)",
                                   arg=text, timeout=60_000)
        except Timeout:
            pytest.fail(f"{page.url} does not show {text!r}")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def assert_clean(page) -> None:
    """No forbidden words in what the page shows, and nothing wider than the window."""
    text = page.inner_text("body")
    for pattern in FORBIDDEN:
        found = pattern.search(text)
        assert found is None, f"{page.url} shows {found.group(0)!r}"
    too_wide = page.evaluate("""() => Array.from(document.querySelectorAll('table, button, .widget-button'))
        .filter(e => e.offsetParent !== null)
        .filter(e => e.tagName === 'TABLE' ? e.getBoundingClientRect().right > window.innerWidth + 1
                                           : e.scrollWidth > e.clientWidth + 1)
        .map(e => e.tagName + ': ' + e.innerText.slice(0, 40))""")
    assert too_wide == [], f"{page.url}: cut off or wider than the window: {too_wide}"
