"""The pinned reference values in tests/reference still equal the shared originals, file by file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

PINNED = Path(__file__).resolve().parent / "reference"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"
OWN_NOTE = "README.md"  # the pinned README also says where the copy comes from and how tests use it
OWN_FOLDERS = ("mics/",)  # produced by this project with R survey (its script is beside the values)


def _digests(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file but the README."""
    files = {path.relative_to(folder).as_posix(): path for path in folder.rglob("*") if path.is_file()}
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in files.items()
            if name != OWN_NOTE and not name.startswith(OWN_FOLDERS)}


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"no shared reference folder at {SHARED} to compare with")
def test_pinned_reference_equals_the_shared_folder():
    assert _digests(PINNED) == _digests(SHARED)
