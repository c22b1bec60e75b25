"""Indicator framework: structure, YAML round trip, and messages naming entry and field."""

from __future__ import annotations

import pytest

from lnob_helpers.errors import InputError
from lnob_helpers.measure.framework import (
    FRAMEWORK_FILE,
    framework_from_records,
    load_framework,
    save_framework,
)

ENTRIES = [
    {"id": "S1", "name": "Anti-discrimination law covers disability", "type": "structural",
     "baseline": {"value": "no", "year": 2022}, "target": {"value": "yes", "year": 2026},
     "source": "Official gazette", "responsible": "Ministry of Justice", "sdg_target": "10.3",
     "groups": ["persons with disabilities"]},
    {"id": "P1", "name": "Share of the health budget spent in the poorest districts", "type": "process",
     "baseline": {"value": 8.5, "year": 2022}, "target": {"value": 15, "year": 2030},
     "source": "Budget execution reports", "responsible": "Ministry of Finance", "sdg_target": "3.8"},
    {"id": "O1", "name": "Births attended by skilled personnel, poorest quintile (%)", "type": "outcome",
     "baseline": {"value": 52, "year": 2022}, "target": {"value": 81, "year": 2030},
     "source": "Demographic and Health Survey", "responsible": "Ministry of Health", "sdg_target": "3.1",
     "groups": ["poorest 20%"]},
]


def test_round_trip_and_table(tmp_path):
    assert load_framework(tmp_path).indicators == []
    framework = framework_from_records(ENTRIES)
    path = save_framework(tmp_path, framework)
    assert path.name == FRAMEWORK_FILE and load_framework(tmp_path) == framework
    table = framework.to_frame()
    assert list(table["type"]) == ["structural", "process", "outcome"]
    assert table.loc[0, "baseline_value"] == "no" and table.loc[1, "baseline_value"] == 8.5
    assert table.loc[2, "groups"] == "poorest 20%" and table.loc[1, "groups"] == ""
    coverage = framework.coverage()
    assert coverage.loc["10.3", "structural"] == 1 and coverage.loc["10.3", "outcome"] == 0


def test_messages_name_the_entry_and_the_field():
    broken = [dict(ENTRIES[0]), {**ENTRIES[1], "type": "impact"}, {**ENTRIES[2], "sdg_target": "3"}]
    del broken[0]["responsible"]
    with pytest.raises(InputError) as err:
        framework_from_records(broken, source="Step 4 framework")
    problems = err.value.problems
    assert "Step 4 framework: `indicators[1].responsible` is required but missing." in problems
    assert any(p.startswith("Step 4 framework: `indicators[2].type` Input should be 'structural'") for p in problems)
    assert ("Step 4 framework: `indicators[3].sdg_target` '3' is not an SDG target; "
            "expected goal.target such as 10.2 or 16.b." in problems)


def test_entry_level_rules():
    late = {**ENTRIES[1], "target": {"value": 15, "year": 2020}}
    with pytest.raises(InputError, match=r"`indicators\[1\]` target year 2020 must come after baseline year 2022"):
        framework_from_records([late])
    with pytest.raises(InputError, match="indicators: id `S1` is used by entries"):
        framework_from_records([ENTRIES[0], ENTRIES[0]])


def test_bad_yaml_file_names_the_file(tmp_path):
    (tmp_path / FRAMEWORK_FILE).write_text("indicators:\n- id: S1\n  name: x\n  type: structural\n  kind: law\n")
    with pytest.raises(InputError) as err:
        load_framework(tmp_path)
    assert any(FRAMEWORK_FILE in p and "`indicators[1].kind` is not a known key" in p for p in err.value.problems)
