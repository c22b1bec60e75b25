"""The shared Aruvia fixtures of tests/fixtures_steps.py (loaded by path: tests/ is no package)."""

import runpy
from pathlib import Path

_shared = runpy.run_path(str(Path(__file__).parents[1] / "fixtures_steps.py"))
globals().update({name: _shared[name] for name in _shared["__all__"]})
