"""Atomic saves: the target is always a whole file, the previous version is kept, permissions respected;
the last ten versions are kept for undo, and comments written by hand survive an app save."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from lnob_helpers import yamlstore
from lnob_helpers.entries import edit_entries
from lnob_helpers.errors import InputError
from lnob_helpers.who.evidence import add_evidence, load_evidence
from lnob_helpers.why.models import load_step2, save_step2
from lnob_helpers.yamlstore import (KEEP_VERSIONS, atomic_write_text, last_saved, load_model, locked, restore_version,
                                    save_model, undo_save, versions)


class Note(BaseModel):
    title: str
    count: int = 0


def test_save_keeps_backup_and_round_trips(tmp_path):
    path = tmp_path / "note.yaml"
    save_model(path, Note(title="first"))
    save_model(path, Note(title="second", count=2))
    assert load_model(path, Note) == Note(title="second", count=2)
    assert load_model(path.with_name("note.yaml.bak"), Note).title == "first"
    assert not list(tmp_path.glob(".*.tmp"))


def test_new_files_are_readable_by_others(tmp_path):
    path = atomic_write_text(tmp_path / "out.csv", "a,b\n")
    assert path.stat().st_mode & stat.S_IROTH


def test_existing_permissions_are_kept(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("x")
    path.chmod(0o640)
    atomic_write_text(path, "y")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_exclude_defaults_keeps_files_short(tmp_path):
    path = save_model(tmp_path / "n.yaml", Note(title="t"), exclude_defaults=True)
    assert "count" not in path.read_text()


def test_bad_yaml_and_bad_fields_are_sentences(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [x\n")
    try:
        load_model(bad, Note)
    except InputError as e:
        assert "not valid YAML at line" in str(e)
    bad.write_text("title: t\ncount: many\n")
    try:
        load_model(bad, Note)
    except InputError as e:
        assert "`count`" in str(e) and str(bad) in str(e)
    else:  # pragma: no cover - the load must fail
        raise AssertionError("expected an InputError")


# --- versions and undo -----------------------------------------------------------------------


def test_every_save_keeps_the_previous_version_and_only_the_last_ten(tmp_path):
    path = tmp_path / "note.yaml"
    for count in range(15):
        save_model(path, Note(title="t", count=count))
    kept = versions(path)
    assert len(kept) == KEEP_VERSIONS == 10
    assert kept[0].parent == tmp_path / ".versions" / "note.yaml"
    # newest first: the version before the last save held count 13, the oldest kept count 4
    assert [load_model(v, Note).count for v in kept] == list(range(13, 3, -1))
    assert not list((tmp_path / ".versions" / "note.yaml").glob(".*"))


def test_a_save_that_changes_nothing_makes_no_version(tmp_path):
    path = tmp_path / "note.yaml"
    save_model(path, Note(title="t"))
    save_model(path, Note(title="t"))
    assert versions(path) == [] and last_saved(path).changed is False


def test_restore_puts_a_version_back_and_keeps_the_current_one(tmp_path):
    path = tmp_path / "note.yaml"
    save_model(path, Note(title="first"))
    save_model(path, Note(title="second"))
    restore_version(path, versions(path)[0])
    assert load_model(path, Note).title == "first"
    assert [load_model(v, Note).title for v in versions(path)] == ["second", "first"]
    assert load_model(path.with_name("note.yaml.bak"), Note).title == "second"


def test_restore_takes_only_a_kept_version(tmp_path):
    path = tmp_path / "note.yaml"
    save_model(path, Note(title="first"))
    other = tmp_path / "other.yaml"
    other.write_text("title: not a version\n")
    with pytest.raises(InputError, match="no longer kept"):
        restore_version(path, other)


def test_undo_takes_back_the_last_save_unless_the_file_changed_since(tmp_path):
    path = tmp_path / "note.yaml"
    save_model(path, Note(title="first"))
    save_model(path, Note(title="second"))
    saved = last_saved(path)
    undo_save(saved)
    assert load_model(path, Note).title == "first"
    save_model(path, Note(title="third"))
    saved = last_saved(path)
    save_model(path, Note(title="someone else's"))
    with pytest.raises(InputError, match="has changed since that change was saved"):
        undo_save(saved)
    assert load_model(path, Note).title == "someone else's"


def test_undoing_the_save_that_created_a_file_removes_it_and_keeps_a_version(tmp_path):
    path = tmp_path / "note.yaml"
    save_model(path, Note(title="first"))
    undo_save(last_saved(path))
    assert not path.exists()
    assert load_model(versions(path)[0], Note).title == "first"


def test_the_lock_can_be_taken_again_by_the_thread_holding_it(tmp_path):
    path = tmp_path / "note.yaml"
    with locked(path):
        save_model(path, Note(title="inside"))   # save_model takes the lock itself
    assert load_model(path, Note).title == "inside"


# --- comments survive a save -------------------------------------------------------------------


STEP2_WITH_COMMENTS = """\
# Step 2 of a workshop team: edited in the app and by hand.
priority_groups:
  - displacement=Displaced   # chosen on day one
