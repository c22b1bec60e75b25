"""Equity targets: goals that close gaps, not only raise averages.

The guide's Step 4 box of sample national and subnational targets suggests several kinds;
this module computes four of them from baseline values:

* worst off faster than average: the value the worst-off group must reach by the target
  year so that its gap to the national value shrinks by a chosen share, and the yearly pace
  that needs compared with the national pace;
* geographic floors: every area at or above a level (at or below, for adverse indicators);
* disparity ratios: the worst-off value at least R times a reference value (best-off group
  or national), or at most R times it for adverse indicators. The best-off group is the trend
  analysis' reference (`best_off_reference`): never a caution, suppressed or no-variation
  cell, and the target's rationale states that rule;
* milestones every three to five years on the way, on a straight-line (linear) path or a
  constant-rate (AARC) path.

Targets are kept in `step4_targets.yaml` in the analysis folder, where Step 5 reads them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, model_validator

from ..config import Strict
from ..entries import Fingerprints, duplicate_ids, edit_entries, raise_problems
from ..errors import InputError, describe_validation_error
from ..yamlstore import load_model, save_model
from .trends import NATIONAL, Direction, TrendResult

TARGETS_FILE = "step4_targets.yaml"
TargetKind = Literal["worst_off_faster", "floor", "disparity_ratio", "custom"]


class Milestone(Strict):
    year: int
    value: float


class EquityTarget(Strict):
    """One time-bound target for one group, with the path from its baseline."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    kind: TargetKind
    indicator: str
    dimension: str = NATIONAL
    subgroup: str = NATIONAL
    direction: Direction = "favourable"
    baseline_year: int
    baseline: float
    target_year: int = 2030
    target: float
    path: Literal["linear", "aarc"] = "linear"
    milestones: list[Milestone] = Field(default_factory=list)
    rationale: str = ""

    @model_validator(mode="after")
    def _coherent(self) -> "EquityTarget":
        if self.target_year <= self.baseline_year:
            raise ValueError(f"target '{self.id}': target_year must come after baseline_year")
        if self.path == "aarc" and (self.baseline <= 0 or self.target <= 0):
            raise ValueError(f"target '{self.id}': an AARC path needs a positive baseline and target")
        outside = [m.year for m in self.milestones if not self.baseline_year < m.year <= self.target_year]
        if outside:
            raise ValueError(f"target '{self.id}': milestone years {outside} fall outside "
                             f"{self.baseline_year + 1}-{self.target_year}")
        return self

    @property
    def required_annual_change(self) -> float:
        """Points per year on a straight line from the baseline to the target."""
        return (self.target - self.baseline) / (self.target_year - self.baseline_year)

    @property
    def required_aarc(self) -> float:
        """Constant yearly rate from the baseline to the target (NaN unless both are positive)."""
        if self.baseline <= 0 or self.target <= 0:
            return float("nan")
        return (self.target / self.baseline) ** (1 / (self.target_year - self.baseline_year)) - 1

    def value_in(self, year: int | np.ndarray) -> float | np.ndarray:
        """Where the chosen path stands in `year`."""
        share = (np.asarray(year) - self.baseline_year) / (self.target_year - self.baseline_year)
        if self.path == "aarc":
            return self.baseline * (self.target / self.baseline) ** share
        return self.baseline + share * (self.target - self.baseline)

    def with_milestones(self, every: int = 3) -> "EquityTarget":
        """A copy with a milestone every `every` years after the baseline (3 to 5 per the guide)."""
        if every < 1:
            raise InputError(f"target '{self.id}': milestones every {every} years; expected 1 or more.")
        years = np.arange(self.baseline_year + every, self.target_year, every)
        values = np.atleast_1d(self.value_in(years))
        return self.model_copy(update={"milestones": [Milestone(year=int(y), value=float(v))
                                                      for y, v in zip(years, values)]})


class TargetSet(Strict):
    """All equity targets of an analysis: the content of `step4_targets.yaml`."""

    targets: list[EquityTarget] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> "TargetSet":
        raise_problems(duplicate_ids(self.targets, "targets"))
        return self

    def to_frame(self) -> pd.DataFrame:
        """One row per target, with the yearly pace it requires and its milestones as text."""
        columns = ["id", "kind", "indicator", "dimension", "subgroup", "direction", "baseline_year", "baseline",
                   "target_year", "target", "path", "required_annual_change", "required_aarc", "milestones",
                   "rationale"]
        return pd.DataFrame([{
            **t.model_dump(exclude={"milestones"}),
            "required_annual_change": t.required_annual_change, "required_aarc": t.required_aarc,
            "milestones": "; ".join(f"{m.year}: {m.value:.1f}" for m in t.milestones),
        } for t in self.targets], columns=columns)

    def milestones_frame(self) -> pd.DataFrame:
        """Long table: target id, year, value, for the baseline, each milestone and the target."""
        rows = [{"id": t.id, "year": year, "value": value}
                for t in self.targets
                for year, value in [(t.baseline_year, t.baseline), *((m.year, m.value) for m in t.milestones),
                                    (t.target_year, t.target)]]
        return pd.DataFrame(rows, columns=["id", "year", "value"]).drop_duplicates(["id", "year"], keep="last")


