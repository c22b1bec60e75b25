"""Factor tags belong to categories: a reference or "not affected" category never scores as disadvantage."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pandas as pd
import pytest

from lnob_helpers.config import ANALYSIS_FILE, load_analysis
from lnob_helpers.disaggregate import group_factors
from lnob_helpers.errors import InputError
from lnob_helpers.groups import split_group_id
from lnob_helpers.scoring import Ranking
from lnob_helpers.validate import validate_folder
from lnob_helpers.who.step1 import compute_step1
from lnob_helpers.why.models import PriorityWeights
from lnob_helpers.why.prioritise import prioritise_groups
from lnob_helpers.why.step2 import compute_step2

PLANTED = "bottom40=Bottom 40% & area=Rural & ethnicity=Tamar"
MARKED_BEFORE = ("Bottom 40%, Not affected", "Poorest, Not affected", "Poorest, Non-migrant")  # the examples


@pytest.fixture(scope="module")
def steps(sample_copy):
    """Step 1 written into a copy of the sample country, then Step 2 computed from it."""
    analysis = load_analysis(sample_copy)
    step1 = compute_step1(analysis)
    step1.write()
    return analysis, step1, compute_step2(analysis)


def _edited_sample(sample_dir, tmp_path, old: str, new: str):
    folder = tmp_path / "aruvia"
    shutil.copytree(sample_dir, folder, ignore=shutil.ignore_patterns("outputs", "*.bak"))
    text = (folder / ANALYSIS_FILE).read_text(encoding="utf-8")
    assert text.count(old) == 1
    (folder / ANALYSIS_FILE).write_text(text.replace(old, new), encoding="utf-8")
    return folder


def test_the_sample_marks_its_reference_categories(sample_dir):
    analysis = load_analysis(sample_dir)
    assert analysis.circumstance("disaster").not_disadvantaged == ["Not affected"]
    assert analysis.circumstance("displacement").not_disadvantaged == ["Non-migrant"]
    assert analysis.circumstance("bottom40").not_disadvantaged == ["Top 60%"]
    disaster = analysis.circumstance("disaster")
    assert disaster.factor_of("Not affected") is None and disaster.factor_of("Affected district") == "shocks"


def test_group_factors_leave_out_marked_categories(sample_dir):
    a = load_analysis(sample_dir)
    wealth, disaster, migration = (a.circumstance(c) for c in ("wealth", "disaster", "displacement"))
    assert group_factors([disaster], ["Not affected"]) == ""
    assert group_factors([disaster], ["Affected district"]) == "shocks"
    assert group_factors([wealth, disaster], ["Poorest", "Not affected"]) == "socioeconomic"
    assert group_factors([wealth, migration], ["Richest", "Displaced"]) == "shocks"


def test_an_unknown_marked_label_is_refused_with_a_sentence(sample_dir, tmp_path):
    folder = _edited_sample(sample_dir, tmp_path, "not_disadvantaged: [Not affected]",
                            "not_disadvantaged: [Not afected]")
    with pytest.raises(InputError) as err:
        load_analysis(folder)
    assert len(err.value.problems) == 1
    sentence = err.value.problems[0]
    assert "analysis.yaml: `circumstances[12]` " in sentence and sentence.endswith(".")
    assert "circumstance 'disaster': not_disadvantaged names 'Not afected', which is not among its categories " \
           "(Affected district, Not affected)" in sentence


def test_marking_every_category_is_refused(sample_dir, tmp_path):
    folder = _edited_sample(sample_dir, tmp_path, "not_disadvantaged: [Urban]", "not_disadvantaged: [Urban, Rural]")
    with pytest.raises(InputError, match=r"circumstance 'area': not_disadvantaged lists every category"):
        load_analysis(folder)


def test_validate_checks_labels_that_come_from_the_data(sample_dir, tmp_path):
    """Without `categories`, the labels are the data's, so `lnob validate` checks the marked ones."""
    folder = _edited_sample(sample_dir, tmp_path,
                            "    categories: [Aruvian, Tamar, Kesh, Other]\n    not_disadvantaged: [Aruvian]",
                            "    not_disadvantaged: [Aruvain]")
    problems = [p for p in validate_folder(folder) if "not_disadvantaged" in p]
    assert len(problems) == 2  # one per round
    assert all("category 'Aruvain' in not_disadvantaged of circumstance 'ethnicity' does not occur in the data" in p
               and "'Aruvian'" in p for p in problems)


def test_marked_categories_never_score_as_a_factor_or_as_shocks(steps):
    analysis, step1, step2 = steps
    marks = {c.id: set(c.not_disadvantaged) for c in analysis.circumstances}
    groups = step1.left_behind.groups
    for gid, factors in zip(groups["group_id"], groups["factors"]):
        expected = {analysis.circumstance(c).factor for c, v in split_group_id(gid).items() if v not in marks[c]}
        assert set(filter(None, factors.split(";"))) == expected, gid
    ranked = step2.priorities.to_frame().set_index("label")
    for label in MARKED_BEFORE:
        assert ranked.loc[label, "shocks"] == 0.0, label
    shock_categories = ranked["group_id"].map(
        lambda g: any(c in ("disaster", "displacement") and v not in marks[c] for c, v in split_group_id(g).items()))
    assert (ranked["shocks"] == shock_categories.astype(float)).all()
    top10 = step2.priorities.to_frame().head(10)
    assert not top10["label"].str.contains("Not affected|Non-migrant").any()


def test_prioritise_ignores_marked_shock_categories():
    groups = pd.DataFrame({
        "group_id": ["disaster=Not affected", "disaster=Affected district"], "label": ["Not affected", "Affected"],
        "n_indicators": [2, 2], "indicators": ["a;b", "a;b"], "factors": ["", "shocks"], "n_factors": [0, 1],
        "max_gap": [10.0, 10.0], "mean_gap": [8.0, 8.0], "population_share": [0.5, 0.1],
        "furthest_behind": [False, False],
    })
    marked = prioritise_groups(groups, not_disadvantaged={"disaster": ["Not affected"]}).to_frame()
    assert marked.set_index("group_id")["shocks"].to_dict() == {"disaster=Not affected": 0.0,
                                                                "disaster=Affected district": 1.0}
    assert "no shock exposure recorded" in marked.set_index("group_id").loc["disaster=Not affected", "explanation"]
    unmarked = prioritise_groups(groups).to_frame().set_index("group_id")
    assert unmarked.loc["disaster=Not affected", "shocks"] == 1.0   # the mark is what keeps it out


def test_step2_explains_a_top_priority_that_is_not_the_furthest_behind(steps):
    _, _, step2 = steps
    top = step2.priorities.to_frame().iloc[0]
    assert top["group_id"] != PLANTED
    assert step2.furthest_note() == (
        f"Step 2's top priority, {top['label']}, is not the furthest-behind group, Bottom 40%, Rural, Tamar, "
        "because the priority score weighs not only how far and on how many indicators a group is behind but "
        "also its size, its exposure to shocks and whether it has been heard.")
    table = step2.priorities.to_frame()
    planted_first = pd.concat([table[table["group_id"] == PLANTED], table[table["group_id"] != PLANTED]])
    same = replace(step2, priorities=Ranking(planted_first.reset_index(drop=True), PriorityWeights().normalised(),
                                             "group_id"))
    assert same.furthest_note() is None
