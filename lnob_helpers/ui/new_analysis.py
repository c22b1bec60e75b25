"""The "new analysis" page: survey files in, a checked analysis.yaml out, in a folder of its own.

A team names the analysis and uploads its survey files (.sav, .dta, .csv or .parquet; several
for DHS or MICS). They are saved unchanged into a new folder beside the analysis the app was
started on, named from the words typed; an existing folder or file is never reused, so nothing
is overwritten. DHS and MICS files are recognised by the starter catalogue of `lnob init`, which
proposes each file's sample design, the standard circumstances and the indicators the files can
serve; other files get plain column pickers. Each choice is shown in words and can be changed.
"Check and save" writes analysis.yaml, checks it against the data (each problem one sentence
naming the column) and, when it is valid, switches the app to it (`app.choose_analysis`); a
server that cannot switch says which command opens it.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import hashlib
import html
import os
import re
from pathlib import Path

import ipywidgets as w
import pandas as pd
import yaml

from ..app import CHOICE_ENV, UPLOAD_LIMIT_MB, can_make_beside, choose_analysis, home_folder, register_analysis
from ..config import ANALYSIS_FILE, FACTOR_LABELS, FACTORS
from ..data import read_microdata
from ..derive import value_keys
from ..errors import InputError
from ..notebook import resolve_mode
from ..special_codes import reads_as_special
from ..starter import _recognised, _year
from ..starter.compose import compose
from ..starter.detect import FORMATS, recognise
from ..starter.fit import available, fit
from ..validate import validate_folder
from .feedback import Alerts, busy, guarded
from .forms import LABEL_STYLE, WIDE, chosen, required, say, section

SUFFIXES = tuple(FORMATS)                     # .dta .sav .csv .parquet
FACTOR_OPTIONS = [(FACTOR_LABELS[f], f) for f in FACTORS]
MAX_GROUPS = 30         # a column with more distinct values is not offered as a circumstance
DRAFT_FILE = "analysis-draft.yaml"   # a proposal that did not pass the checks, kept for reading
LINK_CSS = "<style>.lnob-new-analysis a{font-weight:600;color:#4477AA;text-decoration:underline}</style>"
FILE_KEY = "survey"     # the key of the one data file of a plain (not DHS/MICS) analysis
GUESSES = {             # plain-file column names -> the role they most likely play
    "weight": re.compile(r"(^|_)(weight|wgt|wt|pw|hhweight|wmweight|chweight)s?($|_)|weight", re.I),
    "strata": re.compile(r"strat", re.I),
    "psu": re.compile(r"(^|_)(psu|cluster|clust|ea)($|_|\d)", re.I),
}
FACTOR_GUESSES = (
    ("geography", re.compile(r"region|province|district|urban|rural|residence|area|state|county", re.I)),
    ("socioeconomic", re.compile(r"wealth|quintile|income|poor|educ|school|employ|occupation", re.I)),
    ("discrimination", re.compile(r"sex|gender|age|ethni|disab|religi|caste|language|migra|indigen", re.I)),
    ("shocks", re.compile(r"displac|refugee|conflict|disaster|drought|flood", re.I)),
    ("governance", re.compile(r"regist|document|id_card|citizen", re.I)),
)


# --- folders and files ---------------------------------------------------------------------

def folder_name(title: str) -> str:
    """The folder name for an analysis called `title`: lower-case letters, digits and dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:50].strip("-")
    return slug or "analysis"


