"""The data-gap inventory: each of its four categories from a case that must produce it."""

from __future__ import annotations

import pandas as pd

from lnob_helpers.config import Analysis
from lnob_helpers.who.evidence import EvidenceLog
from lnob_helpers.who.gaps import data_gaps

ANALYSIS = Analysis.model_validate({
    "country": {"name": "Testland", "iso3": "XTL"},
    "rounds": [{"year": 2024, "files": {"p": {"path": "p.csv", "design": {"weight": "w"}}}}],
    "indicators": [{"id": "stunting", "label": "Stunting", "file": "p", "column": "st", "direction": "adverse",
                    "population_label": "Children under 5"}],
    "circumstances": [
        {"id": "area", "label": "Area", "factor": "geography", "column": "area"},
        {"id": "wealth", "label": "Wealth quintile", "factor": "socioeconomic", "column": "q"},
        {"id": "disab", "label": "Disability", "factor": "discrimination", "column": "wg"},
    ],
})


def _row(gid, dim, n, flag):
    return {"indicator_abbr": "stunting", "group_id": gid, "subgroup": gid.split("=")[-1],
            "dimension_id": dim, "n": n, "flag": flag}


TABLE = pd.DataFrame([
    _row("national", "national", 900, "ok"),
    _row("area=Urban", "area", 400, "ok"), _row("area=Rural", "area", 500, "ok"),
    _row("disab=With disability", "disab", 0, "suppressed"), _row("disab=Without disability", "disab", 0, "suppressed"),
    _row("wealth=Poorest", "wealth", 10, "suppressed"), _row("wealth=Richest", "wealth", 12, "suppressed"),
    _row("area=Rural & wealth=Poorest", "area & wealth", 30, "caution"),
])
LOG = EvidenceLog.model_validate({"entries": [
    {"id": "E1", "source_type": "civil_society_report", "group": "Stateless people", "factor": "governance",
     "finding": "Not counted anywhere", "citation": "Legal aid briefing", "date": "2022"},
    {"id": "E2", "source_type": "consultation", "group_id": "ethnicity=Tamar", "factor": "discrimination",
     "finding": "Turned away at clinics", "citation": "Village meeting", "date": "2024"},
    {"id": "E3", "source_type": "consultation", "group_id": "area=Rural", "factor": "geography",
     "finding": "Far from clinics", "citation": "Village meeting", "date": "2024"},
]})


def test_four_categories():
    gaps = data_gaps(TABLE, ANALYSIS, LOG).to_frame()
    by = {c: gaps.loc[gaps["category"] == c] for c in gaps["category"].unique()}
    missing = by["missing_disaggregation"].set_index("subject")["detail"]
    assert set(missing.index) == {"stunting by disab", "stunting by wealth"}
    assert "no disability value for anyone" in missing["stunting by disab"]
    assert "Children under 5" in missing["stunting by disab"]
    assert "fewer than 25 cases" in missing["stunting by wealth"]
    small = by["small_cells"].set_index("subject")["detail"]
    assert "0 estimate(s) withheld and 1 shown with caution" in small["area=Rural & wealth=Poorest"]
    assert "disab=With disability" not in small.index          # no cases at all: a missing breakdown instead
    no_data = set(by["no_survey_data"]["subject"])
    assert no_data == {"Stateless people", "ethnicity=Tamar"}   # area=Rural has survey estimates
    framework = set(by["framework_gap"]["subject"])
    assert {"governance", "shocks", "sex", "age", "ethnicity", "migration status"} <= framework
    assert not {"disability", "place of residence", "income or wealth", "geography"} & framework
    assert gaps["detail"].str.endswith(".").all()


def test_counts_cover_every_category():
    counts = data_gaps(TABLE, ANALYSIS).counts()
    assert counts["no_survey_data"] == 0 and counts["missing_disaggregation"] == 2
