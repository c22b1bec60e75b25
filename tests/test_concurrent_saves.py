"""Nothing lost when several people save at once; a stale edit is refused, not applied.

Before the lock, two processes each adding 100 evidence entries left 102 of 200, and two
writers through the app's save path lost all 40 of one writer's causes, each save
reporting success. These tests run the same functions the app uses, in real processes;
the step file keeps its comments and its last ten versions through all of it.
"""

from __future__ import annotations

import multiprocessing
import shutil
import time
from pathlib import Path

import pytest

from lnob_helpers.entries import EditConflict, edit_entries, entry_fingerprints
from lnob_helpers.who.evidence import EVIDENCE_FILE, add_evidence, load_evidence
from lnob_helpers.why.models import load_step2, save_step2
from lnob_helpers.yamlstore import KEEP_VERSIONS, locked, versions, versions_folder

SAVES = 100


def _add_evidence_many(folder: str, writer: int) -> None:
    for i in range(SAVES):
        add_evidence(folder, {"source_type": "civil_society_report", "group": f"writer {writer}",
                              "factor": "discrimination", "finding": f"finding {writer}-{i}",
                              "citation": "workshop note", "date": "2024-05-01"})


def _add_actors_many(path: str, writer: int) -> None:
    for i in range(SAVES):
        actor = {"id": f"w{writer}-{i}", "name": f"Actor {writer}-{i}", "kind": "other_actor",
                 "contribution": "helps"}
        edit_entries(path, load_step2, lambda data, a=actor: data["actors"].append(a), save_step2)


def _run(target, args_list) -> None:
    context = multiprocessing.get_context("spawn")  # fresh interpreters, like separate kernels
    workers = [context.Process(target=target, args=args) for args in args_list]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=240)
        assert w.exitcode == 0, "a writer failed"


@pytest.mark.parametrize("writers", [2, 4])
def test_parallel_evidence_entries_are_all_kept(tmp_path, writers):
    _run(_add_evidence_many, [(str(tmp_path), k) for k in range(writers)])
    log = load_evidence(tmp_path)
    findings = {e.finding for e in log.entries}
    assert len(log.entries) == len(findings) == writers * SAVES
    assert len({e.id for e in log.entries}) == writers * SAVES


@pytest.mark.parametrize("writers", [2, 4])
def test_parallel_step_file_saves_are_all_kept(tmp_path, sample_dir, writers):
    path = tmp_path / "step2_why.yaml"
    shutil.copy(sample_dir / "step2_why.yaml", path)
    before = len(load_step2(path).actors)
    _run(_add_actors_many, [(str(path), k) for k in range(writers)])
    actors = {a.id for a in load_step2(path).actors}
    assert len(actors) == before + writers * SAVES
    assert {f"w{k}-{i}" for k in range(writers) for i in range(SAVES)} <= actors
    assert not list(tmp_path.glob(".*.tmp"))
    # every save kept a version, pruned to the last ten; the file's hand-written comments are all still there
    assert len(versions(path)) == KEEP_VERSIONS and not list(versions_folder(path).glob(".*.tmp"))
    comments = [line.strip() for line in (sample_dir / "step2_why.yaml").read_text(encoding="utf-8").splitlines()
                if line.strip().startswith("#")]
    text = path.read_text(encoding="utf-8")
    assert comments and all(text.count(c) == 1 for c in comments)


def test_an_entry_changed_by_someone_else_is_not_overwritten(tmp_path, sample_dir):
    path = tmp_path / "step2_why.yaml"
    shutil.copy(sample_dir / "step2_why.yaml", path)
    seen = entry_fingerprints(load_step2(path).model_dump())  # what my page shows
    first = load_step2(path).actors[0].id

    def rename(to: str):
        def change(data):
            next(a for a in data["actors"] if a["id"] == first)["name"] = to
        return change

    edit_entries(path, load_step2, rename("Their name"), save_step2)  # someone else, meanwhile
    with pytest.raises(EditConflict, match="Someone else changed the entry"):
        edit_entries(path, load_step2, rename("My name"), save_step2, seen=seen)
    assert next(a for a in load_step2(path).actors if a.id == first).name == "Their name"
    # an addition by me still goes through: it touches nobody's entry
    edit_entries(path, load_step2, lambda d: d["actors"].append(
        {"id": "mine", "name": "Mine", "kind": "other_actor"}), save_step2, seen=seen)
    assert "mine" in {a.id for a in load_step2(path).actors}


def test_a_killed_save_leaves_no_temporary_file_behind(tmp_path):
    target = tmp_path / EVIDENCE_FILE
    stale = tmp_path / f".{EVIDENCE_FILE}.abc123.tmp"
    stale.write_text("half a file", encoding="utf-8")
    old = time.time() - 3600
    import os

    os.utime(stale, (old, old))
    with locked(target):
        pass
    assert not stale.exists()


def test_a_save_that_cannot_get_the_lock_says_so(tmp_path, monkeypatch):
    from lnob_helpers import yamlstore
    from lnob_helpers.errors import InputError

    monkeypatch.setattr(yamlstore, "LOCK_WAIT_SECONDS", 0.2)
    target = Path(tmp_path) / EVIDENCE_FILE
    context = multiprocessing.get_context("spawn")
    ready = tmp_path / "holding"
    holder = context.Process(target=_hold_lock, args=(str(target), str(ready), 3.0))
    holder.start()
    deadline = time.time() + 60
    while not ready.exists() and time.time() < deadline:
        time.sleep(0.05)
    try:
        with pytest.raises(InputError, match="another save of this file is taking unusually long"):
            with locked(target):
                pass
    finally:
        holder.join(timeout=10)


def _hold_lock(path: str, ready: str, seconds: float) -> None:
    with locked(path):
        Path(ready).touch()
        time.sleep(seconds)
