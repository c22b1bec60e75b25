"""Step 1 end to end on the sample country: planted findings, outputs, privacy, page, notebook."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.config import load_analysis
from lnob_helpers.who.evidence import EVIDENCE_FILE, load_evidence
from lnob_helpers.who.left_behind import GROUP_COLUMNS
from lnob_helpers.who.step1 import compute_step1

PLANTED = "bottom40=Bottom 40% & area=Rural & ethnicity=Tamar"
PLANTED_TREES = ("sba", "secondary_completion", "water", "sanitation", "birth_registration")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def result(sample_copy):
    return compute_step1(load_analysis(sample_copy))


@pytest.fixture(scope="module")
def written(result):
    return result.write()


def test_tree_finds_the_planted_group(result):
    for ind in PLANTED_TREES:
        leaf = result.trees[ind].behind
        assert set(leaf.conditions["area"]) == {"Rural"}, ind
        assert set(leaf.conditions["ethnicity"]) == {"Tamar"}, ind
        wealth = set(leaf.conditions.get("wealth", ())) or {"Poorest", "Second"}
        assert wealth == {"Poorest", "Second"} or set(leaf.conditions.get("bottom40", ())) == {"Bottom 40%"}, ind
        node = result.trees[ind].nodes.set_index("node").loc[leaf.node_id]
        assert node["ci_lb"] < node["estimate"] < node["ci_ub"] and node["flag"] != "suppressed"


def test_shapley_waits_until_asked_and_adds_up(sample_copy):
    result = compute_step1(load_analysis(sample_copy), indicators=["sba", "water"])
    it = result.trees["sba"]
    assert "shapley" not in it.__dict__          # the app pays for it only on the tree shown
    assert sum(it.shapley.contributions.values()) == pytest.approx(it.shapley.d_index, rel=1e-9)
    assert it.shapley is it.shapley               # computed once


def test_ranking_finds_the_planted_group(result):
    groups = result.left_behind.groups
    top = groups.head(5)
    assert PLANTED in set(top["group_id"])
    row = groups.set_index("group_id").loc[PLANTED]
    assert set(PLANTED_TREES) <= set(row["indicators"].split(";"))
    assert row["n_factors"] == 3 and bool(row["furthest_behind"])
    assert row["label"] == "Bottom 40%, Rural, Tamar"
    assert PLANTED in set(result.centre["group_id"])


def test_outputs_for_step2(written, result):
    names = {p.name for p in written}
    assert names == {f"disaggregation_{result.year}.csv", f"disaggregation_{result.year}.xlsx", "left_behind.csv",
                     "furthest_behind.csv", "overlaps.csv", "data_gaps.csv", "step1_summary.json"}
    out = written[0].parent
    left = pd.read_csv(out / "left_behind.csv")
    assert list(left.columns) == GROUP_COLUMNS
    assert left["population_share"].between(0, 1).all() and (left["max_gap"] >= left["mean_gap"]).all()
    assert left["furthest_behind"].dtype == bool
    summary = json.loads((out / "step1_summary.json").read_text())
    assert summary["round"] == result.year and set(summary["national"]) == set(result.indicators)
    gaps = pd.read_csv(out / "data_gaps.csv")
    assert "stunting by disability" in set(gaps["subject"])     # WG-SS is not asked of under-fives
    assert {"Stateless persons and people without identity papers"} <= set(gaps["subject"])


def test_no_export_shows_a_small_cell(written, result):
    rule = result.analysis.settings.suppression
    for path in written:
        if path.suffix not in (".csv", ".xlsx"):
            continue
        table = pd.read_csv(path) if path.suffix == ".csv" else pd.read_excel(path)
        assert "hh_id" not in table.columns and "weight" not in table.columns
        if "n" not in table.columns:
            continue
        small = table["n"] < rule.min_n
        for column in ("estimate", "rate", "se", "ci_lb", "ci_ub"):
            if column in table.columns:
                assert table.loc[small, column].isna().all(), (path.name, column)
        if "ci" in table.columns:
            assert (table.loc[small, "ci"] == "suppressed").all()


def test_report_shows_no_widget_and_no_small_cell(result, monkeypatch):
    import ipywidgets
    import lnob_helpers.ui.step1 as page
    import lnob_helpers.ui.words as words

    shown, tables = [], []
    monkeypatch.setattr(page, "display", shown.append)
    original = words.table_html
    monkeypatch.setattr(words, "table_html", lambda t, **kw: tables.append(t) or original(t, **kw))
    page.render_report(result)
    assert not any(isinstance(obj, ipywidgets.Widget) for obj in shown)
    assert any(type(obj).__name__ == "Image" for obj in shown)
    national = next(t for t in tables if "Indicator" in t.columns and t.columns[1].startswith("National value"))
    assert set(national["Indicator"]) == {i.label for i in result.analysis.indicators}
    overlaps = result.overlaps.to_frame()
    hidden = set(overlaps.loc[overlaps["flag"] == "suppressed", "label"])
    shown_rows = next(t for t in tables if "Group" in t.columns and "Cases" in t.columns
                      and any(c.startswith("Deprived") for c in t.columns))
    assert not (set(shown_rows["Group"]) & hidden), "a withheld share is never ranked among the groups shown"
    html = " ".join(obj.data for obj in shown if type(obj).__name__ in ("HTML", "Markdown"))
    assert "Bottom 40%, Rural, Tamar" in html


def test_app_callbacks_show_errors_and_save(result, sample_copy, monkeypatch):
    import lnob_helpers.ui.step1 as page

    shown = []
    monkeypatch.setattr(page, "display", shown.append)
    app = page.Step1App(result)
    app.tabs.selected_index = 3
    form = app.evidence_form
    before = (sample_copy / EVIDENCE_FILE).read_text()
    form["source_type"].value, form["factor"].value = "consultation", "geography"
    form["finding"].value = "Clinics far away"
    form["citation"].value = "Meeting notes"
    form["group"].value = "Rural"
    form["date"].value = "last spring"
    form.button.click()
    assert "lnob-error" in form.message.value and "Date" in form.message.value
    assert (sample_copy / EVIDENCE_FILE).read_text() == before
    form["date"].value = "2024-05"
    form.button.click()
    assert "lnob-ok" in form.message.value
    saved = load_evidence(sample_copy).entries[-1]
    assert saved.group_id == "area=Rural" and saved.date == "2024-05"
    app.tabs.selected_index = 1
    app.max_depth.value = 1                      # the tree redraws with the new rule
    assert "lnob-error" not in app.alerts.value
    shown.clear()
    app.max_depth.value = 2
    html = " ".join(obj.data for obj in shown if type(obj).__name__ == "HTML")
    assert "Share of D" in html                   # the Shapley shares of the tree on screen
    app.dimension.value = "ethnicity"
    assert "lnob-error" not in app.alerts.value


@pytest.mark.notebook
def test_notebook_runs_headless_with_defaults(tmp_path):
    papermill = pytest.importorskip("papermill")
    out = tmp_path / "1_who.out.ipynb"
    papermill.execute_notebook(str(ROOT / "workbooks" / "1_who.ipynb"), str(out), kernel_name="python3",
                               execution_timeout=300, cwd=str(ROOT / "workbooks"), progress_bar=False)
    nb = json.loads(out.read_text())
    outputs = [o for cell in nb["cells"] if cell["cell_type"] == "code" for o in cell.get("outputs", [])]
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert not any(o.get("output_type") == "error" for o in outputs)


def test_notebook_is_committed_clean():
    nb = json.loads((ROOT / "workbooks" / "1_who.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert "parameters" in code[0]["metadata"].get("tags", [])
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert np.sum(["show(" in "".join(c["source"]) for c in code]) == 1
