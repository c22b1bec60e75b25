"""The evidence log (validation, saving), partner aggregates and the triangulation matrix."""

from __future__ import annotations


import pandas as pd
import pytest
import yaml

from lnob_helpers.config import load_analysis
from lnob_helpers.errors import InputError
from lnob_helpers.who.evidence import (EVIDENCE_FILE, EvidenceLog, add_evidence, evidence_matrix,
                                       load_evidence, read_partner_aggregates)
from lnob_helpers.who.left_behind import LeftBehind

GOOD = {"id": "E01", "source_type": "consultation", "group_id": "ethnicity=Tamar", "factor": "discrimination",
        "finding": "Clinics turn people away.", "citation": "Village meeting notes", "date": "2024-02-14"}


def _write(folder, entries) -> None:
    (folder / EVIDENCE_FILE).write_text(yaml.safe_dump({"entries": entries}), encoding="utf-8")


def test_missing_log_is_empty(tmp_path):
    assert load_evidence(tmp_path).entries == []


def test_validation_names_entry_and_field(tmp_path):
    bad = dict(GOOD, id="E02", factor="poverty")
    _write(tmp_path, [GOOD, bad])
    with pytest.raises(InputError) as err:
        load_evidence(tmp_path)
    text = str(err.value)
    assert "evidence.yaml" in text and "`entries[2].factor`" in text and "Traceback" not in text


def test_each_rule_gives_a_sentence(tmp_path):
    no_group = {k: v for k, v in GOOD.items() if k != "group_id"}
    cases = [
        ([GOOD, GOOD], "entries: id `E01` is used by entries 1, 2"),
        ([no_group], "needs `group_id`"),
        ([dict(GOOD, date="14 Feb 2024")], "`entries[1].date`"),
        ([dict(GOOD, source_type="newspaper")], "`entries[1].source_type`"),
        ([dict(GOOD, colour="red")], "`entries[1].colour` is not a known key"),
    ]
    for entries, expected in cases:
        _write(tmp_path, entries)
        with pytest.raises(InputError, match=expected.replace("[", r"\[").replace("]", r"\]")):
            load_evidence(tmp_path)


def test_dates_from_yaml_are_accepted(tmp_path):
    (tmp_path / EVIDENCE_FILE).write_text(
        "entries:\n- {id: E1, source_type: consultation, group: Sex workers, factor: discrimination,\n"
        "   finding: Avoid clinics, citation: Peer mapping, date: 2023-10-01}\n- {id: E2, source_type:"
        " consultation, group: X, factor: shocks, finding: abc, citation: abc, date: 2021}\n", encoding="utf-8")
    log = load_evidence(tmp_path)
    assert [e.date for e in log.entries] == ["2023-10-01", "2021"]
    assert log.entries[0].label == "Sex workers"


def test_add_evidence_saves_atomically_and_rejects_bad_entries(tmp_path):
    first = add_evidence(tmp_path, {k: v for k, v in GOOD.items() if k != "id"})
    assert first.id == "E01"
    with pytest.raises(InputError, match="`factor`"):
        add_evidence(tmp_path, dict(GOOD, id="E02", factor="weather"))
    with pytest.raises(InputError, match="already used"):
        add_evidence(tmp_path, GOOD)
    add_evidence(tmp_path, dict(GOOD, id="E02", group_id="", group="Stateless people"))
    log = load_evidence(tmp_path)
    assert [e.id for e in log.entries] == ["E01", "E02"]
    assert (tmp_path / (EVIDENCE_FILE + ".bak")).exists()       # the previous version is kept
    assert not list(tmp_path.glob(".*.tmp"))


def test_sample_log_and_partner_file(sample_dir, tmp_path):
    analysis = load_analysis(sample_dir)
    log = load_evidence(sample_dir)
    assert 8 <= len(log.entries) <= 15
    assert {e.source_type for e in log.entries} == {"official_statistics", "human_rights_mechanism",
                                                    "civil_society_report", "citizen_generated", "consultation"}
    circs = {c.id for c in analysis.circumstances}
    for e in log.entries:
        if e.group_id:
            assert set(e.group_id.replace(" & ", "|").replace("=", "|").split("|")[::2]) <= circs
    partners = read_partner_aggregates(sample_dir / "partner_aggregates.csv", analysis)
    assert set(partners["provenance"]) == {"partner_aggregates.csv"}
    tamar = partners.loc[partners["group_id"] == "ethnicity=Tamar"].iloc[0]
    assert tamar["factor"] == "discrimination" and bool(tamar["worse"])
    assert tamar["gap"] == pytest.approx(47.5 - 32.6)


def test_matrix_and_triangulation(sample_dir):
    analysis = load_analysis(sample_dir)
    log = EvidenceLog.model_validate({"entries": [GOOD, dict(GOOD, id="E02", source_type="human_rights_mechanism",
                                                             factor="governance")]})
    groups = pd.DataFrame({"group_id": ["ethnicity=Tamar", "area=Rural"], "label": ["Tamar", "Rural"],
                           "n_indicators": [5, 3], "indicators": ["a;b;c;d;e", "a;b;c"],
                           "factors": ["discrimination", "geography"], "mean_gap": [20.0, 10.0]})
    matrix = evidence_matrix(LeftBehind(pd.DataFrame(), groups, 0.05), log, analysis)
    tri = matrix.triangulation().set_index("group_id")
    assert tri.loc["ethnicity=Tamar", "n_sources"] == 3 and bool(tri.loc["ethnicity=Tamar", "triangulated"])
    assert not bool(tri.loc["area=Rural", "triangulated"])
    wide = matrix.wide().set_index("group_id")
    assert "Household survey (this analysis) (5)" in wide.loc["ethnicity=Tamar", "Discrimination"]
    assert "Consultation (1)" in wide.loc["ethnicity=Tamar", "Discrimination"]
    assert wide.loc["ethnicity=Tamar", "Governance"] == "Human rights mechanism (1)"
    said = matrix.for_group("ethnicity=Tamar")
    assert "Clinics turn people away." in " ".join(said["summary"])