def _target_id(*parts: str) -> str:
    """A readable id from names that may hold spaces: "sba.region.Upper_Austria.floor"."""
    return ".".join(re.sub(r"[^A-Za-z0-9_-]+", "_", str(p)).strip("_") or "x" for p in parts)


def _better_of(a: float, b: float, direction: Direction) -> float:
    return max(a, b) if direction == "favourable" else min(a, b)


def worst_off_faster(
    indicator: str,
    dimension: str,
    subgroup: str,
    baseline_year: int,
    baseline: float,
    national_baseline: float,
    national_at_target: float,
    gap_reduction: float,
    target_year: int = 2030,
    direction: Direction = "favourable",
    path: Literal["linear", "aarc"] = "linear",
) -> EquityTarget:
    """Target for a worst-off group: its gap to the national value shrinks by `gap_reduction` (0-1)."""
    if not 0 <= gap_reduction <= 1:
        raise InputError(f"gap_reduction: {gap_reduction}; expected a share between 0 and 1 (0.5 = halve the gap).")
    if not np.isfinite([baseline, national_baseline, national_at_target]).all():
        raise InputError(f"{subgroup}: the baseline or the national value is missing; expected numbers "
                         "(suppressed estimates cannot set a target).")
    gap = baseline - national_baseline
    target = national_at_target + (1 - gap_reduction) * gap
    years = target_year - baseline_year
    group_pace = (target - baseline) / years
    national_pace = (national_at_target - national_baseline) / years
    return EquityTarget(
        id=_target_id(indicator, dimension, subgroup, "faster"), kind="worst_off_faster", indicator=indicator,
        dimension=dimension, subgroup=subgroup, direction=direction, baseline_year=baseline_year,
        baseline=baseline, target_year=target_year, target=target, path=path,
        rationale=(f"Cut the gap of {subgroup} to the national value ({gap:+.1f}) by {gap_reduction:.0%} by "
                   f"{target_year}: {group_pace:+.2f} a year, against {national_pace:+.2f} nationally."),
    )


def worst_off_targets(result: TrendResult, gap_reduction: float, path: Literal["linear", "aarc"] = "linear",
                      ) -> list[EquityTarget]:
    """`worst_off_faster` for each worst-off group of a trend analysis, from its latest round.

    The national value to aim at is the indicator's target when one was given, otherwise
    the national projection (by the trend analysis' own rule). A worst-off group whose latest
    estimate is withheld gets no suggestion: a target needs a published baseline.
    """
    table = result.table
    worst = table[table["worst_off"] & table["latest"].notna() & table["national_latest"].notna()]
    return [
        worst_off_faster(row.indicator, row.dimension, row.subgroup, int(row.latest_year), row.latest,
                         row.national_latest, _national_aim(table, row.indicator, result.on_track_by),
                         gap_reduction, result.target_year, row.direction, path)
        for row in worst.itertuples()
    ]


def _national_aim(table: pd.DataFrame, indicator: str, on_track_by: str) -> float:
    national = table[(table["indicator"] == indicator) & (table["dimension"] == NATIONAL)].iloc[0]
    return national["target"] if np.isfinite(national["target"]) else national[f"projection_{on_track_by}"]


def floor_targets(
    baselines: pd.DataFrame,
    indicator: str,
    dimension: str,
    baseline_year: int,
    floor: float,
    target_year: int = 2030,
    direction: Direction = "favourable",
    path: Literal["linear", "aarc"] = "linear",
) -> list[EquityTarget]:
    """A floor for every area in `baselines` (columns subgroup, estimate): all at or above `floor`."""
    missing = [c for c in ("subgroup", "estimate") if c not in baselines.columns]
    if missing:
        raise InputError(f"baselines: column(s) {', '.join(missing)} not found; expected subgroup and estimate.")
    unknown = baselines.loc[baselines["estimate"].isna(), "subgroup"].astype(str).tolist()
    if unknown:
        raise InputError(f"A floor needs a baseline for every group, and there is no value for {', '.join(unknown)} "
                         "(suppressed groups need another source before a floor can be set).")
    side = "at or above" if direction == "favourable" else "at or below"
    return [
        EquityTarget(
            id=_target_id(indicator, dimension, area, "floor"), kind="floor", indicator=indicator, dimension=dimension,
            subgroup=str(area), direction=direction, baseline_year=baseline_year, baseline=float(value),
            target_year=target_year, target=_better_of(float(value), floor, direction), path=path,
            rationale=(f"Every {dimension} {side} {floor:g} by {target_year}"
                       + ("; already there, hold the level." if _better_of(value, floor, direction) == value
                          else ".")),
        )
        for area, value in zip(baselines["subgroup"], baselines["estimate"])
    ]


