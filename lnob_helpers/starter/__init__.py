"""`lnob init`: a commented starter analysis.yaml from a country's DHS or MICS files.

A country team with survey files and no analysis.yaml should not have to learn the schema
and every recode name before seeing a first table. `init_analysis` recognises the files,
fills in each file's sample design, weight divisor and completed-interview universe, the
standard circumstances with their per-file columns, and the catalogue indicators the files
can serve, each citing the programme's published definition. Nothing is overwritten, and
what could not be mapped is said plainly, in the file and to the caller.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..config import ANALYSIS_FILE
from ..data import read_microdata
from ..errors import InputError
from .compose import compose
from .detect import FORMATS, SurveyFile, recognise
from .fit import fit

__all__ = ["InitResult", "init_analysis"]


@dataclass
class InitResult:
    """What `init_analysis` wrote and what it left out, for the command to print."""

    path: Path
    programme: str
    files: dict[str, str]                               # file key -> file name
    indicators: list[str]
    circumstances: list[str]
    left_out: list[str] = field(default_factory=list)   # catalogue indicators the files cannot serve
    notes: list[str] = field(default_factory=list)      # what could not be mapped, in sentences


def init_analysis(paths: list[str | Path], out: str | Path | None = None, *, country: str = "Country name",
                  iso3: str = "XXX", year: int | None = None) -> InitResult:
    """Write `<out>/analysis.yaml` for the survey files `paths`; never overwrites one.

    `out` defaults to the folder of the first file, so data paths stay relative.
    """
    if not paths:
        raise InputError("lnob init needs at least one DHS or MICS data file.")
    paths = [Path(p) for p in paths]
    for p in paths:
        if not p.is_file():
            raise InputError(f"{p}: data file not found.")
    folder = Path(out) if out is not None else paths[0].resolve().parent
    target = folder / ANALYSIS_FILE
    if target.exists():
        raise InputError(f"{target} already exists; nothing was written (move it away or choose another --out).")
    notes: list[str] = []
    files = _recognised(paths, notes)
    catalogue = next(iter(files.values())).catalogue
    fitted = fit(catalogue, files)
    fitted.notes = notes + fitted.notes
    if not fitted.indicators:
        raise InputError("none of the catalogue's indicators fits these files, so no analysis.yaml was written; "
                         "not in these files: " + "; ".join(fitted.left_out))
    if not fitted.circumstances:
        raise InputError("none of the standard circumstances (wealth, residence, region, ...) is in these files, "
                         "so no analysis.yaml was written.")
    year, year_source = _year(files, year)
    text = compose(catalogue, fitted, folder, country=country, iso3=iso3, year=year, year_source=year_source)
    folder.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as fh:  # "x": fail rather than overwrite, even in a race
        fh.write(text)
    return InitResult(
        path=target, programme=catalogue.programme, files={k: f.path.name for k, f in files.items()},
        indicators=[e.id for e, _ in fitted.indicators], circumstances=[c["id"] for c in fitted.circumstances],
        left_out=fitted.left_out, notes=fitted.notes)


def _recognised(paths: list[Path], notes: list[str]) -> dict[str, SurveyFile]:
    """The files recognised, by file key; one programme, one file per type."""
    files: dict[str, SurveyFile] = {}
    for path in paths:
        found = recognise(path)
        if found is None:
            notes.append(f"{path.name}: not recognised as a DHS recode or a MICS file, so it was left out.")
            continue
        if files and next(iter(files.values())).catalogue.programme != found.catalogue.programme:
            raise InputError(f"{path.name} is a {found.catalogue.programme} file but the others are "
                             f"{next(iter(files.values())).catalogue.programme}; run lnob init once per survey.")
        key = found.type.key
        if key in files:
            raise InputError(f"{files[key].path.name} and {path.name} are both {found.type.kind} files; "
                             "run lnob init once per survey round.")
        weight = found.type.design["weight"]
        if weight not in found.type.computed and not found.column(weight):
            notes.append(f"{path.name}: recognised as {found.type.kind} but it has no weight column "
                         f"'{weight}', so it was left out.")
            continue
        files[key] = found
    if not files:
        raise InputError("none of the files is a DHS recode or a MICS file lnob init knows; nothing was written.")
    order = list(next(iter(files.values())).catalogue.files)  # children first, households last
    return dict(sorted(files.items(), key=lambda item: order.index(item[1].type.kind)))


def _year(files: dict[str, SurveyFile], year: int | None) -> tuple[int, str]:
    """The survey year: given, else the most common year of interview in the files."""
    if year is not None:
        return year, "given to lnob init"
    for file in files.values():
        col = file.column(file.type.year)
        if col:
            values = read_microdata(file.path, FORMATS[file.path.suffix.lower()], [col]).frame[col].dropna()
            if len(values):
                common = int(Counter(values.astype(int)).most_common(1)[0][0])
                return common, f"most common year of interview ({col} in {file.path.name}); CHECK"
    return datetime.date.today().year, "CHECK: no year of interview found in the files; this is this year"
