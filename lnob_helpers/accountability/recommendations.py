"""Human-rights recommendations tracker: import from CSV, link to groups and actions, find gaps.

The guide (UNSDG, "Operationalizing Leaving No One Behind", Steps 3 and 5) asks teams to use the
recommendations of the UPR, the treaty bodies, the special procedures and the ILO supervisory
bodies when choosing actions, and to follow them up in SDG monitoring. The CSV needs the columns
mechanism, date (YYYY-MM-DD) and text; optional columns are id, body, sdg_targets and
affected_groups (";"-separated), status and actions (";"-separated Step 3 action ids).
Every bad cell is reported with its row number; the CSV itself is never changed.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from ..errors import InputError, describe_validation_error
from ..what.coverage import action_reach
from ..what.models import SDG_TARGET_RE, SdgTarget, Step3What
from ..entries import Entry, EntryId, Record, duplicate_ids, fill_ids, load_entries, raise_problems, save_entries, unknown_refs, where
from ..groups import GROUP_ID_RE, check_group_ids, read_left_behind, related
from ..yamlstore import save_model

RECOMMENDATIONS_FILE = "step5_recommendations.yaml"
MECHANISMS = {"upr": "UPR", "treaty_body": "Treaty body", "special_procedure": "Special procedure",
              "ilo": "ILO supervisory body", "regional": "Regional mechanism"}
MECHANISM_ALIASES = {
    "upr": "upr", "universal_periodic_review": "upr",
    "treaty_body": "treaty_body", "treaty_bodies": "treaty_body", "tb": "treaty_body",
    "special_procedure": "special_procedure", "special_procedures": "special_procedure", "sp": "special_procedure",
    "ilo": "ilo", "ilo_supervisory_body": "ilo", "ilo_supervisory_bodies": "ilo",
    "regional": "regional", "regional_mechanism": "regional",
}
STATUSES = ("not_started", "in_progress", "partially_implemented", "implemented", "not_accepted")
REQUIRED_COLUMNS = ("mechanism", "date", "text")
OPTIONAL_COLUMNS = ("id", "body", "sdg_targets", "affected_groups", "status", "actions")


class Recommendation(Entry):
    """One recommendation, with the groups it concerns and the Step 3 actions that answer it."""

    id_from = "text"
    mechanism: Literal["upr", "treaty_body", "special_procedure", "ilo", "regional"]
    body: str = ""
    date: dt.date
    text: str = Field(min_length=1)
    sdg_targets: list[SdgTarget] = Field(default_factory=list)
    affected_groups: list[str] = Field(default_factory=list)
    status: Literal["not_started", "in_progress", "partially_implemented", "implemented", "not_accepted"] = "not_started"
    action_ids: list[EntryId] = Field(default_factory=list)

    _groups = field_validator("affected_groups")(check_group_ids)


class RecommendationsFile(Record):
    """`step5_recommendations.yaml`: the imported recommendations, editable by hand."""

    source: str = ""
    recommendations: list[Recommendation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ids(self) -> "RecommendationsFile":
        fill_ids(self.recommendations, "recommendation")
        raise_problems(duplicate_ids(self.recommendations, "recommendations"))
        return self


def _split(column: pd.Series) -> pd.Series:
    return column.fillna("").astype("str").str.split(";").map(lambda xs: [x.strip() for x in xs if x.strip()])


def _bad_items(lists: pd.Series, pattern: str) -> pd.Series:
    """Per row, the items of a list column that do not match `pattern` (joined), "" when all do."""
    items = lists.explode().dropna()
    bad = items[~items.astype("str").str.match(pattern)]
    return bad.groupby(level=0).agg(", ".join).reindex(lists.index, fill_value="")


def read_recommendations_csv(path: str | os.PathLike) -> list[Recommendation]:
    """Read and check a recommendations CSV; all row-level problems are raised together."""
    name = str(path)
    if not Path(path).exists():
        raise InputError(f"{name}: file not found.")
    try:
        table = pd.read_csv(path, dtype="str", keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InputError(f"{name}: not a readable CSV file ({err}); expected comma-separated UTF-8 text.") from None
    table.columns = table.columns.str.strip().str.lower()
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    unknown = [c for c in table.columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        raise InputError(
            ([f"{name}: column(s) {', '.join(missing)} missing; expected {', '.join(REQUIRED_COLUMNS)}."] if missing else [])
            + ([f"{name}: column(s) {', '.join(unknown)} not known; expected only "
                f"{', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}."] if unknown else []))
    table = table.reindex(columns=list(REQUIRED_COLUMNS + OPTIONAL_COLUMNS), fill_value="")
    table = table.apply(lambda col: col.str.strip())
    key = table["mechanism"].str.lower().str.replace(r"[\s-]+", "_", regex=True)
    mechanism = key.map(MECHANISM_ALIASES)
    date = pd.to_datetime(table["date"], format="%Y-%m-%d", errors="coerce")
    status = table["status"].str.lower().str.replace(r"[\s-]+", "_", regex=True).replace("", "not_started")
    targets, groups, actions = _split(table["sdg_targets"]), _split(table["affected_groups"]), _split(table["actions"])
    checks = {
        "mechanism": (mechanism.isna(), "`mechanism` is `{}`; expected one of UPR, treaty body, special procedure, ILO, regional",
                      table["mechanism"]),
        "date": (date.isna(), "`date` is `{}`; expected a date written YYYY-MM-DD", table["date"]),
        "text": (table["text"] == "", "`text` is empty{}; expected the recommendation's wording", table["text"]),
        "status": (~status.isin(STATUSES), "`status` is `{}`; expected one of " + ", ".join(STATUSES), table["status"]),
        "sdg_targets": (None, "`sdg_targets` has {}, which is not an SDG target; expected targets like 1.3 or 5.a",
                        _bad_items(targets, SDG_TARGET_RE.pattern)),
        "affected_groups": (None, "`affected_groups` has {}, which is not a group id; expected ids like `ethnicity=Tamar`",
                            _bad_items(groups, GROUP_ID_RE)),
    }
    problems = []
    rows = pd.Series(np.arange(2, len(table) + 2), index=table.index)
    for column, (bad, template, values) in checks.items():
        bad = values != "" if bad is None else bad
        for row, value, rec_id in zip(rows[bad], values[bad], table["id"][bad]):
            label = f" (id `{rec_id}`)" if rec_id else ""
            problems.append(f"{name}: row {row}{label}: " + template.format(value) + ".")
    if problems:
        raise InputError(problems)
    records = pd.DataFrame({
        "id": table["id"].astype(object).where(table["id"] != "", None), "mechanism": mechanism, "body": table["body"],
        "date": date.dt.date, "text": table["text"], "sdg_targets": targets, "affected_groups": groups,
        "status": status, "action_ids": actions,
    }).to_dict("records")
    try:
        return RecommendationsFile.model_validate({"source": name, "recommendations": records}).recommendations
    except ValidationError as err:
        raise InputError(describe_validation_error(err, name)) from None


def load_recommendations(path: str | os.PathLike, step3: Step3What | None = None) -> RecommendationsFile:
    """Read `step5_recommendations.yaml` (missing = none); with `step3`, check action links."""
    return load_entries(path, RecommendationsFile, default=RecommendationsFile(),
                        cross_check=(lambda r: action_link_problems(r, step3)) if step3 is not None else None)


def save_recommendations(path: str | os.PathLike, recs: RecommendationsFile, step3: Step3What | None = None) -> Path:
    """Re-validate (and check action links against `step3` when given), then save atomically with a `.bak`."""
    return save_entries(path, recs, (lambda checked: action_link_problems(checked, step3)) if step3 is not None else None)


def action_link_problems(recs: RecommendationsFile, step3: Step3What) -> list[str]:
    known = [a.id for a in step3.actions]
    problems: list[str] = []
    for i, rec in enumerate(recs.recommendations):
        problems += unknown_refs(rec.action_ids, known, where("recommendations", i, rec), "action_ids",
                                 "an action in step3_what.yaml")
    return problems


def import_recommendations(csv_path: str | os.PathLike, yaml_path: str | os.PathLike,
                           step3: Step3What | None = None) -> RecommendationsFile:
    """Import the CSV into `step5_recommendations.yaml`, keeping action links added by hand.

    Rows update the entry with the same id; action links are the union of both; entries only
    in the YAML file are kept.
    """
    incoming = read_recommendations_csv(csv_path)
    existing = load_entries(yaml_path, RecommendationsFile, default=RecommendationsFile()).recommendations
    by_id = {r.id: r for r in existing}
    merged = [r.model_copy(update={"action_ids": list(dict.fromkeys(by_id[r.id].action_ids + r.action_ids))})
              if r.id in by_id else r for r in incoming]
    new_ids = {r.id for r in incoming}
    merged += [r for r in existing if r.id not in new_ids]
    result = RecommendationsFile.model_validate(
        {"source": Path(csv_path).name, "recommendations": [r.model_dump() for r in merged]})
    problems = action_link_problems(result, step3) if step3 is not None else []
    if problems:
        raise InputError([f"{csv_path}: {p}." for p in problems])
    save_model(yaml_path, result)
    return result


def recommendations_frame(recs: RecommendationsFile) -> pd.DataFrame:
    """One row per recommendation, lists joined with "; "."""
    columns = ["id", "mechanism", "body", "date", "status", "text", "sdg_targets", "affected_groups", "action_ids"]
    rows = [{**r.model_dump(include=set(columns)), "mechanism": MECHANISMS[r.mechanism],
             "sdg_targets": "; ".join(r.sdg_targets), "affected_groups": "; ".join(r.affected_groups),
             "action_ids": "; ".join(r.action_ids)} for r in recs.recommendations]
    return pd.DataFrame(rows, columns=columns)


def filter_recommendations(recs: RecommendationsFile, mechanism: str | None = None, status: str | None = None,
                           group: str | None = None, sdg_goal: int | None = None,
                           contains: str | None = None) -> pd.DataFrame:
    """Recommendations matching every filter given: mechanism key, status, a group (matching
    related groups too), an SDG goal number, or words in the text (case-insensitive)."""
    table = recommendations_frame(recs)
    keep = pd.Series(True, index=table.index)
    if mechanism:
        keep &= table["mechanism"] == MECHANISMS.get(mechanism, mechanism)
    if status:
        keep &= table["status"] == status
    if contains:
        keep &= table["text"].str.contains(contains, case=False, regex=False)
    if sdg_goal is not None:
        keep &= table["sdg_targets"].str.contains(rf"(?:^|; ){sdg_goal}\.", regex=True)
    if group:
        concerned = recommendation_groups(recs, [group])
        keep &= table["id"].isin(concerned["recommendation_id"])
    return table[keep].reset_index(drop=True)


def recommendation_groups(recs: RecommendationsFile, group_ids: list[str]) -> pd.DataFrame:
    """Pairs (recommendation_id, group_id): the recommendation concerns a group related to it."""
    links = pd.DataFrame([(r.id, g) for r in recs.recommendations for g in r.affected_groups],
                         columns=["recommendation_id", "affected_group"])
    if links.empty or not group_ids:
        return pd.DataFrame(columns=["recommendation_id", "group_id"])
    pairs = related(links["affected_group"], group_ids).rename(columns={"a": "affected_group", "b": "group_id"})
    return links.merge(pairs, on="affected_group")[["recommendation_id", "group_id"]].drop_duplicates()


@dataclass
class RecommendationCoverage:
    """Per left-behind group: recommendations concerning it and actions targeted at it."""

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def gaps(self, ids: bool = True) -> list[str]:
        """Sentences for groups with recommendations but no targeted action; `ids=False` names the
        groups only by their labels (for the page)."""
        rows = self.table[self.table["recommended_no_action"]]
        return [f"\"{label}\"{f' ({g})' if ids else ''} is the subject of {n} recommendation(s) but no Step 3 "
                "action targets it." for g, label, n in zip(rows["group_id"], rows["label"], rows["n_recommendations"])]


def recommendation_coverage(recs: RecommendationsFile, step3: Step3What,
                            left_behind: str | os.PathLike | pd.DataFrame) -> RecommendationCoverage:
    """Which left-behind groups have recommendations, which have actions, and which only the former."""
    groups = read_left_behind(left_behind)
    ids = groups["group_id"].tolist()
    concerned = recommendation_groups(recs, ids)
    reach = action_reach(step3, ids)
    targeted = reach[~reach["universal"]]
    table = groups[["group_id", "label", "furthest_behind"]].copy()
    table["n_recommendations"] = table["group_id"].map(concerned["group_id"].value_counts()).fillna(0).astype(int)
    table["recommendations"] = table["group_id"].map(
        concerned.groupby("group_id")["recommendation_id"].agg("; ".join)).fillna("")
    table["n_actions"] = table["group_id"].map(targeted["group_id"].value_counts()).fillna(0).astype(int)
    table["recommended_no_action"] = (table["n_recommendations"] > 0) & (table["n_actions"] == 0)
    return RecommendationCoverage(table)
