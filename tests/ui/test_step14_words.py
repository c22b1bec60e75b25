"""Steps 1 and 4 speak in words, not ids (issue 13).

Every page is drawn through its callbacks; then everything a person can read is gathered: the
HTML of every widget and output, the options of every list, the labels, titles and tooltips.
None of it may show an id of analysis.yaml (`sba`, `bottom40`, `ethnicity=Tamar`), a column
name (`ci_lb`, `flag`), a Python value (`True`, `nan`, `None`) or a snake_case word, and no
Python warning may reach the page.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import replace
from html.parser import HTMLParser

import ipywidgets as w
import pytest

from lnob_helpers.config import load_analysis
from lnob_helpers.measure.step4 import compute_step4
from lnob_helpers.notebook import step_context
from lnob_helpers.who.step1 import compute_step1

STEP4_INDICATORS = ["sba", "birth_registration", "secondary_completion", "water"]
PYTHON_WORDS = re.compile(r"\b(?:ci_lb|ci_ub|flag|True|False|None|nan|NaN|null|undefined)\b|<NA>")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b(?!\.(?:csv|xlsx|yaml|json))")
GROUP_ID = re.compile(r"\b[a-z][a-z0-9_]*=\S")


class _Text(HTMLParser):
    """The text of an HTML snippet and its attributes a person can see (title, alt), without styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        self.parts += [v for k, v in attrs if k in ("title", "alt", "placeholder") and v]

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    return " ".join(parser.parts)


def readable(widget: w.Widget, shown: list) -> list[str]:
    """Everything a person can read on a page: widget texts and the outputs `display` was given."""
    texts: list[str] = []

    def walk(x: object) -> None:
        if isinstance(x, w.Box):
            for child in x.children:
                walk(child)
        if isinstance(x, w.Tab):
            texts.extend(x.titles)
        if isinstance(x, (w.HTML, w.Label)):
            texts.append(html_text(x.value))
        for name in ("description", "placeholder", "tooltip"):
            value = getattr(x, name, None)
            if isinstance(value, str):
                texts.append(value)
        if isinstance(x, w.Combobox):
            texts.extend(x.options)
        elif hasattr(x, "_options_labels"):
            texts.extend(x._options_labels)
        if isinstance(x, w.ToggleButtons):
            texts.extend(x.tooltips or [])

    walk(widget)
    for obj in shown:
        if type(obj).__name__ in ("HTML", "Markdown"):
            texts.append(html_text(obj.data))
        elif isinstance(obj, w.Widget):
            walk(obj)
    return texts


def id_words(analysis) -> re.Pattern:
    """Ids of analysis.yaml that are not plain words: `sba`, `bottom40`, `age_group`."""
    ids = [i.id for i in analysis.indicators] + [c.id for c in analysis.circumstances]
    coded = [i for i in ids if not i.isalpha() or i in ("sba", "neet")]
    return re.compile(r"\b(?:" + "|".join(map(re.escape, coded)) + r")\b")


def without_sheet_names(texts: list[str]) -> list[str]:
    """The texts without the quoted sheet names of the attached workbook ("1 left_behind"), which a reader
    needs exactly as they are to find the full table."""
    return [re.sub(r'sheet "[^"]*"', "sheet", t) for t in texts]


def problems(texts: list[str], analysis) -> list[str]:
    ids = id_words(analysis)
    found = []
    for text in texts:
        for pattern in (PYTHON_WORDS, SNAKE, GROUP_ID, ids):
            found += [f"{m.group()!r} in {text[max(0, m.start() - 40):m.end() + 40]!r}" for m in pattern.finditer(text)]
    return found


@pytest.fixture(scope="module")
def analysis(sample_copy):
    return load_analysis(sample_copy)


@pytest.fixture(scope="module")
def step1(analysis):
    return compute_step1(analysis)


@pytest.fixture(scope="module")
def step4(analysis, sample_copy):
    return compute_step4(analysis, indicators=STEP4_INDICATORS)


