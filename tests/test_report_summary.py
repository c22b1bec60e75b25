"""The executive summary (issue 14): five parts generated from what the steps wrote, in words.

It runs on the sample country's report, built once per session (tests/report_build.py); tests that
change files work on their own copy of that folder, so the shared build stays as it was.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from hostile import HYPERLINK, IMG, SCRIPT
from lnob_helpers.config import FACTORS, Analysis, load_analysis
from lnob_helpers.errors import LnobError
from lnob_helpers.exports import write_table
from lnob_helpers.groups import read_left_behind
from lnob_helpers.report.assemble import sanitise
from lnob_helpers.report.summary import PARTS, PRIORITIES, TARGETS, TRENDS, WHO, executive_summary
from lnob_helpers.why.step2 import compute_step2
from report_build import built_sample_report

PLANTED = "Bottom 40%, Rural, Tamar"
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


@pytest.fixture(scope="module")
def folder(tmp_path_factory, sample_dir) -> Path:
    """The sample country with the outputs its report build wrote (shared with the layout tests)."""
    return built_sample_report(tmp_path_factory.getbasetemp(), sample_dir).parent.parent


@pytest.fixture(scope="module")
def analysis(folder) -> Analysis:
    return load_analysis(folder)


@pytest.fixture(scope="module")
def summary(analysis):
    return executive_summary(analysis)


@pytest.fixture(scope="module")
def frame(summary) -> pd.DataFrame:
    return summary.to_frame()


def _copy(folder: Path, dest: Path) -> Path:
    """The analysis folder and its step outputs, without the built report."""
    shutil.copytree(folder, dest, ignore=shutil.ignore_patterns("report", "*.bak", ".lnob"))
    return dest


def _part(frame: pd.DataFrame, part: str) -> list[str]:
    return list(frame.loc[frame["part"] == part, "sentence"])


def _labels(a: Analysis, outputs: Path) -> list[str]:
    """Every label a sentence may quote (they hold digits of their own: 'Bottom 40%', 'below -2 SD'), longest first."""
    names = [i.label for i in a.indicators] + [c.label for c in a.circumstances]
    names += [str(v) for c in a.circumstances for v in c.categories]
    names += list(read_left_behind(outputs / "step1" / "left_behind.csv")["label"])
    return sorted(set(names), key=len, reverse=True)


def _numbers(sentences: list[str], labels: list[str]) -> list[str]:
    """The numbers in `sentences` once the quoted labels are taken out, without thousands commas."""
    found = []
    for text in sentences:
        for label in labels:
            text = text.replace(label, " ")
        found += [n.replace(",", "") for n in NUMBER.findall(text)]
    return found


def _shown(values) -> set[str]:
    """Numbers of a step's table as the summary prints them (one decimal)."""
    return {f"{float(v):.1f}" for v in values if pd.notna(v)}


def test_names_the_planted_furthest_behind_group(frame, sample_dir):
    """The sample country's README names the group the workbook must find; the summary opens with it."""
    readme = " ".join((sample_dir / "README.md").read_text(encoding="utf-8").split())
    assert f'labelled "{PLANTED}"' in readme
    first = _part(frame, WHO)[0]
    assert first.startswith(f"{PLANTED} is the furthest-behind group in the 2024 survey round: left behind on 12 of "
                            "12 indicators")
    assert "in 5 of the 12 indicator trees" in first


def test_part_1_numbers_are_those_of_step_1_outputs(analysis, frame):
    outputs = analysis.outputs
    groups = read_left_behind(outputs / "step1" / "left_behind.csv")
    top = groups[groups["label"] == PLANTED].iloc[0]
    table = pd.read_csv(outputs / "step1" / "disaggregation_2024.csv")
    cells = table[table["group_id"] == top["group_id"]]
    decimals = _shown(cells[["estimate", "ci_lb", "ci_ub", "setting_average"]].to_numpy().ravel())
    decimals |= _shown([top["mean_gap"]])
    numbers = _numbers(_part(frame, WHO), _labels(analysis, outputs))
    assert [n for n in numbers if "." in n] and all(n in decimals for n in numbers if "." in n), numbers
    trees = pd.read_csv(outputs / "step1" / "furthest_behind.csv")
    grown = int((trees["role"] == "furthest behind").sum())
    tags = groups["factors"].map(lambda text: set(text.split(";")))
    by_factor = {int(tags.map(lambda t, f=f: f in t).sum()) for f in FACTORS}
    counts = {2024, int(top["n_indicators"]), int(top["n_trees"]), grown, grown - int(top["n_trees"]), len(groups),
              len([i for i in analysis.indicators if i.type == "binary"]), *by_factor}
    assert {int(n) for n in numbers if "." not in n} <= counts


