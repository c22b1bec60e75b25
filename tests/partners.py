"""Two partners of one data collaborative, made from two copies of the sample country.

- The statistics office shares the whole analysis as a survey (both rounds, every circumstance).
- A civil-society network shares citizen-generated figures from its own, smaller collection:
  the 2024 round only, half of the clusters, and four circumstances (sex, area, region and
  disability), so some of its figures agree with the survey's, some may not, and whole groups
  and factors are covered by one partner only.

Step 1's tables are written for every round of both copies, then each copy is shared as a
contribution package.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyreadstat
import yaml

from lnob_helpers.collab.package import MANIFEST_NAME, write_package
from lnob_helpers.config import load_analysis
from lnob_helpers.disaggregate import write_disaggregation

OFFICE = {"partner": {"name": "Aruvia Statistics Office", "contact": "lnob@stats.example.invalid"},
          "source_type": "survey", "licence": "CC-BY-4.0"}
NETWORK_QUALITY = {key: {"level": level, "note": note} for key, level, note in (
    ("sampling_or_coverage", "partly met", "Half of the survey's clusters, chosen by where members work."),
    ("method_documented", "met", "Questions and definitions follow the household survey's."),
    ("validation", "partly met", "One visit in ten was repeated by a second enumerator."),
    ("timeliness", "met", "Shared within a year of collection."),
    ("ethics_consent", "met", "Verbal consent; no names kept."))}
NETWORK = {"partner": {"name": "Aruvia Women's Network", "contact": "data@network.example.invalid"},
           "source_type": "citizen_generated", "licence": "CC-BY-SA-4.0", "quality": NETWORK_QUALITY}
NETWORK_CIRCUMSTANCES = ("sex", "area", "region", "disability")


@dataclass(frozen=True)
class Partners:
    office_folder: Path
    network_folder: Path
    office_package: Path
    network_package: Path

    @property
    def packages(self) -> list[Path]:
        return [self.office_package, self.network_package]


def make_partners(sample: Path, base: Path) -> Partners:
    """Both analyses under `base`, with Step 1 written, and their packages beside them."""
    office = _copy(sample, base / "office")
    network = _copy(sample, base / "network")
    spec = yaml.safe_load((network / "analysis.yaml").read_text(encoding="utf-8"))
    spec["rounds"] = [r for r in spec["rounds"] if r["year"] == 2024]
    spec["circumstances"] = [c for c in spec["circumstances"] if c["id"] in NETWORK_CIRCUMSTANCES]
    (network / "analysis.yaml").write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True),
                                           encoding="utf-8")
    persons = network / "persons_2024.sav"
    rows, meta = pyreadstat.read_sav(persons)
    pyreadstat.write_sav(rows[rows["cluster"] % 2 == 1], persons, column_labels=meta.column_labels,
                         variable_value_labels=meta.variable_value_labels)
    for folder in (office, network):
        analysis = load_analysis(folder)
        for survey_round in analysis.rounds:
            write_disaggregation(analysis, survey_round.year)
    return Partners(office, network,
                    write_package(office, base / "office.zip", OFFICE),
                    write_package(network, base / "network.zip", NETWORK))


def _copy(sample: Path, dest: Path) -> Path:
    shutil.copytree(sample, dest, ignore=shutil.ignore_patterns("outputs", "*.bak"))
    return dest


def remade(source: Path, dest: Path, created: datetime, partner_name: str | None = None) -> Path:
    """A copy of a package made at another time (and the partner's name spelt otherwise): the
    manifest changes, the figures do not, so the copy is valid and its zip has another SHA-256."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    fields = json.loads(members[MANIFEST_NAME])
    fields["created"] = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    if partner_name is not None:
        fields["partner"]["name"] = partner_name
    members[MANIFEST_NAME] = json.dumps(fields, indent=2).encode()
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return dest