def new_folder(workspace: Path, title: str) -> Path:
    """Make an empty folder for `title` in `workspace`; a name already taken gets -2, -3, ..."""
    base = folder_name(title)
    for n in range(1, 100):
        folder = Path(workspace) / (base if n == 1 else f"{base}-{n}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise InputError(f"Name of the analysis: there are already 99 folders called '{base}'; choose another name.")


def file_name(name: str) -> str:
    """A safe name for an uploaded file: no folders, only letters, digits, dots, dashes and underscores."""
    base = re.split(r"[\\/]", str(name))[-1]
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in SUFFIXES:
        raise InputError(f"'{base}' is not a survey file the workbook reads; expected a .sav, .dta, .csv or "
                         ".parquet file.")
    clean = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_.")[:80] or "data"
    return clean + (base[-len(suffix):] if dot else "")  # DHS names keep their .DTA


def save_file(folder: Path, name: str, content: bytes) -> tuple[Path, str]:
    """Write an uploaded file into `folder` without replacing any file there; (path, what happened)."""
    safe = file_name(name)
    path = Path(folder) / safe
    digest = hashlib.sha256(content).digest()
    stem, suffix = path.stem, path.suffix
    for n in range(1, 100):
        candidate = path if n == 1 else path.with_name(f"{stem}-{n}{suffix}")
        if candidate.exists():
            if hashlib.sha256(candidate.read_bytes()).digest() == digest:
                return candidate, f"{candidate.name} was saved already."
            continue
        with candidate.open("xb") as f:
            f.write(content)
        renamed = "" if candidate.name == str(name) else f" (uploaded as {name})"
        return candidate, f"{candidate.name} saved{renamed}."
    raise InputError(f"{safe}: too many files of this name in the folder already.")


def data_files(folder: Path) -> list[Path]:
    """The survey files in an analysis folder, in name order."""
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)


def identifier(name: str, taken: set[str]) -> str:
    """An id for analysis.yaml from a column name (letters, digits, _; starts with a letter), unique."""
    base = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_") or "item"
    base = base if base[0].isalpha() else f"c_{base}"
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}_{n}", n + 1
    taken.add(ident)
    return ident


def _options(columns: list[str]) -> list[tuple[str, str]]:
    return [(c, c) for c in columns]


def _dropdown(label: str, options: list, value=None) -> w.Dropdown:
    values = [o[1] for o in options]
    return w.Dropdown(description=label, options=options, value=value if value in values else None,
                      layout=WIDE, style=LABEL_STYLE)


# --- DHS and MICS: the starter's proposal ----------------------------------------------------

