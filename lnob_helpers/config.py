"""The analysis definition: `analysis.yaml` in an analysis folder.

A country team writes this file by hand. It says where the survey data are, how the
sample was drawn, which indicators and circumstances to analyse and with which
settings. Loading it checks the structure only; `lnob_helpers.validate` then checks it
against the data it points to.

Filters are structured (column + condition), never expressions, so nothing a user
writes is ever evaluated as code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WrapValidator, field_validator, model_validator

from .entries import duplicate_ids
from .errors import InputError, describe_validation_error
from .yamlstore import load_model

ANALYSIS_FILE = "analysis.yaml"
# `lnob ... --allow-outside` sets this for the command and the notebooks it runs, so a relative
# data path may leave the analysis folder; an absolute path in analysis.yaml is always allowed.
ALLOW_OUTSIDE_ENV = "LNOB_ALLOW_OUTSIDE"
# The working memory (MB) the streaming engine plans its chunks and passes for (`lnob tables` and
# `lnob validate`, `--memory-mb`). A property of the machine, not of the analysis, so it is not in
# analysis.yaml, which travels between a laptop and a server.
MEMORY_ENV = "LNOB_MEMORY_MB"
DEFAULT_MEMORY_MB = 1024


def memory_mb() -> int:
    """The working-memory ceiling in MB: `LNOB_MEMORY_MB` when set, else `DEFAULT_MEMORY_MB`."""
    raw = os.environ.get(MEMORY_ENV, "").strip()
    if not raw:
        return DEFAULT_MEMORY_MB
    if not raw.isdigit() or int(raw) < 64:
        raise InputError(f"the memory ceiling (--memory-mb or {MEMORY_ENV}) is '{raw}'; give the working memory "
                         "in MB as a whole number of at least 64.")
    return int(raw)


# Where the collaborative store lives (`lnob collab ... --db`): a database address or a file path.
# Several analyses, or several organisations on a PostgreSQL server, may share one store, so it is
# a setting of the machine or the team, not of analysis.yaml.
COLLAB_DB_ENV = "LNOB_COLLAB_DB"
COLLAB_DB_FILE = Path("collaborative") / "store.sqlite"


def collab_db_url(analysis_folder: str | os.PathLike, given: str | None = None) -> str:
    """The store's database address: `given` (--db), else `LNOB_COLLAB_DB`, else an SQLite file
    `<analysis folder>/collaborative/store.sqlite`. A plain file path means an SQLite file there."""
    chosen = (given or "").strip() or os.environ.get(COLLAB_DB_ENV, "").strip()
    if chosen:
        return chosen if "://" in chosen else f"sqlite:///{Path(chosen).expanduser().resolve()}"
    folder = Path(analysis_folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder; give the analysis folder the collaborative store sits in, "
                         f"or the store's address with --db or {COLLAB_DB_ENV}.")
    return f"sqlite:///{(folder / COLLAB_DB_FILE).resolve()}"


FACTORS = ("discrimination", "geography", "governance", "socioeconomic", "shocks")
FACTOR_LABELS = {
    "discrimination": "Discrimination",
    "geography": "Geography",
    "governance": "Governance",
    "socioeconomic": "Socio-economic status",
    "shocks": "Shocks and fragility",
}
Factor = Literal["discrimination", "geography", "governance", "socioeconomic", "shocks"]
LonelyRule = Literal["adjust", "certainty", "remove", "fail"]
Scalar = Union[int, float, str]


class Strict(BaseModel):
    """Base model: unknown keys are errors, so a typo in a key is caught, not ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# --- data files and sample design -------------------------------------------------------

class Design(Strict):
    """Sample design of one data file: weight, optional strata and PSU, lonely-PSU rule.

    `lonely_psu` left out takes `settings.lonely_psu` of the analysis.
    """

    weight: str
    weight_divisor: float = Field(
        default=1, gt=0, allow_inf_nan=False,
        description="Weights are divided by this on load (DHS stores weight x 1000000).",
    )
    strata: str | None = None
    psu: str | None = None
    lonely_psu: LonelyRule | None = None


class Computed(Strict):
    """A column computed on load from two others, e.g. age in months = interview CMC - birth CMC.

    Arithmetic on codes that a file only stores apart; a missing input, or a division by
    zero, gives a missing value rather than a made-up number.
    """

    op: Literal["+", "-", "*", "/"]
    columns: list[str] = Field(min_length=2, max_length=2, description="The two inputs, left then right.")
    divide_by: float = Field(default=1, allow_inf_nan=False, description="The result is divided by this.")

    @field_validator("divide_by")
    @classmethod
    def _not_zero(cls, v: float) -> float:
        if v == 0:
            raise ValueError("must not be 0")
        return v