def test_part_4_numbers_are_those_of_step_4_targets(analysis, frame):
    outputs = analysis.outputs
    targets = pd.read_csv(outputs / "step4" / "targets.csv")
    sentences = _part(frame, TARGETS)
    national = int((targets["dimension"] == "national").sum())
    assert sentences[0] == (f"The team has set {len(targets)} targets in Step 4: {national} for the whole country and "
                            f"{len(targets) - national} for groups.")
    numbers = _numbers(sentences, _labels(analysis, outputs))
    decimals = _shown(targets[["baseline", "target"]].to_numpy().ravel())
    assert [n for n in numbers if "." in n] and all(n in decimals for n in numbers if "." in n), numbers
    years = set(targets["baseline_year"]) | set(targets["target_year"])
    assert {int(n) for n in numbers if len(n) == 4 and "." not in n} <= years
    assert any(f"{PLANTED}" in s or "Tamar (" in s for s in sentences)


def test_trends_name_the_planted_widening_and_closing_gaps(analysis, frame):
    """The README plants a widening internet gap and a closing electricity gap between 2019 and 2024."""
    text = " ".join(_part(frame, TRENDS))
    internet, electricity = analysis.indicator("internet").label, analysis.indicator("electricity").label
    assert re.search(rf"{re.escape(internet)}: [^.]*gap widened by \d", text)
    assert re.search(rf"{re.escape(electricity)}: [^.]*gap narrowed by \d", text)


def test_priorities_explain_why_the_top_priority_is_another_group(analysis, frame):
    note = compute_step2(analysis).furthest_note()
    sentences = _part(frame, PRIORITIES)
    if note is not None:
        assert note in sentences
    actions = pd.read_csv(analysis.outputs / "step3" / "action_plan.csv")
    assert any(s.startswith(actions["title"].iloc[0]) for s in sentences)


def test_words_only_and_short(summary, frame, analysis):
    text = " ".join(frame["sentence"])
    assert "=" not in text and "ci_lb" not in text and "in_progress" not in text
    assert not re.search(r"\b(?:True|False|nan|NaN|None)\b", text)
    assert not re.search(r"\b[a-z]+_[a-z0-9_]+\b", text)  # no snake_case id or column name
    labels = " ".join([i.label for i in analysis.indicators] + [c.label for c in analysis.circumstances]).lower()
    ids = [x.id for x in [*analysis.indicators, *analysis.circumstances] if x.id.lower() not in labels]
    assert ids and not [i for i in ids if re.search(rf"\b{re.escape(i)}\b", text)]  # 'sba', 'bottom40', ...
    assert list(dict.fromkeys(frame["part"])) == list(PARTS)
    assert frame["rests_on"].str.startswith("Step ").all()
    assert summary.words <= 950  # two to three printed pages


def test_html_is_a_fragment_the_sanitiser_keeps(summary):
    page = summary.to_html()
    assert sanitise(page) == page
    assert page.count("<h3>") == len(PARTS) and "<h2" not in page
    assert "<ul>" in page and "<p>" in page


def test_hostile_text_is_escaped(folder, tmp_path):
    """Script and formulas in action titles (step3_what.yaml) and in a group label (Step 1's
    formula-safe CSV) show as text, exactly as typed."""
    copy = _copy(folder, tmp_path / "aruvia")
    plan = copy / "step3_what.yaml"
    data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    for action in data["actions"]:
        action["title"] = f"{SCRIPT}{IMG} {action['title']}"
    plan.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    left_behind = copy / "outputs" / "step1" / "left_behind.csv"
    groups = pd.read_csv(left_behind, keep_default_na=False, dtype={"label": "str"})
    label = f"{HYPERLINK} {PLANTED}"
    groups.loc[groups["label"] == PLANTED, "label"] = label
    write_table(groups, left_behind)

    summary = executive_summary(load_analysis(copy))
    frame = summary.to_frame()
    assert _part(frame, WHO)[0].startswith(f"{label} is the furthest-behind group")
    assert any(s.startswith(f"{SCRIPT}{IMG} ") for s in _part(frame, PRIORITIES))
    page = summary.to_html()
    assert SCRIPT not in page and "<img" not in page
    assert html.escape(SCRIPT, quote=False) in page and html.escape(label, quote=False) in page
    assert sanitise(page) == page


@pytest.mark.parametrize("missing", ["step1/left_behind.csv", "step4/targets.csv", "step4/trends.csv"])
def test_a_missing_step_output_is_named_in_one_sentence(folder, tmp_path, missing):
    copy = _copy(folder, tmp_path / "aruvia")
    (copy / "outputs" / missing).unlink()
    with pytest.raises(LnobError) as caught:
        executive_summary(load_analysis(copy))
    message = str(caught.value)
    assert f"outputs/{missing}" in message
    assert message.endswith(".") and ". " not in message and "\n" not in message