class StarterChoices:
    """The starter catalogue's proposal for DHS or MICS files, one widget per choice."""

    def __init__(self, paths: list[Path]) -> None:
        notes: list[str] = []
        self.files = _recognised(paths, notes)
        self.catalogue = next(iter(self.files.values())).catalogue
        self.fitted = fit(self.catalogue, self.files)
        self.fitted.notes = notes + self.fitted.notes
        year, self.year_source = _year(self.files, None)
        self.year = w.BoundedIntText(description="Survey year", value=year, min=1950, max=2100, style=LABEL_STYLE)
        self.design: dict[str, tuple[w.Dropdown, w.Dropdown, w.Dropdown]] = {}
        parts = [w.HTML(f"<p>These are <b>{html.escape(self.catalogue.programme)}</b> files "
                        f"({html.escape(self.catalogue.survey)}). The proposal below follows the starter "
                        "catalogue; change anything that does not match your survey.</p>"),
                 self.year, w.HTML(f"<p class='lnob-help'>{html.escape(self._year_note())}</p>"),
                 section("How each file's sample was drawn")]
        for key, file in self.files.items():
            d = file.type.design
            columns = _options(sorted(file.columns.values(), key=str.lower))
            none = [("none", None)]
            weight = _dropdown("Sampling weight", columns, available(file, d["weight"]))
            strata = _dropdown("Strata", none + columns, file.column(d["strata"]) if d.get("strata") else None)
            psu = _dropdown("Clusters (PSUs)", none + columns, file.column(d["psu"]) if d.get("psu") else None)
            self.design[key] = (weight, strata, psu)
            divisor = (f" {self.catalogue.programme} stores the weight multiplied by "
                       f"{d['weight_divisor']:,}; the workbook divides it back." if d.get("weight_divisor") else "")
            parts += [w.HTML(f"<p><b>{html.escape(file.path.name)}</b>: {html.escape(file.type.about)}."
                             f"{html.escape(divisor)}</p>"), weight, strata, psu]
        parts.append(section("Circumstances: the groups to compare"))
        self.circumstances = []
        for circ in self.fitted.circumstances:
            tick = w.Checkbox(value=True, description=circ["label"], indent=False, layout=w.Layout(width="50%"))
            factor = w.Dropdown(options=FACTOR_OPTIONS, value=circ["factor"], description="Factor",
                                layout=w.Layout(width="45%"))
            self.circumstances.append((circ, tick, factor))
            parts.append(w.HBox([tick, factor]))
        parts.append(section("Indicators the files can serve"))
        self.indicators = []
        for entry, file in self.fitted.indicators:
            tick = w.Checkbox(value=True, description=f"{entry.label} ({file.path.name})", indent=False, layout=WIDE)
            self.indicators.append((entry, file, tick))
            parts.append(tick)
        missing = self._left_out()
        if missing:
            parts.append(w.HTML("<details><summary>What these files cannot serve</summary><ul>"
                                + "".join(f"<li>{html.escape(m)}</li>" for m in missing) + "</ul></details>"))
        self.widget = w.VBox(parts)

    def _year_note(self) -> str:
        if self.year_source.startswith("most common year"):
            return "Read from the files: the most common year of interview. Check it against the survey's report."
        return "No year of interview was found in the files; please type the survey year."

    def _left_out(self) -> list[str]:
        """The catalogue's indicators these files cannot serve, by label, with the reason."""
        out = []
        for line in self.fitted.left_out + self.fitted.notes:
            found = (re.match(r"^[A-Za-z0-9_]+ \((.*?)\): (.*)$", line)
                     or re.match(r"^circumstance '[^']+' \((.*?)\): (.*)$", line))
            out.append(f"{found[1]}: {found[2]}" if found else line)
        return out

    def analysis_text(self, folder: Path, country: str, iso3: str) -> str:
        """analysis.yaml as the starter writes it, with the choices made on the page."""
        fitted = copy.copy(self.fitted)
        fitted.files = dict(self.files)
        for key, (weight, strata, psu) in self.design.items():
            file = self.files[key]
            design = {**file.type.design, "weight": chosen(weight.value, f"Sampling weight of {file.path.name}"),
                      "strata": strata.value, "psu": psu.value}
            fitted.files[key] = dataclasses.replace(file, type=dataclasses.replace(file.type, design=design))
        fitted.circumstances = [dict(circ, factor=factor.value) for circ, tick, factor in self.circumstances
                                if tick.value]
        fitted.indicators = [(entry, file) for entry, file, tick in self.indicators if tick.value]
        if not fitted.indicators:
            raise InputError("Indicators: none is ticked; tick at least one.")
        if not fitted.circumstances:
            raise InputError("Circumstances: none is ticked; tick at least one.")
        return compose(self.catalogue, fitted, folder, country=country, iso3=iso3, year=int(self.year.value),
                       year_source="checked on the new-analysis page")


# --- any other file: plain pickers ------------------------------------------------------------