class DataFile(Strict):
    path: str = Field(description="Path relative to the analysis folder.")
    format: Literal["csv", "parquet", "sav", "dta"] | None = Field(
        default=None, description="Guessed from the file name when left out."
    )
    universe: list[Condition] = Field(
        default_factory=list,
        description="Rows forming the file's population (e.g. completed interviews); others are dropped on load.",
    )
    computed: dict[str, Computed] = Field(
        default_factory=dict, description="Columns computed on load, in the order written; usable as columns."
    )
    design: Design

    @model_validator(mode="after")
    def _guess_format(self) -> "DataFile":
        if self.format is None:
            suffix = Path(self.path).suffix.lower().lstrip(".")
            if suffix not in ("csv", "parquet", "sav", "dta"):
                raise ValueError(
                    f"cannot tell the format of '{self.path}'; add `format:` "
                    "(one of csv, parquet, sav, dta)"
                )
            self.format = suffix  # type: ignore[assignment]
        return self


class Round(Strict):
    """One survey round: its year and the data files it ships (households, women, ...)."""

    year: int = Field(ge=1950, le=2100)
    label: str = ""
    files: dict[str, DataFile]

    @field_validator("files")
    @classmethod
    def _some_files(cls, v: dict[str, DataFile]) -> dict[str, DataFile]:
        if not v:
            raise ValueError("needs at least one data file")
        return v

    @property
    def name(self) -> str:
        return self.label or f"Survey {self.year}"


# --- derivations ------------------------------------------------------------------------

def _one_or_per_file(what: str) -> WrapValidator:
    """One plain message for a value that is neither `what` nor a mapping file key -> `what`."""
    def check(value, handler):
        try:
            return handler(value)
        except ValidationError:
            raise ValueError(f"must be {what} or a mapping from data file key to {what}") from None
    return WrapValidator(check)


# A column read from every data file, or a mapping file key -> column, so one circumstance
# serves files that name the same thing differently (DHS v190 in KR, hv270 in PR).
PerFileColumn = Annotated[Union[str, dict[str, str]], _one_or_per_file("a column name")]
PerFileColumns = Annotated[Union[list[str], dict[str, list[str]]], _one_or_per_file("a list of column names")]


def resolve_per_file(value, file_key: str):
    """The one place a per-file value is resolved: a plain value serves every file, a
    mapping only the files it names (None for the others)."""
    return value.get(file_key) if isinstance(value, dict) else value


class _ColumnPerFile:
    """A derivation whose `column` may be given per data file."""

    def column_for(self, file_key: str) -> str | None:
        """Its column in data file `file_key`; None when it has none there."""
        return resolve_per_file(self.column, file_key)


class Condition(Strict):
    """One test on a column; the reference population is the rows meeting all conditions."""

    column: str
    in_: list[Scalar] | None = Field(default=None, alias="in")
    not_in: list[Scalar] | None = None
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _one_test(self) -> "Condition":
        if self.in_ is None and self.not_in is None and self.min is None and self.max is None:
            raise ValueError(f"condition on '{self.column}' needs one of in, not_in, min, max")
        return self


class Threshold(Strict):
    """Numeric column compared with a cut-off, giving 1 where the comparison holds."""

    kind: Literal["threshold"]
    column: str
    op: Literal["<", "<=", ">", ">="]
    value: float


class CategoryMap(_ColumnPerFile, Strict):
    """Raw values (codes or value labels) mapped to new values; unmapped become missing."""

    kind: Literal["category_map"]
    column: PerFileColumn
    map: dict[str, Scalar]


class AnyOf(Strict):
    """1 where any condition holds, 0 where none does (DHS skilled attendance: m3a, m3b or m3c).

    Missing only where every condition's column is missing: one answered column is enough
    to count the row, so a blank in one of several yes/no items does not drop it.
    """

    kind: Literal["any_of"]
    conditions: list[Condition] = Field(min_length=1)


class AllOf(Strict):
    """1 where every condition holds, 0 where any fails; missing where none fails but one is unknown."""

    kind: Literal["all_of"]
    conditions: list[Condition] = Field(min_length=1)


