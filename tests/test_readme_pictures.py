"""The README's pictures are there, and each is one a browser test takes (the workshop walk, the
data collaborative's test)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BROWSER_TESTS = sorted((ROOT / "tests" / "browser").glob("test_*.py"))


def test_every_picture_in_the_readme_exists_and_is_taken_by_a_browser_test():
    pictures = re.findall(r"!\[[^\]]*\]\((docs/[^)]+\.png)\)", (ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(pictures) >= 6
    taken = {name for test in BROWSER_TESTS
             for name in re.findall(r"""(?:shot\(page, |picture=)"([a-z0-9-]+)"\)""", test.read_text(encoding="utf-8"))}
    for picture in pictures:
        path = ROOT / picture
        assert path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{picture} is missing"
        assert path.stem in taken, f"{picture} is not a screenshot a browser test takes"
