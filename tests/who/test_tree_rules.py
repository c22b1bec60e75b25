"""The tree rules have one home: analysis.yaml, the notebook check and the app's sliders agree."""

from __future__ import annotations

import shutil

import pytest
import yaml

from lnob_helpers.config import TreeSettings, load_analysis
from lnob_helpers.errors import InputError
from lnob_helpers.notebook import check_tree_rules
from lnob_helpers.who.tree import TreeRules

SLIDER_RULES = ("min_leaf", "max_depth")


def test_the_tree_takes_the_settings_model():
    assert TreeRules is TreeSettings
    assert TreeSettings.bounds("min_leaf") == (1, 1000)
    assert TreeSettings.bounds("min_gain") == (0, 1)


@pytest.mark.parametrize("name", SLIDER_RULES)
def test_notebook_check_accepts_exactly_the_bounds(name):
    low, high = TreeSettings.bounds(name)
    rules = TreeSettings()
    assert getattr(check_tree_rules(rules, **{name: low}), name) == low
    assert getattr(check_tree_rules(rules, **{name: high}), name) == high
    assert check_tree_rules(rules, **{name: 0}) == rules  # 0 keeps analysis.yaml's value
    for bad in (-1, high + 1, 2.5, True):
        with pytest.raises(InputError) as err:
            check_tree_rules(rules, **{name: bad})
        assert str(err.value) == f"parameter `{name}` is {bad!r}; expected a whole number from {low} to {high}."


@pytest.mark.parametrize("name", ["min_leaf", "min_split", "max_depth"])
def test_analysis_yaml_refuses_a_value_beyond_the_bounds_in_one_sentence(sample_dir, tmp_path, name):
    _low, high = TreeSettings.bounds(name)
    definition = yaml.safe_load((sample_dir / "analysis.yaml").read_text())
    definition["settings"]["tree"][name] = high + 1
    (tmp_path / "analysis.yaml").write_text(yaml.safe_dump(definition))
    with pytest.raises(InputError) as err:
        load_analysis(tmp_path)
    assert err.value.problems == [
        f"{tmp_path / 'analysis.yaml'}: `settings.tree.{name}` is {high + 1}; "
        f"expected {TreeSettings.expected(name)}."
    ]


def test_sliders_span_the_bounds(sample_dir, tmp_path):
    from lnob_helpers.ui.step1 import Step1App
    from lnob_helpers.who.step1 import compute_step1

    shutil.copytree(sample_dir, tmp_path / "aruvia", ignore=shutil.ignore_patterns("outputs", "*.bak"))
    analysis = load_analysis(tmp_path / "aruvia")
    app = Step1App(compute_step1(analysis, indicators=["sba"]))
    for name in SLIDER_RULES:
        slider = getattr(app, name)
        assert (slider.min, slider.max) == TreeSettings.bounds(name)
        assert slider.value == getattr(analysis.settings.tree, name)