def test_step1_page_shows_labels_not_ids(step1, analysis, monkeypatch):
    import lnob_helpers.ui.step1 as page

    shown: list = []
    monkeypatch.setattr(page, "display", lambda obj, *a, **k: shown.append(obj))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = page.Step1App(step1)
        app.draw_all()
        for dimension in ["ethnicity", "bottom40 & area", "wealth & region & ethnicity"]:
            app.dimension.value = dimension
        app.tree_indicator.value = "birth_registration"
        app.evidence_form["entry"].value = app.evidence_form["entry"].options[1][1]
    assert "lnob-error" not in app.alerts.value, app.alerts.value
    assert [str(c.message) for c in caught if "lnob_helpers" in c.filename or "matplotlib" in c.filename] == []

    texts = readable(app.widget, shown)
    assert problems(texts, analysis) == []
    assert dict(app.indicator.options)["Births attended by skilled health personnel"] == "sba"
    dimensions = dict(app.dimension.options)
    assert dimensions["Bottom 40% of the wealth distribution × Area of residence"] == "bottom40 & area"
    assert app.min_leaf.description == "Smallest group (people)"
    joined = " ".join(texts)
    for header in ("Group", "Estimate (%, 95% interval)", "Share of the population", "Defined by"):
        assert header in joined
    assert re.search(r"\b\d+\.\d \(\d+\.\d-\d+\.\d\)", joined), "intervals read 67.1 (64.2-69.8)"
    assert re.search(r"\b\d+\.\d%", joined), "shares read 10.7%"
    assert "Furthest behind" in joined and "Furthest ahead" in joined    # the tree's colours explained


def test_step1_report_shows_labels_not_ids(step1, analysis, monkeypatch):
    import lnob_helpers.ui.step1 as page

    shown: list = []
    monkeypatch.setattr(page, "display", lambda obj, *a, **k: shown.append(obj))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        page.render_report(step1)
    assert [str(c.message) for c in caught if "Tight layout" in str(c.message)] == []
    texts = readable(w.VBox(), shown)
    joined = " ".join(texts).replace("\\", "")                     # Markdown escapes people's text
    assert ".csv" not in joined and "Files written" not in joined   # no file list in the report's text
    assert problems(without_sheet_names(texts), analysis) == []
    assert "Bottom 40%, Rural, Tamar is the furthest-behind group" in joined
    assert 'sheet "1 left_behind" of the attached workbook tables.xlsx' in joined


def test_figures_too_short_for_their_labels_grow_instead_of_warning(step1):
    from lnob_helpers.ui.words import figure
    from lnob_helpers.who.plots import dot_plot

    table = step1.table
    one_group = table.loc[(table["indicator_abbr"] == "stunting")
                          & (table["dimension_id"] == "wealth & region & ethnicity")]
    assert len(one_group) <= 2                                   # the case matplotlib could not lay out
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = figure(lambda: dot_plot(table, "stunting", "wealth & region & ethnicity", step1.source))
    assert png.startswith(b"\x89PNG") and not caught


def test_step4_page_shows_labels_not_ids(step4, analysis, sample_copy, monkeypatch):
    import lnob_helpers.ui.step4 as page

    shown: list = []
    ylabels: list[str] = []
    monkeypatch.setattr(page, "display", lambda obj, *a, **k: shown.append(obj))
    original = page.figure
    monkeypatch.setattr(page, "figure", lambda make: original(lambda: _keep_ylabel(make(), ylabels)))
    ctx = step_context(str(sample_copy), "app")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = page.Step4App(ctx, replace(step4, analysis=ctx.analysis))
        app.indicator.value, app.dimension.value = "birth_registration", "ethnicity"
        app.mpi_dimension.value = "legal_identity"
        app.edit_form["target"].value = app.edit_form["target"].options[0][1]
    assert "lnob-error" not in app.alerts.value, app.alerts.value
    assert [str(c.message) for c in caught if "lnob_helpers" in c.filename or "matplotlib" in c.filename] == []
    texts = readable(app.widget, shown)
    assert problems(texts, analysis) == []
    joined = " ".join(texts)
    assert "Slope index of inequality (SII)" in joined and "Value (95% interval)" in joined
    assert "Multidimensional poverty index (M0 = H x A)" in joined        # the MPI is on the page
    assert "Birth registration is free of charge" in joined                # and the indicator framework
    assert ylabels[0] == "Births attended by skilled health personnel (%)"           # not "sba (%)"
    assert ylabels[-1] == "Children under five whose birth is registered (%)"


def _keep_ylabel(fig, ylabels: list[str]):
    ylabels.append(fig.axes[0].get_ylabel().replace("\n", " "))
    return fig


def test_step4_report_shows_labels_not_ids(step4, analysis, monkeypatch):
    import lnob_helpers.ui.step4 as page

    shown: list = []
    monkeypatch.setattr(page, "display", lambda obj, *a, **k: shown.append(obj))
    page.render_report(step4)
    texts = readable(w.VBox(), shown)
    assert not [t for t in texts if "outputs/" in t or ".csv" in t]                  # no file list
    assert problems(without_sheet_names(texts), analysis) == []