class Bins(_ColumnPerFile, Strict):
    """A continuous column cut into labelled intervals [edge_i, edge_i+1)."""

    kind: Literal["bins"]
    column: PerFileColumn
    edges: list[float]
    labels: list[str]

    @model_validator(mode="after")
    def _sizes(self) -> "Bins":
        if len(self.labels) != len(self.edges) - 1:
            raise ValueError(f"bins on '{self.column}' need one label fewer than edges")
        if any(b <= a for a, b in zip(self.edges, self.edges[1:])):
            raise ValueError(f"bins on '{self.column}' need increasing edges")
        return self


class Bottom40(_ColumnPerFile, Strict):
    """Wealth quintile (1-5 or its labels in order) to 'Bottom 40%' / 'Top 60%'."""

    kind: Literal["bottom40"]
    column: PerFileColumn
    quintiles: list[str] = Field(
        default_factory=lambda: ["Poorest", "Second", "Middle", "Fourth", "Richest"],
        description="Labels of the five quintiles, poorest first (used when the column holds labels).",
    )


class WashingtonGroup(Strict):
    """Washington Group Short Set disability identifier from the six functioning items.

    Disability = at least one domain answered "a lot of difficulty" or "cannot do at all".
    """

    kind: Literal["wgss"]
    columns: PerFileColumns
    a_lot: list[Scalar] = Field(default_factory=lambda: [3, "A lot of difficulty"])
    cannot: list[Scalar] = Field(default_factory=lambda: [4, "Cannot do at all"])
    answered: list[Scalar] = Field(
        default_factory=lambda: [1, 2, 3, 4, "No difficulty", "Some difficulty",
                                 "A lot of difficulty", "Cannot do at all"],
    )

    @model_validator(mode="after")
    def _six(self) -> "WashingtonGroup":
        lists = self.columns.values() if isinstance(self.columns, dict) else [self.columns]
        if any(len(cols) != 6 for cols in lists):
            raise ValueError("wgss needs six columns, one per domain (seeing, hearing, walking, "
                             "remembering, self-care, communicating)")
        return self

    def columns_for(self, file_key: str) -> list[str] | None:
        """Its six columns in data file `file_key`; None when it has none there."""
        return resolve_per_file(self.columns, file_key)


Derivation = Annotated[
    Union[Threshold, CategoryMap, AnyOf, AllOf, Bins, Bottom40, WashingtonGroup], Field(discriminator="kind")
]


class Skipped(Strict):
    """The value of rows a questionnaire skipped by design, so they stay in the denominator.

    MICS asks "currently attending early education" only of children who ever attended;
    the others are blank, and leaving them out turns 84% into 98%.
    """

    when: list[Condition] = Field(min_length=1, description="All must hold for a blank row to get `value`.")
    value: float


# --- indicators and circumstances ------------------------------------------------------

class Indicator(Strict):
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    label: str
    sdg_target: str = ""
    file: str = Field(description="Key of the data file in each round's `files`.")
    column: str | None = None
    derive: Derivation | None = None
    type: Literal["binary", "continuous"] = "binary"
    direction: Literal["favourable", "adverse"] = "favourable"
    population: list[Condition] = Field(default_factory=list, description="Reference population.")
    population_label: str = ""
    missing_codes: list[Scalar] = Field(default_factory=list)
    skipped: Skipped | None = Field(default=None, description="Value for rows skipped by design.")
    scale: int = Field(default=100, description="Display scale: 100 shows proportions as percentages.")

    @model_validator(mode="after")
    def _column_or_derive(self) -> "Indicator":
        if (self.column is None) == (self.derive is None):
            raise ValueError(f"indicator '{self.id}' needs exactly one of `column` or `derive`")
        if self.derive is not None and not isinstance(self.derive, (Threshold, CategoryMap, AnyOf, AllOf)):
            raise ValueError(
                f"indicator '{self.id}': derive kind '{self.derive.kind}' makes categories, "
                "not an indicator; use threshold, category_map, any_of or all_of"
            )
        return self

    @field_validator("derive")
    @classmethod
    def _one_file(cls, d: Derivation | None) -> Derivation | None:
        if isinstance(getattr(d, "column", None), dict):
            raise ValueError("an indicator reads one data file, so its derive names one column, not one per file")
        return d

    @property
    def favourable(self) -> bool:
        return self.direction == "favourable"

    @property
    def kind(self) -> Literal["proportion", "mean"]:
        """What the estimation engine computes: a proportion for 0/1 indicators, else a mean."""
        return "proportion" if self.type == "binary" else "mean"

    @property
    def source_columns(self) -> list[str]:
        return [self.column] if self.column else _derivation_columns(self.derive)

    @property
    def condition_columns(self) -> list[str]:
        """Columns that only select rows: the population filter and the `skipped` test."""
        conditions = self.population + (self.skipped.when if self.skipped else [])
        return list(dict.fromkeys(c.column for c in conditions))