problem_trees:
  # The tree the ministry asked about first.
  - id: births
    title: Births without skilled care   # wording from the workshop
    manifestation: >-
      Few births with a skilled attendant
      among displaced women.
    sdg_targets: ["3.1", "3.8"]
    causes:
      - id: far
        text: The facility is far
        level: immediate
      # Added after the field visit.
      - id: fees
        text: Informal fees
        level: immediate
  # A second tree, still a draft.
  - id: school
    title: Children out of school
    manifestation: Displaced children leave school.
actors:
  # Leads the response: keep first.
  - id: ministry
    name: Ministry of Health   # the full name is longer
    kind: duty_bearer
    level: national
  - id: ngo
    name: Delta Relief
    kind: other_actor
# End of the team's notes.
"""


def _step2_file(tmp_path) -> Path:
    path = tmp_path / "step2_why.yaml"
    path.write_text(STEP2_WITH_COMMENTS, encoding="utf-8")
    return path


def _edit(path, change):
    edit_entries(path, load_step2, change, save_step2)
    return path.read_text(encoding="utf-8")


def test_comments_stay_with_their_entries_when_causes_are_added_and_entries_deleted(tmp_path):
    path = _step2_file(tmp_path)

    def add_cause(data):
        data["problem_trees"][0]["causes"].append({"text": "No midwife speaks the language", "level": "immediate"})

    text = _edit(path, add_cause)
    text = _edit(path, lambda data: data["problem_trees"][0]["causes"].pop(0))   # delete cause `far`
    text = _edit(path, lambda data: data["actors"].pop(1))                       # delete actor `ngo`
    for comment in ("# Step 2 of a workshop team", "# chosen on day one", "# The tree the ministry asked about first.",
                    "# wording from the workshop", "# Added after the field visit.", "# A second tree, still a draft.",
                    "# Leads the response: keep first.", "# the full name is longer", "# End of the team's notes."):
        assert text.count(comment) == 1, comment
    lines = text.splitlines()
    # each comment is still right above (or on the line of) what it was written about
    assert lines[lines.index("      # Added after the field visit.") + 1] == "      - id: fees"
    assert lines[lines.index("  # A second tree, still a draft.") + 1] == "  - id: school"
    assert lines[lines.index("  # Leads the response: keep first.") + 1] == "  - id: ministry"
    assert "    name: Ministry of Health   # the full name is longer" in lines
    # the hand-written style of unchanged values stays, the new cause is at the end of its tree
    assert 'sdg_targets: ["3.1", "3.8"]' in text and "manifestation: >-" in text
    causes = [c.id for c in load_step2(path).problem_trees[0].causes]
    assert causes == ["fees", "no-midwife-speaks-the-language"]
    assert [a.id for a in load_step2(path).actors] == ["ministry"]
    assert "Delta Relief" not in text


def test_an_evidence_log_keeps_its_comments_and_dates_as_written(tmp_path):
    log = tmp_path / "evidence.yaml"
    log.write_text("# Evidence gathered at the workshop.\nentries:\n  - id: E01\n    source_type: consultation\n"
                   "    group: Fisherfolk   # named by the community\n    factor: geography\n"
                   "    finding: Boats cannot reach the clinic in the rainy season.\n"
                   "    citation: Village meeting notes\n    date: 2024-05-01\n", encoding="utf-8")
    add_evidence(tmp_path, {"source_type": "consultation", "group": "Herders", "factor": "geography",
                            "finding": "No school within a day's walk.", "citation": "Meeting notes", "date": "2024-06"})
    text = log.read_text(encoding="utf-8")
    assert text.startswith("# Evidence gathered at the workshop.\n")
    assert "    group: Fisherfolk   # named by the community\n" in text and "    date: 2024-05-01\n" in text
    assert [e.date for e in load_evidence(tmp_path).entries] == ["2024-05-01", "2024-06"]


def test_a_save_that_changes_nothing_leaves_the_text_as_written(sample_dir, tmp_path):
    for name in ("step2_why.yaml", "step3_what.yaml", "evidence.yaml", "step4_targets.yaml"):
        path = tmp_path / name
        shutil.copy(sample_dir / name, path)
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        before = path.read_bytes()
        assert yamlstore.render_yaml(data, before) == before.decode("utf-8"), name


def test_a_file_without_comments_takes_the_fast_path(tmp_path):
    path = tmp_path / "note.yaml"
    save_model(path, Note(title="plain"))
    save_model(path, Note(title="plain", count=3))
    assert path.read_text() == yamlstore.dump_yaml({"title": "plain", "count": 3})


def test_text_that_defeats_the_round_trip_is_still_saved(tmp_path, monkeypatch):
    path = tmp_path / "note.yaml"
    path.write_text("# a comment\ntitle: old\n")

    def broken(*args, **kwargs):
        raise RuntimeError("round trip failed")

    monkeypatch.setattr(yamlstore, "_round_trip", broken)
    save_model(path, Note(title="new"))
    assert load_model(path, Note).title == "new"
