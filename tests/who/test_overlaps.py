"""Overlapping deprivations: counts per person, shares by group through the engine, centre groups."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.config import Analysis
from lnob_helpers.rounds import FileData, RoundData
from lnob_helpers.survey import SurveyDesign
from lnob_helpers.who.left_behind import LeftBehind
from lnob_helpers.who.overlaps import centre_groups, deprivation_counts, overlapping_deprivations

ANALYSIS = Analysis.model_validate({
    "country": {"name": "Testland", "iso3": "XTL"},
    "rounds": [{"year": 2024, "files": {"p": {"path": "p.csv", "design": {"weight": "w"}}}}],
    "indicators": [
        {"id": "water", "label": "Water", "file": "p", "column": "water"},
        {"id": "school", "label": "School", "file": "p", "column": "school"},
        {"id": "stunting", "label": "Stunting", "file": "p", "column": "st", "direction": "adverse"},
    ],
    "circumstances": [
        {"id": "area", "label": "Area", "factor": "geography", "column": "area"},
        {"id": "ethnicity", "label": "Ethnicity", "factor": "discrimination", "column": "eth"},
        {"id": "wealth", "label": "Wealth", "factor": "socioeconomic", "column": "q"},
    ],
    "settings": {"suppression": {"min_n": 2, "caution_n": 3}},
})


def _round() -> RoundData:
    # 8 people: water (favourable), school (favourable), stunting (adverse); NaN = not applicable.
    frame = pd.DataFrame({
        "area": pd.Categorical(["Rural"] * 4 + ["Urban"] * 4, categories=["Urban", "Rural"]),
        "ethnicity": pd.Categorical(["A", "B", "B", "A", "A", "B", "A", "A"], categories=["A", "B"]),
        "wealth": pd.Categorical(["Poor"] * 4 + ["Rich"] * 4, categories=["Poor", "Rich"]),
        "water": [0, 0, 1, 0, 1, 1, 1, 0.0],
        "school": [0, 0, np.nan, 1, 1, 1, 0, 1.0],
        "stunting": [1, np.nan, 1, 1, 0, np.nan, 0, 0.0],
    })
    weights = pd.DataFrame({"w": [1, 2, 1, 1, 1, 1, 2, 1.0]})
    design = replace(SurveyDesign.from_frame(weights, "w"), data=frame)
    return RoundData(ANALYSIS, ANALYSIS.rounds[0], {"p": FileData("p", frame, design)})


def test_counts_per_person():
    data = _round()
    deprived, applicable = deprivation_counts(data.files["p"].frame, {"water": True, "school": True, "stunting": False})
    assert deprived.tolist() == [3, 2, 1, 2, 0, 0, 1, 1]
    assert applicable.tolist() == [3, 2, 2, 3, 3, 2, 3, 3]


def test_weighted_shares_by_group():
    table = overlapping_deprivations(_round(), ["area=Rural & ethnicity=B"]).to_frame()
    two = table.loc[table["measure"] == "deprived on 2+"].set_index("group_id")
    # national: deprived on 2+ = persons 1, 2, 4 with weights 1 + 2 + 1 out of 10
    assert two.loc["national", "estimate"] == pytest.approx(4 / 10)
    assert two.loc["area=Rural", "estimate"] == pytest.approx(4 / 5)
    assert two.loc["area=Rural & ethnicity=B", "estimate"] == pytest.approx(2 / 3)
    assert two.loc["area=Rural & ethnicity=B", "label"] == "Rural, B"
    three = table.loc[table["measure"] == "deprived on 3+"].set_index("group_id")
    # 3+ applies only to people with 3 applicable indicators: persons 1, 4, 5, 7, 8 (weights 1,1,1,2,1)
    assert three.loc["national", "estimate"] == pytest.approx(1 / 6)
    assert three.loc["national", "n"] == 5
    assert three.loc["area=Rural & ethnicity=B", "flag"] == "suppressed"   # nobody with 3 applicable
    assert np.isnan(three.loc["area=Rural & ethnicity=B", "estimate"])


def test_centre_groups_need_components_behind_on_different_factors():
    groups = pd.DataFrame({
        "group_id": ["area=Rural & ethnicity=B", "area=Rural & wealth=Poor", "area=Rural", "ethnicity=B"],
        "label": ["Rural, B", "Rural, Poor", "Rural", "B"],
        "n_indicators": [3, 2, 2, 1], "mean_gap": [20.0, 12.0, 8.0, 6.0],
    })
    lb = LeftBehind(cells=pd.DataFrame(), groups=groups, min_gap=0.05)
    centre = centre_groups(lb, ANALYSIS)
    # "Poor" is not itself left behind, so Rural & Poor combines only one factor.
    assert list(centre["group_id"]) == ["area=Rural & ethnicity=B"]
    assert centre.iloc[0]["factors"] == "discrimination;geography"
    assert centre.iloc[0]["components"] == "Rural (geography); B (discrimination)"