class Circumstance(Strict):
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    label: str
    factor: Factor
    column: PerFileColumn | None = None
    derive: Derivation | None = None
    recode: dict[str, str] = Field(
        default_factory=dict, description="Raw value or label -> group label (grouping)."
    )
    ordered: bool = False
    categories: list[str] = Field(
        default_factory=list, description="Category labels in order (required when ordered)."
    )
    missing_codes: list[Scalar] = Field(default_factory=list)
    not_disadvantaged: list[str] = Field(
        default_factory=list,
        description="Categories that carry no disadvantage on this circumstance's factor: the reference or "
                    "'not affected' ones (Not affected, Non-migrant, Urban). A group in one of them is not "
                    "counted under the factor, in Step 1's factors or Step 2's shocks score.",
    )

    @model_validator(mode="after")
    def _checks(self) -> "Circumstance":
        if (self.column is None) == (self.derive is None):
            raise ValueError(f"circumstance '{self.id}' needs exactly one of `column` or `derive`")
        if isinstance(self.derive, (Threshold, AnyOf, AllOf)):
            raise ValueError(
                f"circumstance '{self.id}': derive kind '{self.derive.kind}' makes a 0/1 indicator, "
                "not groups; use bins or category_map"
            )
        if self.ordered and not self.categories and not isinstance(self.derive, (Bins, Bottom40)):
            raise ValueError(f"circumstance '{self.id}' is ordered, so it needs `categories` in order")
        if len(set(self.categories)) != len(self.categories):
            raise ValueError(f"circumstance '{self.id}' lists a category twice")
        self._check_not_disadvantaged()
        return self

    def _check_not_disadvantaged(self) -> None:
        """Marked categories must be its own; those read from the data are checked by `lnob validate`."""
        order = self.category_order
        unknown = [c for c in self.not_disadvantaged if order and c not in order]
        if unknown:
            raise ValueError(
                f"circumstance '{self.id}': not_disadvantaged names {', '.join(repr(c) for c in unknown)}, which "
                f"{'is' if len(unknown) == 1 else 'are'} not among its categories ({', '.join(order)})")
        if order and set(order) <= set(self.not_disadvantaged):
            raise ValueError(f"circumstance '{self.id}': not_disadvantaged lists every category, so its factor "
                             "would never count; list only the reference or 'not affected' ones")

    def factor_of(self, category: str) -> Factor | None:
        """The factor a group in `category` is disadvantaged on: None for a `not_disadvantaged` category.

        The one rule by which a group's factors are counted, so that "Not affected" or
        "Non-migrant" never scores as exposure to shocks.
        """
        return None if category in self.not_disadvantaged else self.factor

    def column_for(self, file_key: str) -> str | None:
        """Its `column` in data file `file_key`; None when it has none there or is derived."""
        return resolve_per_file(self.column, file_key)

    @property
    def mapped_files(self) -> list[str]:
        """The file keys its per-file columns name; [] when its columns serve every file."""
        d = self.derive
        value = self.column if d is None else d.columns if isinstance(d, WashingtonGroup) else d.column
        return list(value) if isinstance(value, dict) else []

    def for_file(self, file_key: str) -> Circumstance | None:
        """This circumstance as data file `file_key` holds it, every column one name; None when
        that file has no column for it, so the file's tables leave it out."""
        d = self.derive
        if d is None:
            column = self.column_for(file_key)
            return None if column is None else self.model_copy(update={"column": column})
        if isinstance(d, WashingtonGroup):
            columns = d.columns_for(file_key)
            derive = None if columns is None else d.model_copy(update={"columns": columns})
        else:
            column = d.column_for(file_key)
            derive = None if column is None else d.model_copy(update={"column": column})
        return None if derive is None else self.model_copy(update={"derive": derive})

    @property
    def source_columns(self) -> list[str]:
        """The raw columns it reads, in every file it has columns for."""
        if self.mapped_files:
            return list(dict.fromkeys(c for key in self.mapped_files for c in self.for_file(key).source_columns))
        return [self.column] if self.column else _derivation_columns(self.derive)

    @property
    def category_order(self) -> list[str]:
        """Categories in their stated order; derived ones carry their own."""
        if self.categories:
            return list(self.categories)
        if isinstance(self.derive, Bins):
            return list(self.derive.labels)
        if isinstance(self.derive, Bottom40):
            return ["Bottom 40%", "Top 60%"]
        if isinstance(self.derive, WashingtonGroup):
            return ["With disability", "Without disability"]
        return []