class PlainChoices:
    """Column pickers for a survey file the starter does not know: design, circumstances, one indicator."""

    def __init__(self, paths: list[Path]) -> None:
        self.alerts = Alerts()
        self.paths = paths
        self.file = _dropdown("Data file", [(p.name, p) for p in paths], paths[0])
        self.file.observe(self.file_changed, "value")
        self.year = w.BoundedIntText(description="Survey year", value=datetime.date.today().year, min=1950,
                                     max=2100, style=LABEL_STYLE)
        self.box = w.VBox()
        head = [w.HTML("<p>The files are not DHS or MICS files the workbook knows, so please say which column "
                       "plays which part. The workbook analyses one data file here; more can be added to "
                       "analysis.yaml later.</p>")]
        if len(paths) > 1:
            head.append(self.file)
        self.widget = w.VBox([self.alerts, *head, self.year, self.box])
        self.load(paths[0])

    @guarded
    def file_changed(self, change: dict) -> None:
        if change["new"] is not None:
            self.load(change["new"])

    def load(self, path: Path) -> None:
        self.path = path
        self.md = read_microdata(path, FORMATS[path.suffix.lower()])
        frame = self.md.frame
        columns = list(frame.columns)
        numeric = [c for c in columns if pd.api.types.is_numeric_dtype(frame[c])]
        self.groups = {c: frame[c].nunique(dropna=True) for c in columns}
        few = [c for c in columns if 2 <= self.groups[c] <= MAX_GROUPS]

        def guess(role: str, among: list[str]) -> str | None:
            return next((c for c in among if GUESSES[role].search(c)), None)

        none = [("none", None)]
        self.weight = _dropdown("Sampling weight", _options(numeric), guess("weight", numeric))
        self.strata = _dropdown("Strata", none + _options(columns), guess("strata", columns))
        self.psu = _dropdown("Clusters (PSUs)", none + _options(columns), guess("psu", columns))
        design_cols = {self.weight.value, self.strata.value, self.psu.value}
        candidates = [c for c in few if c not in design_cols]
        self.circ_pick = w.SelectMultiple(
            description="Circumstances", options=candidates, rows=min(8, max(3, len(candidates))), layout=WIDE,
            style=LABEL_STYLE, value=tuple(c for c in candidates if self._factor_guess(c)))
        self.circ_rows: dict[str, tuple[w.Text, w.Dropdown]] = {}
        self.circ_box = w.VBox()
        self.circ_pick.observe(self.circumstances_changed, "value")
        self.indicator = _dropdown("Indicator column", none + _options(candidates))
        self.ind_label = w.Text(description="Indicator name", placeholder="e.g. Households with safe drinking water",
                                layout=WIDE, style=LABEL_STYLE)
        self.ones = w.SelectMultiple(description="Counts as 'yes'", options=[], rows=4, layout=WIDE,
                                     style=LABEL_STYLE)
        self.direction = w.ToggleButtons(description="A higher share is",
                                         options=[("better", "favourable"), ("worse", "adverse")],
                                         value="favourable", style=LABEL_STYLE)
        self.indicator.observe(self.indicator_changed, "value")
        self.draw_circumstances()
        help_line = lambda text: w.HTML(f"<p class='lnob-help'>{html.escape(text)}</p>")  # noqa: E731
        self.box.children = [
            section("How the sample was drawn"), self.weight, self.strata, self.psu,
            help_line("Leave strata or clusters at 'none' only if the survey had none."),
            section("Circumstances: the groups to compare"), self.circ_pick,
            help_line("Hold Ctrl (or Cmd) to pick several. Each needs a name and one of the five factors."),
            self.circ_box,
            section("One indicator"), self.indicator, self.ind_label, self.ones, self.direction,
            help_line("The share of people whose answer is one of the 'yes' values is estimated for every group."),
        ]

    @staticmethod
    def _factor_guess(column: str) -> str | None:
        return next((f for f, pattern in FACTOR_GUESSES if pattern.search(column)), None)

    @guarded
    def circumstances_changed(self, change: dict | None = None) -> None:
        self.draw_circumstances()

    def draw_circumstances(self) -> None:
        rows = []
        for col in self.circ_pick.value:
            if col not in self.circ_rows:
                label = w.Text(value=col.replace("_", " ").capitalize(), description=f"'{col}' name",
                               layout=w.Layout(width="50%"), style=LABEL_STYLE)
                factor = w.Dropdown(options=FACTOR_OPTIONS, value=self._factor_guess(col) or "socioeconomic",
                                    description="Factor", layout=w.Layout(width="45%"))
                self.circ_rows[col] = (label, factor)
            rows.append(w.HBox(list(self.circ_rows[col])))
        self.circ_box.children = rows

    def values(self, column: str) -> list[tuple[str, str, bool]]:
        """(code, label, special) for each value the column holds, in code order."""
        raw, lab = value_keys(self.md, column)
        pairs = pd.DataFrame({"raw": raw, "lab": lab}).dropna().drop_duplicates()
        pairs = pairs.sort_values("raw", key=lambda s: s.map(lambda v: (0, float(v)) if _number(v) else (1, v)))
        return [(r, l, reads_as_special(l)) for r, l in zip(pairs["raw"], pairs["lab"])]

    @guarded
    def indicator_changed(self, change: dict) -> None:
        column = change["new"]
        if column is None:
            self.ones.options = []
            return
        options = [(label if code == label else f"{code} = {label}", code)
                   for code, label, special in self.values(column) if not special]
        self.ones.options = options
        yes = [code for text, code in options if re.fullmatch(r"(1|yes|true)", text.split(" = ")[-1], re.I)]
        self.ones.value = tuple(yes[:1])
        if not self.ind_label.value.strip():
            self.ind_label.value = column.replace("_", " ").capitalize()

    def analysis_dict(self, country: str, iso3: str, title: str) -> dict:
        """analysis.yaml's content for the choices on the page."""
        weight = chosen(self.weight.value, "Sampling weight")
        design = {"weight": weight}
        design.update({k: v.value for k, v in (("strata", self.strata), ("psu", self.psu)) if v.value})
        taken: set[str] = set()
        circumstances = []
        for col in self.circ_pick.value:
            label, factor = self.circ_rows[col]
            circ = {"id": identifier(col, taken), "label": required(label.value, f"Name of circumstance '{col}'"),
                    "factor": factor.value, "column": col}
            special = [code for code, lab, is_special in self.values(col) if is_special]
            if special:
                circ["missing_codes"] = special
            circumstances.append(circ)
        if not circumstances:
            raise InputError("Circumstances: none is picked; pick at least one column whose groups you want to "
                             "compare.")
        column = chosen(self.indicator.value, "Indicator column")
        label = required(self.ind_label.value, "Indicator name")
        ones = set(self.ones.value)
        if not ones:
            raise InputError("Counts as 'yes': nothing is picked; pick the values that count as 'yes'.")
        values = self.values(column)
        indicator = {"id": identifier(column, set(taken)), "label": label, "file": FILE_KEY}
        if {code for code, _, _ in values} <= {"0", "1"} and ones == {"1"}:
            indicator["column"] = column
        else:
            mapping = {code: int(code in ones) for code, _, special in values if not special}
            if set(mapping.values()) != {0, 1}:
                raise InputError(f"Counts as 'yes': every value of '{column}' is picked; leave at least one as 'no'.")
            indicator["derive"] = {"kind": "category_map", "column": column, "map": mapping}
        special = [code for code, _, is_special in values if is_special]
        if special:
            indicator["missing_codes"] = special
        indicator["direction"] = self.direction.value
        return {
            "country": {"name": country, "iso3": iso3},
            "rounds": [{"year": int(self.year.value), "label": title,
                        "files": {FILE_KEY: {"path": self.path.name, "design": design}}}],
            "indicators": [indicator],
            "circumstances": circumstances,
        }

    def analysis_text(self, folder: Path, country: str, iso3: str, title: str) -> str:
        body = yaml.safe_dump(self.analysis_dict(country, iso3, title), sort_keys=False, allow_unicode=True)
        return (f"# Analysis '{title}' made on the workbook's new-analysis page on "
                f"{datetime.date.today().isoformat()}.\n# Settings not written here take the workbook's defaults; "
                "see data/samples/aruvia/analysis.yaml for every key.\n\n" + body)


