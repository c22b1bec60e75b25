"""Copies of the sample country under other names, for batch benchmarks and the batch tests.

`make_countries(base, count)` copies `data/samples/aruvia` (without outputs or backups) into
`base/<name>/` once per made-up country, and gives each copy's analysis.yaml its own country name,
ISO3 code (user-assigned `X..` codes, so no real country clashes) and survey labels. The data are
the sample's own, so every copy's report takes as long to build as the sample's.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "aruvia"
NAMES = ("Belvania", "Corvinia", "Dalmora", "Estavia", "Fendaria", "Galdonia", "Hestria", "Ilvaria",
         "Jorvana", "Kelmora", "Lusovia", "Morvana")


def make_countries(base: str | Path, count: int, sample: Path = SAMPLE) -> list[Path]:
    """`count` renamed copies of `sample` under `base` (at most len(NAMES)), in NAMES order."""
    if not 1 <= count <= len(NAMES):
        raise ValueError(f"count is {count}; between 1 and {len(NAMES)} countries can be made.")
    folders = []
    for name in NAMES[:count]:
        folder = Path(base) / name.lower()
        shutil.copytree(sample, folder, ignore=shutil.ignore_patterns("outputs", "*.bak", ".lnob", ".versions"))
        rename_country(folder / "analysis.yaml", name, "X" + name[:2].upper())
        folders.append(folder)
    return folders


def rename_country(analysis_yaml: Path, name: str, iso3: str) -> None:
    """Set the country's name and ISO3 code, and name its surveys after it."""
    text = analysis_yaml.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(country:\n  name: ).*$", rf"\g<1>{name}", text, count=1)
    text = re.sub(r"(?m)^(  iso3: )\S+", rf"\g<1>{iso3}", text, count=1)
    text = text.replace("Aruvia Household Survey", f"{name} Household Survey")
    analysis_yaml.write_text(text, encoding="utf-8")