def _derivation_columns(d: Derivation | None) -> list[str]:
    if d is None:
        return []
    if isinstance(d, WashingtonGroup):
        return list(d.columns)
    if isinstance(d, (AnyOf, AllOf)):
        return list(dict.fromkeys(c.column for c in d.conditions))
    return [d.column]


# --- settings ---------------------------------------------------------------------------

class Suppression(Strict):
    """Small-cell rule: fewer than `min_n` unweighted cases are withheld; below `caution_n` flagged."""

    min_n: int = Field(default=25, ge=1)
    caution_n: int = Field(default=50, ge=1)

    @model_validator(mode="after")
    def _order(self) -> "Suppression":
        if self.caution_n < self.min_n:
            raise ValueError("suppression.caution_n must be at least suppression.min_n")
        return self


class TreeSettings(Strict):
    """Stopping rules of the furthest-behind trees (rpart's names in the descriptions).

    The one home of the rules: their defaults and bounds are declared here and nowhere else,
    and analysis.yaml, the tree (`lnob_helpers.who.tree`, which calls this `TreeRules`), the
    notebook parameters, the app's sliders and the methods annex all read them from here.
    The bounds are finite so a slider can span them. ESCAP's published code uses
    min_leaf = max(49, n // 11), min_gain = 1 / n and max_depth = 6 for n cases.
    """

    model_config = ConfigDict(frozen=True)

    min_leaf: int = Field(default=50, ge=1, le=1000, description="Fewest unweighted cases in a group (minbucket).")
    min_split: int | None = Field(
        default=None, ge=2, le=3000, description="Fewest cases in a group to try a split (minsplit); 3 x min_leaf."
    )
    min_gain: float = Field(
        default=0.01, ge=0, le=1, description="Least drop in weighted sum of squares per split, share of root's (cp)."
    )
    max_depth: int = Field(default=3, ge=1, le=10, description="Most splits from everyone to a group (maxdepth).")

    @field_validator("min_leaf", "min_split", "min_gain", "max_depth", mode="wrap")
    @classmethod
    def _plain_bounds(cls, value, handler, info):
        try:
            return handler(value)
        except ValidationError:
            raise ValueError(f"is {value!r}; expected {cls.expected(info.field_name)}") from None

    @classmethod
    def bounds(cls, name: str) -> tuple[int | float, int | float]:
        """Lowest and highest allowed value of rule `name`, both included."""
        meta = cls.model_fields[name].metadata
        return next(m.ge for m in meta if hasattr(m, "ge")), next(m.le for m in meta if hasattr(m, "le"))

    @classmethod
    def expected(cls, name: str) -> str:
        """What rule `name` accepts, in words, for error messages."""
        kind = "a number" if cls.model_fields[name].annotation is float else "a whole number"
        return "{} from {} to {}".format(kind, *cls.bounds(name))

    def replace(self, **changes: int | float | None) -> TreeSettings:
        """A copy with `changes`, checked; a bad value raises InputError naming the rule."""
        try:
            return self.model_validate({**self.model_dump(), **changes})
        except ValidationError as err:
            raise InputError(describe_validation_error(err, "tree rules")) from None

    def resolved(self) -> TreeSettings:
        """The rules with every default filled in: `min_split` is 3 x `min_leaf` unless set.

        3 x is rpart's own pairing of minsplit and minbucket (ESCAP's code uses 2 x).
        """
        return self if self.min_split is not None else self.model_copy(update={"min_split": 3 * self.min_leaf})


class LeftBehindSettings(Strict):
    min_gap: float = Field(
        default=0.05, ge=0, description="Least gap to the national value (proportion, 0.05 = 5 points)."
    )


@dataclass(frozen=True)
class EstimationSettings:
    """The estimation choices of one analysis, bound once and handed to every estimate.

    Results keep their SE and degrees of freedom and compute intervals at `level`; flags
    and withheld values follow `suppression`; `lonely_psu` is the default rule for files
    whose design does not state one.
    """

    level: float = 0.95
    suppression: Suppression = field(default_factory=lambda: Suppression())
    lonely_psu: LonelyRule = "adjust"


