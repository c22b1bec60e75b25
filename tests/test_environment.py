"""pyproject.toml and environment.yml must list the same dependencies with the same ranges."""

from __future__ import annotations

import re
import tomllib

import yaml

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# PyPI name -> conda-forge name, where they differ.
CONDA_NAMES: dict[str, str] = {}


def _split(spec: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[a-z0-9,_\-]+\])?\s*(.*)$", spec)  # pip extras: conda has none
    assert m, spec
    return m.group(1).lower(), m.group(2).replace(" ", "")


def test_environment_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_deps = dict(_split(s) for s in project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        pip_deps.update(_split(s) for s in extra)
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_deps = dict(_split(s) for s in env["dependencies"] if isinstance(s, str))
    python = conda_deps.pop("python")
    conda_deps.pop("pip", None)
    assert python == project["requires-python"].replace(" ", "")
    expected = {CONDA_NAMES.get(k, k): v for k, v in pip_deps.items()}
    assert conda_deps == expected