def _number(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


# --- the page ---------------------------------------------------------------------------------

class Upload:
    """Part 2 of the page: the upload control and its own message line."""

    def __init__(self, page: NewAnalysisPage) -> None:
        self.page = page
        self.alerts = Alerts()
        self.widget = w.FileUpload(accept=",".join(SUFFIXES), multiple=True, description="Choose files")
        self.widget.observe(self.received, "value")

    @guarded
    def received(self, change: dict) -> None:
        """Save what the upload widget holds, then empty it (the memory is freed, more files can follow)."""
        uploads = change["new"]
        if not uploads:
            return
        self.alerts.clear()
        try:
            self.page.add_files([(u["name"], bytes(u["content"])) for u in uploads], self.alerts)
        finally:
            self.widget.value = ()


class NewAnalysisPage:
    """Name, files, proposal, check and save: the four parts of the page, top to bottom.

    Each part shows its messages beside its control: the upload's under the upload button, the
    proposal's at its top, the save's under the save button (`alerts`).
    """

    def __init__(self, home: Path | None) -> None:
        self.home = home
        self.alerts = Alerts()
        self.notice = Alerts()
        self.folder: Path | None = None
        self.choices: StarterChoices | PlainChoices | None = None
        self.title = w.Text(description="Name", placeholder="e.g. Kenya MICS 2022", layout=WIDE, style=LABEL_STYLE)
        self.country = w.Text(description="Country", placeholder="e.g. Kenya", layout=WIDE, style=LABEL_STYLE)
        self.iso3 = w.Text(description="ISO code", placeholder="three letters, e.g. KEN (may stay empty)",
                           layout=WIDE, style=LABEL_STYLE)
        self.uploader = Upload(self)
        self.upload = self.uploader.widget
        self.files_view = w.HTML()
        self.proposal = w.VBox()
        self.save_button = w.Button(description="Check and save", button_style="primary",
                                    tooltip="Write analysis.yaml and check it against the data")
        self.save_button.on_click(self.save)
        self.outcome = w.HTML()
        note = w.HTML(f"<p class='lnob-help'>Files up to {UPLOAD_LIMIT_MB} MB in all at a time; pick more files "
                      "afterwards to add them. They are saved unchanged. Larger files: copy them into a folder "
                      "and run <code>lnob init</code> there.</p>")
        self.widget = w.VBox([
            w.HTML(LINK_CSS + '<p><a href="./index.ipynb">&larr; Start page</a></p>'), self.notice,
            section("1. Name the analysis"), self.title, self.country, self.iso3,
            section("2. Add the survey files"), self.upload, self.uploader.alerts, note, self.files_view,
            section("3. Check the proposal"), self.proposal,
            section("4. Check and save"), self.save_button, self.alerts, self.outcome,
        ])
        self.widget.add_class("lnob-new-analysis")
        if self.workspace() is None:
            self.notice.show(self.no_workspace(), "info")
            self.upload.disabled = self.save_button.disabled = True

    def workspace(self) -> Path | None:
        """Where new analysis folders go: beside the analysis the app was started on."""
        if self.home is None or not can_make_beside(self.home):
            return None
        return self.home.parent

    @staticmethod
    def no_workspace() -> str:
        return ("This app serves the sample country shipped with the workbook, so there is no folder of yours to "
                "put a new analysis beside. Start the app on an analysis folder of your own "
                "(`lnob app <folder>`), or make one with `lnob workshop --teams 1 --out <folder>`.")

    # 2. files
    def add_files(self, files: list[tuple[str, bytes]], alerts: Alerts | None = None) -> None:
        """Save uploaded files (name, content) into the analysis folder, made now if need be, then propose."""
        workspace = self.workspace()
        if workspace is None:
            raise InputError(self.no_workspace())
        names = [file_name(name) for name, _ in files]  # refuse a wrong kind of file before making anything
        if self.folder is None:
            self.folder = new_folder(workspace, required(self.title.value, "Name of the analysis"))
            self.title.disabled = True
        said = [save_file(self.folder, name, content)[1] for (name, content), _ in zip(files, names)]
        self.files_view.value = self._files_html(said)
        with busy(alerts or self.alerts, "Reading the files …"):
            self.propose(alerts or self.alerts)

    def _files_html(self, said: list[str]) -> str:
        listed = "".join(f"<li>{html.escape(p.name)}</li>" for p in data_files(self.folder))
        return (f"<p>Folder: <code>{html.escape(str(self.folder))}</code></p><ul>{listed}</ul>"
                + "".join(f"<p class='lnob-help'>{html.escape(s)}</p>" for s in said))

    # 3. proposal
    def propose(self, alerts: Alerts) -> None:
        paths = data_files(self.folder)
        known = [p for p in paths if recognise(p) is not None]
        if known:
            self.choices = StarterChoices(known)
            others = [p.name for p in paths if p not in known]
            if others:
                alerts.show(f"{', '.join(others)}: not DHS or MICS files, so left out of this analysis.", "info")
        else:
            self.choices = PlainChoices(paths)
        self.proposal.children = [self.choices.widget]

    # 4. save
    @guarded
    def save(self, button: w.Button | None = None) -> None:
        """Write analysis.yaml from the choices, check it against the data, and open it when it is valid."""
        if self.folder is None or self.choices is None:
            raise InputError("Add the survey files first (part 2), then check the proposal.")
        target = self.folder / ANALYSIS_FILE
        if target.exists():
            raise InputError(f"This analysis is saved already in {self.folder}; to change it, edit its "
                             "analysis.yaml, or start another new analysis.")
        country = required(self.country.value, "Country")
        iso3 = self.iso3.value.strip().upper() or "XXX"
        if not re.fullmatch(r"[A-Z]{3}", iso3):
            raise InputError(f"ISO code: '{self.iso3.value.strip()}' is not three letters; type a code such as KEN, "
                             "or leave the box empty.")
        title = self.title.value.strip()
        if isinstance(self.choices, StarterChoices):
            text = self.choices.analysis_text(self.folder, country, iso3)
        else:
            text = self.choices.analysis_text(self.folder, country, iso3, title)
        with busy(self.alerts, "Checking the analysis against the data …"):
            with target.open("x", encoding="utf-8") as f:
                f.write(text)
            try:
                problems = validate_folder(self.folder)
            except BaseException:
                target.replace(self.folder / DRAFT_FILE)  # only a checked analysis.yaml stays
                raise
        if problems:
            target.replace(self.folder / DRAFT_FILE)
            self.outcome.value = ("<p>Not saved yet: please fix these and save again.</p><ul>"
                                  + "".join(f"<li>{html.escape(p)}</li>" for p in problems) + "</ul>")
            self.alerts.show(f"{len(problems)} problem(s) found; see the list under the button.", "error")
            return
        (self.folder / DRAFT_FILE).unlink(missing_ok=True)
        self.saved()

    def saved(self) -> None:
        """Say where the analysis is and open it (or say how to)."""
        register_analysis(self.home, self.folder)
        where = html.escape(str(self.folder))
        if os.environ.get(CHOICE_ENV):
            choose_analysis(self.folder.name)
            self.outcome.value = (f"<p>Saved in <code>{where}</code>. The app now opens this analysis for everyone "
                                  "using this server; the start page switches back.</p>"
                                  '<p><a class="lnob-open" href="1_who.ipynb">Open Step 1 on it →</a> · '
                                  '<a href="index.ipynb">Start page</a></p>')
        else:
            self.outcome.value = (f"<p>Saved in <code>{where}</code>. This server cannot switch to it; to work on "
                                  f"it, start the app on it: <code>lnob app {where}</code>.</p>")
        self.alerts.show("The new analysis is valid and saved.", "ok")


def show(mode: str = "auto") -> None:
    """The page in the app; elsewhere (a report run, nbval) a note on how to start an analysis."""
    from IPython.display import display

    if resolve_mode(mode) == "app":
        display(NewAnalysisPage(home_folder()).widget)
        return
    say("This page works in the app (`lnob app <folder>`): upload survey files and it proposes an analysis. "
        "From a terminal, `lnob init <files>` writes a starter analysis.yaml for DHS and MICS files.")
