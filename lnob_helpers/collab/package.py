"""Writing a contribution package from an analysis, and reading one a partner sent.

`write_package` zips Step 1's published figures (see `aggregates`) in two formats, the log of
withheld cells and the manifest, then reads its own zip back through the same checks a partner
will run, so it never writes a package that import would refuse. `read_package` accepts a
package whole or not at all: every problem found is one sentence naming the file, column, code
or field, and all of them come together in one `InputError`.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .. import __version__
from ..config import Analysis, Suppression, load_analysis
from ..errors import InputError, LnobError
from ..exports import csv_bytes
from ..heat_format import check_heat_table
from ..yamlstore import atomic_write_bytes
from .aggregates import (column_problems, figure_problems, read_written, shared_aggregates, step1_tables,
                         withheld_problems)
from .archive import MAX_TOTAL_BYTES, read_members
from .manifest import SOURCE_TYPE_LABELS, Manifest, parse_manifest, validate_manifest
from .sdmx_csv import coded_observations, disagreements, read_sdmx_csv, sdmx_csv_bytes

MANIFEST_NAME = "manifest.json"
FILE_NAMES = {"heat_plus": "aggregates_heat_plus.csv", "sdmx_csv": "aggregates_sdmx.csv",
              "withheld": "withheld_cells.csv"}
# set by the workbook when it writes a package, never by the person sharing
WRITTEN_FIELDS = ("package_format", "files", "workbook_version", "created", "country", "suppression")


@dataclass(frozen=True)
class Package:
    """A checked contribution package: its manifest, figures, SDMX observations and withheld cells."""

    path: Path
    sha256: str                    # of the zip file itself
    manifest: Manifest
    aggregates: pd.DataFrame       # HEAT Plus columns and the workbook's extras, typed
    observations: pd.DataFrame     # the SDMX-CSV as sdmx1 read it: dimensions, OBS_VALUE, attributes
    withheld: pd.DataFrame         # cells left out, named only

    def to_frame(self) -> pd.DataFrame:
        """The shared figures (HEAT Plus template columns, then n, flag, share, dimension_id,
        group_id, factors)."""
        return self.aggregates.copy()

    def summary(self) -> str:
        """One line saying what the package holds, for the person who made or received it."""
        m = self.manifest
        years = sorted(int(y) for y in self.aggregates["date"].unique())
        span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
        return (f"{self.path}: {len(self.aggregates):,} figures on {self.aggregates['indicator_abbr'].nunique()} "
                f"indicators for {span} in HEAT Plus and SDMX-CSV, {len(self.withheld):,} withheld cells listed "
                f"without numbers; shared by {m.partner.name} ({SOURCE_TYPE_LABELS[m.source_type].lower()}, "
                f"licence {m.licence}).")


def write_package(analysis_folder: str | os.PathLike, out_zip: str | os.PathLike,
                  manifest_fields: Mapping[str, object], force: bool = False) -> Path:
    """Zip the analysis's published figures with a manifest made of `manifest_fields` (partner,
    source_type, licence, and optionally method, coverage, period, quality).

    Method, coverage and period default to what the analysis says; an existing `out_zip` is
    replaced only with `force`.
    """
    out = Path(out_zip)
    if out.suffix.lower() != ".zip":
        raise LnobError(f"{out}: a contribution package is a .zip file; give a name ending in .zip.")
    if out.exists() and not force:
        raise LnobError(f"{out} already exists; give another file name, or --force to replace it.")
    given = [k for k in WRITTEN_FIELDS if k in manifest_fields]
    if given:
        raise InputError([f"manifest: `{k}` is set by the workbook when it writes the package; leave it out."
                          for k in given])
    analysis = load_analysis(analysis_folder)
    shown, withheld = shared_aggregates(step1_tables(analysis.outputs))
    if shown.empty:
        raise LnobError(f"{analysis.outputs / 'step1'}: every figure is withheld, so there is nothing to share.")
    files = {
        "heat_plus": csv_bytes(shown),
        "sdmx_csv": sdmx_csv_bytes(coded_observations(shown)),
        "withheld": csv_bytes(withheld),
    }
    rows = {"heat_plus": len(shown), "sdmx_csv": len(shown), "withheld": len(withheld)}
    years = sorted(int(y) for y in shown["date"].unique())
    fields = {
        "method": _default_method(analysis, years),
        "coverage": f"{analysis.country.name} ({analysis.country.iso3}), national, by "
                    + ", ".join(c.label for c in analysis.circumstances) + ".",
        "period": {"start": years[0], "end": years[-1]},
        **manifest_fields,
        "country": analysis.country.model_dump(),
        "suppression": analysis.settings.suppression.model_dump(),
        "files": [{"name": FILE_NAMES[role], "role": role, "sha256": hashlib.sha256(data).hexdigest(),
                   "rows": rows[role]} for role, data in files.items()],
        "workbook_version": __version__,
        "created": datetime.now(timezone.utc).replace(microsecond=0),
    }
    manifest = validate_manifest(fields, "manifest")
    data = _zip({MANIFEST_NAME: manifest.to_json(), **{FILE_NAMES[r]: d for r, d in files.items()}})
    _check(data, out.name, analysis.settings.suppression)  # never write what import would refuse
    return atomic_write_bytes(out, data)


def default_package_path(analysis_folder: str | os.PathLike) -> Path:
    """`<analysis>/outputs/share/contribution_<ISO3>_<date>.zip`, where `lnob share` writes by default."""
    analysis = load_analysis(analysis_folder)
    today = datetime.now(timezone.utc).date().isoformat()
    return analysis.outputs / "share" / f"contribution_{analysis.country.iso3}_{today}.zip"


def _default_method(analysis: Analysis, years: list[int]) -> str:
    labels = [r.label or f"survey {r.year}" for r in analysis.rounds if r.year in years]
    rule = analysis.settings.suppression
    return (f"Design-based estimates from {'; '.join(labels)}, disaggregated by the LNOB workbook "
            f"{__version__}; figures from fewer than {rule.min_n} unweighted cases are withheld, with "
            "complementary suppression.")


def _zip(members: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def read_package(zip_path: str | os.PathLike, suppression: Suppression | None = None) -> Package:
    """Read and check a contribution package; raise one InputError listing every problem.

    Small cells are judged by the stricter of the partner's declared rule and `suppression`
    (the workbook's default rule when None).
    """
    path = Path(zip_path)
    if not path.is_file():
        raise InputError(f"{path}: file not found.")
    if path.stat().st_size > MAX_TOTAL_BYTES:
        raise InputError(f"{path.name}: larger than {MAX_TOTAL_BYTES // 2**20} MB; a contribution package holds "
                         "aggregates only and is far smaller.")
    return _check(path.read_bytes(), path.name, suppression or Suppression(), path)


def _check(data: bytes, name: str, rule: Suppression, path: Path | None = None) -> Package:
    """The package in `data`, or InputError with one sentence per problem."""
    members, problems = read_members(io.BytesIO(data), name)
    if MANIFEST_NAME not in members:
        raise InputError(problems + [f"{name}: no {MANIFEST_NAME}; a contribution package starts with its "
                                     "manifest."])
    try:
        manifest = parse_manifest(members[MANIFEST_NAME], f"{name}/{MANIFEST_NAME}")
    except InputError as err:
        raise InputError(problems + err.problems) from None
    undeclared = sorted(set(members) - {f.name for f in manifest.files} - {MANIFEST_NAME})
    problems += [f"{name}/{extra}: not declared in the manifest; a package holds only its manifest and the files "
                 "it lists." for extra in undeclared]
    contents = _declared_files(members, manifest, name, problems)
    strict = Suppression(min_n=max(rule.min_n, manifest.suppression.min_n),
                         caution_n=max(rule.caution_n, manifest.suppression.caution_n))
    where = {role: f"{name}/{file_name}" for role, file_name in FILE_NAMES.items()}
    frames: dict[str, pd.DataFrame | None] = {}
    if "heat_plus" in contents:
        frames["heat_plus"] = _figures(contents["heat_plus"], where["heat_plus"], manifest, strict, problems)
    if "sdmx_csv" in contents:
        observations, more = read_sdmx_csv(contents["sdmx_csv"], where["sdmx_csv"])
        problems += more
        if not more:
            frames["sdmx_csv"] = observations
            if frames.get("heat_plus") is not None:
                problems += disagreements(coded_observations(frames["heat_plus"]), observations,
                                          where["sdmx_csv"], where["heat_plus"])
    if "withheld" in contents:
        try:
            withheld = read_written(contents["withheld"], where["withheld"])
        except InputError as err:
            problems += err.problems
        else:
            more = withheld_problems(withheld, frames.get("heat_plus"), where["withheld"])
            problems += more
            if not more:
                frames["withheld"] = withheld
    for role, frame in frames.items():
        if frame is not None and len(frame) != manifest.file(role).rows:
            problems.append(f"{where[role]}: holds {len(frame)} rows; the manifest says {manifest.file(role).rows}.")
    if problems:
        raise InputError(problems)
    return Package(path=path or Path(name), sha256=hashlib.sha256(data).hexdigest(), manifest=manifest,
                   aggregates=frames["heat_plus"], observations=frames["sdmx_csv"], withheld=frames["withheld"])


def _declared_files(members: Mapping[str, bytes], manifest: Manifest, name: str,
                    problems: list[str]) -> dict[str, bytes]:
    """role -> bytes of each file the manifest lists, present and unchanged; a sentence for every other."""
    contents = {}
    for role, file_name in FILE_NAMES.items():
        entry = manifest.file(role)
        if entry is None or entry.name != file_name:
            problems.append(f"{name}/{MANIFEST_NAME}: `files` must list {file_name} with role {role}.")
        elif file_name not in members:
            problems.append(f"{name}/{file_name}: listed in the manifest but missing from the zip.")
        elif hashlib.sha256(members[file_name]).hexdigest() != entry.sha256:
            problems.append(f"{name}/{file_name}: its SHA-256 does not match the manifest's; the file was changed "
                            "after the package was made.")
        else:
            contents[role] = members[file_name]
    return contents


def _figures(data: bytes, where: str, manifest: Manifest, rule: Suppression,
             problems: list[str]) -> pd.DataFrame | None:
    """The HEAT Plus file as a checked table, or None after adding its problems (columns, template
    rules, small cells, rows per person, another country) to `problems`."""
    try:
        raw = read_written(data, where)
        found = column_problems(list(raw.columns), where)
        table = None if found else check_heat_table(raw, source=where)
    except InputError as err:
        problems += err.problems
        return None
    if table is not None:
        found = figure_problems(table, rule.min_n, where)
        if (table["iso3"].astype("str") != manifest.country.iso3).any():
            found.append(f"{where}: column iso3 holds a country other than the manifest's "
                         f"{manifest.country.iso3}; expected one country per package.")
    problems += found
    return None if found else table
