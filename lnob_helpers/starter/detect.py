"""Telling which survey file is which: DHS recodes and MICS files, by name and by columns.

DHS names its recodes CCRRvvFL (country, recode, version: `XXKR7AFL.DTA` is a children's
recode) and MICS names its files after the questionnaire (`ch.sav`, `wm.sav`). A renamed
file is still recognised by the columns only that type of file has (its weight, mostly).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..data import read_microdata
from ..errors import InputError
from .catalogue import PROGRAMMES, Catalogue, FileType, load_catalogue

_DHS_NAME = re.compile(r"^[a-z]{2}(kr|br|ir|mr|pr|hr)[0-9a-z]{2}(fl)?$")
_MICS_NAME = re.compile(r"^(ch|fs|wm|mn|hl|hh)(?:[_ -].*)?$")
FORMATS = {".dta": "dta", ".sav": "sav", ".csv": "csv", ".parquet": "parquet"}


@dataclass(frozen=True)
class SurveyFile:
    """A recognised file: its programme, its type and its columns (lower case -> as written)."""

    path: Path
    catalogue: Catalogue
    type: FileType
    columns: dict[str, str]
    by_name: bool

    def column(self, name: str) -> str | None:
        """The file's spelling of column `name` (MICS mixes HH1 and hhweight), or None."""
        return self.columns.get(name.lower())


def file_columns(path: Path) -> list[str]:
    """The column names of a data file, read from its header or metadata only."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: not a data file lnob can read (expected .dta, .sav, .csv or .parquet).")
    if fmt in ("sav", "dta"):
        import pyreadstat

        reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
        try:
            _, meta = reader(str(path), metadataonly=True)
        except Exception:
            raise InputError(f"{path}: could not be read as {fmt}; check that it is a {fmt} file.") from None
        return list(meta.column_names)
    return list(read_microdata(path, fmt).frame.columns)


def recognise(path: Path) -> SurveyFile | None:
    """The programme and type of `path`, or None when it is neither a DHS recode nor a MICS file."""
    columns = {c.lower(): c for c in file_columns(path)}
    stem = path.stem.lower()
    named = _DHS_NAME.match(stem) or _MICS_NAME.match(stem)
    if named:
        programme = "DHS" if named.re is _DHS_NAME else "MICS"
        catalogue = load_catalogue(programme)
        kind = named.group(1).upper() if programme == "DHS" else named.group(1)
        ftype = catalogue.files[kind]
        if all(c.lower() in columns for c in ftype.signature):
            return SurveyFile(path, catalogue, ftype, columns, by_name=True)
    for programme in PROGRAMMES:
        catalogue = load_catalogue(programme)
        for ftype in catalogue.files.values():  # most specific first, as the catalogue lists them
            if all(c.lower() in columns for c in ftype.signature):
                return SurveyFile(path, catalogue, ftype, columns, by_name=False)
    return None