def disparity_ratio_target(
    indicator: str,
    dimension: str,
    subgroup: str,
    baseline_year: int,
    baseline: float,
    reference: str,
    reference_at_target: float,
    ratio: float,
    target_year: int = 2030,
    direction: Direction = "favourable",
    path: Literal["linear", "aarc"] = "linear",
    reference_rule: str = "",
) -> EquityTarget:
    """The worst-off value reaches `ratio` x the reference value (best-off group or national).

    `reference_rule` says how the reference group was chosen (the trend table's
    `reference_note`); it ends the rationale.
    """
    if ratio <= 0 or not np.isfinite([baseline, reference_at_target]).all():
        raise InputError(f"{subgroup}: ratio {ratio:g} with baseline {baseline} and reference "
                         f"{reference_at_target}; expected a positive ratio and numbers.")
    side = "at least" if direction == "favourable" else "at most"
    return EquityTarget(
        id=_target_id(indicator, dimension, subgroup, "ratio"), kind="disparity_ratio", indicator=indicator,
        dimension=dimension, subgroup=subgroup, direction=direction, baseline_year=baseline_year,
        baseline=baseline, target_year=target_year, target=ratio * reference_at_target, path=path,
        rationale=(f"{subgroup} reaches {side} {ratio:g} times the {reference} value ({reference_at_target:.1f} "
                   f"expected in {target_year}) by {target_year}." + (f" {reference_rule}." if reference_rule else "")),
    )


def best_off_reference(groups: pd.DataFrame) -> pd.Series:
    """The trend row of the best-off group of one indicator x circumstance, the reference of a
    disparity-ratio target: the best group with `caution_n` cases in both rounds (trends).

    `groups` are the trend table's rows of that indicator and circumstance. Where no group
    qualifies, raises InputError with the trend analysis' own sentence saying so.
    """
    best = groups[groups["best_off"]]
    if best.empty:
        said = groups["reference_note"][groups["reference_note"] != ""]
        raise InputError(said.iloc[0] if len(said) else "No group can serve as the best-off reference: the "
                         "trend needs two or more groups with a baseline value.")
    return best.iloc[0]


def save_targets(folder: str | os.PathLike, targets: TargetSet) -> Path:
    """Write `step4_targets.yaml` in the analysis folder (atomically, keeping a backup)."""
    return save_model(Path(folder) / TARGETS_FILE, targets)


def load_targets(folder: str | os.PathLike) -> TargetSet:
    """Read `step4_targets.yaml`; an analysis without one has no targets yet."""
    return load_model(Path(folder) / TARGETS_FILE, TargetSet, default=TargetSet())


def update_target(folder: str | os.PathLike, target_id: str, *, target: float, target_year: int,
                  path: Literal["linear", "aarc"] | None = None, rationale: str | None = None,
                  seen: Fingerprints | None = None) -> EquityTarget:
    """Change the value, year, path or rationale of saved target `target_id`; milestones follow.

    The baseline stays. `seen`: the targets' fingerprints as the page showed them; a target
    someone else changed since is not overwritten (`entries.EditConflict`).
    """
    changed: list[EquityTarget] = []

    def change(data: dict) -> None:
        targets = data["targets"]
        i = _position(targets, target_id)
        old = EquityTarget.model_validate(targets[i])
        update = {"target": float(target), "target_year": int(target_year), "milestones": []}
        if path is not None:
            update["path"] = path
        if rationale is not None:
            update["rationale"] = rationale
        try:
            new = EquityTarget.model_validate({**old.model_dump(), **update})
        except ValidationError as err:
            raise InputError(describe_validation_error(err, f"target '{target_id}'")) from None
        if old.milestones:
            every = old.milestones[0].year - old.baseline_year
            new = new.with_milestones(max(every, 1))
        targets[i] = new.model_dump()
        changed.append(new)

    edit_entries(Path(folder) / TARGETS_FILE, load_targets_file, change, save_targets_file, seen=seen)
    return changed[0]


def delete_target(folder: str | os.PathLike, target_id: str, seen: Fingerprints | None = None) -> EquityTarget:
    """Take target `target_id` out of `step4_targets.yaml`; returns the target removed."""
    removed: list[dict] = []

    def change(data: dict) -> None:
        targets = data["targets"]
        removed.append(targets.pop(_position(targets, target_id)))

    edit_entries(Path(folder) / TARGETS_FILE, load_targets_file, change, save_targets_file, seen=seen)
    return EquityTarget.model_validate(removed[0])


def load_targets_file(path: Path) -> TargetSet:
    """`load_targets` by the file's path (for `entries.edit_entries`)."""
    return load_model(path, TargetSet, default=TargetSet())


def save_targets_file(path: Path, targets: TargetSet) -> Path:
    return save_model(path, targets)


def _position(targets: list[dict], target_id: str) -> int:
    for i, t in enumerate(targets):
        if t.get("id") == target_id:
            return i
    raise InputError(f"{TARGETS_FILE}: the target was deleted meanwhile (perhaps by someone else); "
                     "the page now shows the targets as they are.")