class Settings(Strict):
    ci_level: float = Field(default=0.95, gt=0.5, lt=1, description="Level of every confidence interval.")
    lonely_psu: LonelyRule = Field(default="adjust", description="Rule for a stratum with a single PSU.")
    suppression: Suppression = Field(default_factory=Suppression)
    tree: TreeSettings = Field(default_factory=TreeSettings)
    left_behind: LeftBehindSettings = Field(default_factory=LeftBehindSettings)


class Country(Strict):
    name: str
    iso3: str = Field(pattern=r"^[A-Z]{3}$")


class Analysis(Strict):
    """Everything `analysis.yaml` holds. `folder` is set on load, for resolving paths."""

    country: Country
    rounds: list[Round] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)
    circumstances: list[Circumstance] = Field(min_length=1)
    settings: Settings = Field(default_factory=Settings)
    folder: Path = Field(default=Path("."), exclude=True)
    allow_outside: bool = Field(default=False, exclude=True)

    @model_validator(mode="after")
    def _cross_checks(self) -> "Analysis":
        problems = duplicate_ids(self.indicators, "indicators") + duplicate_ids(self.circumstances, "circumstances")
        years = [r.year for r in self.rounds]
        if len(set(years)) != len(years):
            problems.append("two rounds have the same year")
        for ind in self.indicators:
            for r in self.rounds:
                if ind.file not in r.files:
                    problems.append(
                        f"indicator '{ind.id}' reads file '{ind.file}', which round {r.year} "
                        f"does not list (it lists: {', '.join(r.files)})"
                    )
        keys = list(dict.fromkeys(k for r in self.rounds for k in r.files))
        for circ in self.circumstances:
            problems += [f"circumstance '{circ.id}' names a column for file '{k}', which no round lists "
                         f"(they list: {', '.join(keys)})" for k in circ.mapped_files if k not in keys]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def circumstances_for(self, file_key: str) -> list[Circumstance]:
        """The circumstances data file `file_key` has columns for, each resolved to that file's."""
        resolved = (c.for_file(file_key) for c in self.circumstances)
        return [c for c in resolved if c is not None]

    # Lookups used everywhere; small lists, so linear search is fine.
    def indicator(self, ind_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == ind_id:
                return ind
        raise KeyError(ind_id)

    def circumstance(self, c_id: str) -> Circumstance:
        for c in self.circumstances:
            if c.id == c_id:
                return c
        raise KeyError(c_id)

    def round(self, year: int | None = None) -> Round:
        """The round of `year`, or the latest round when `year` is None."""
        if year is None:
            return max(self.rounds, key=lambda r: r.year)
        for r in self.rounds:
            if r.year == int(year):
                return r
        raise KeyError(year)

    def path(self, relative: str) -> Path:
        return (self.folder / relative).resolve()

    def data_path(self, spec: DataFile) -> Path:
        """Where a data file named in analysis.yaml is, refusing a relative path that leaves the folder.

        An analysis folder handed to someone could otherwise make the workbook read (and quote
        in its messages) any file of theirs, e.g. `../../../etc/passwd`.
        """
        named = Path(spec.path)
        if named.is_absolute():
            return named
        path = (self.folder / named).resolve()
        if not self.allow_outside and not path.is_relative_to(self.folder.resolve()):
            raise InputError(
                f"analysis.yaml: data file '{spec.path}' lies outside the analysis folder; move it into "
                "the folder, give its full path, or run the command with --allow-outside.")
        return path

    @property
    def outputs(self) -> Path:
        return self.folder / "outputs"

    @property
    def estimation(self) -> EstimationSettings:
        """The estimation settings of this analysis: the one object every estimate receives."""
        s = self.settings
        return EstimationSettings(level=s.ci_level, suppression=s.suppression, lonely_psu=s.lonely_psu)


def load_analysis(folder: str | Path, allow_outside: bool | None = None) -> Analysis:
    """Read and structurally validate `<folder>/analysis.yaml` (raises InputError).

    `allow_outside` None takes the `--allow-outside` choice of the running command (see
    `ALLOW_OUTSIDE_ENV`).
    """
    folder = Path(folder)
    path = folder / ANALYSIS_FILE if folder.is_dir() or not folder.suffix else folder
    analysis = load_model(path, Analysis)
    analysis.folder = path.parent
    analysis.allow_outside = os.environ.get(ALLOW_OUTSIDE_ENV) == "1" if allow_outside is None else allow_outside
    return analysis
