"""Atomic saves: the target is always a whole file, the previous version is kept, permissions respected."""

from __future__ import annotations

import stat

from pydantic import BaseModel

from lnob_helpers.errors import InputError
from lnob_helpers.yamlstore import atomic_write_text, load_model, save_model


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
