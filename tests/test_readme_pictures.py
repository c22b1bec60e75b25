"""The README's pictures are there, and are the ones the workshop walk takes."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WALK = ROOT / "tests" / "browser" / "test_workshop_walk.py"


def test_every_picture_in_the_readme_exists_and_is_taken_by_the_walk():
    pictures = re.findall(r"!\[[^\]]*\]\((docs/workshop/[^)]+\.png)\)", (ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(pictures) >= 6
    taken = set(re.findall(r"""(?:shot\(page, |picture=)"([a-z0-9-]+)"\)""", WALK.read_text(encoding="utf-8")))
    for picture in pictures:
        path = ROOT / picture
        assert path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{picture} is missing"
        assert path.stem in taken, f"{picture} is not a screenshot the workshop walk takes"
