"""Step 1's left-behind groups as Steps 2, 3 and 5 see them, and how group ids relate.

A group id lists conditions `circumstance=category` joined by `GROUP_SEPARATOR` (" & "), e.g.
"area=Rural & ethnicity=Tamar"; "all" is the whole population. Group A *contains* group B
when every condition of A is also a condition of B: an action for "ethnicity=Tamar" reaches
the rural Tamar, and a recommendation about the Tamar concerns them.

Later steps read the table Step 1 wrote (`outputs/step1/left_behind.csv`); they never run
Step 1 themselves.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .config import Analysis
from .errors import InputError

WHOLE_POPULATION = "all"
GROUP_SEPARATOR = " & "
STEP1_LEFT_BEHIND = Path("step1") / "left_behind.csv"  # inside the analysis's outputs folder
LEFT_BEHIND_COLUMNS = (
    "group_id", "label", "n_indicators", "indicators", "factors", "n_factors",
    "max_gap", "mean_gap", "population_share", "furthest_behind",
)
# A condition is a circumstance id (the pattern analysis.yaml allows), "=" and a category label.
# Labels are people's words and may hold "=", " & " or anything else, so a condition ends only
# where the separator is followed by the next circumstance id and "=".
CIRCUMSTANCE_ID = r"[A-Za-z][A-Za-z0-9_]*"
_SEP = re.escape(GROUP_SEPARATOR)
_NEXT = rf"{_SEP}(?={CIRCUMSTANCE_ID}=)"
_CONDITION = rf"{CIRCUMSTANCE_ID}=(?:(?!{_NEXT}).)+"
GROUP_ID_RE = rf"^(?:{WHOLE_POPULATION}|{_CONDITION}(?:{_NEXT}{_CONDITION})*)$"
_SPLIT = re.compile(_NEXT)


def is_group_id(group_id: str) -> bool:
    """True for "all" or for conditions `circumstance=category` joined by `GROUP_SEPARATOR`."""
    return re.match(GROUP_ID_RE, group_id) is not None


def split_group_id(group_id: str) -> dict[str, str]:
    """'area=Rural & ethnicity=Tamar' -> {'area': 'Rural', 'ethnicity': 'Tamar'}; {} for "all",
    "national" or text that is not a group id. Category labels keep any "=" or " & " they hold."""
    if group_id == WHOLE_POPULATION or not is_group_id(group_id):
        return {}
    return dict(part.split("=", 1) for part in _SPLIT.split(group_id))


def group_id_label(group_id: str) -> str:
    """Plain words for a group id: its category labels as `group_name` joins them ('Rural, Tamar')."""
    return group_name(split_group_id(group_id).values())


def group_name(categories: Iterable[str]) -> str:
    """The readable name of a group from its category labels, one per condition: 'Rural, Tamar'.

    Labels are joined by ", "; when there are two or more, a label holding a comma or a double
    quote is put in double quotes (its own quotes doubled, as in CSV), so that
    'Rural, "no education, preschool"' names two categories, never three.
    """
    labels = [str(c) for c in categories]
    if len(labels) < 2:
        return "".join(labels)
    return ", ".join('"' + c.replace('"', '""') + '"' if "," in c or '"' in c else c for c in labels)


def group_labels(groups: pd.DataFrame | None) -> dict[str, str]:
    """Group id -> the label Step 1 gave it, and "Everyone" for the whole population."""
    known = {} if groups is None else dict(zip(groups["group_id"], groups["label"]))
    return {WHOLE_POPULATION: "Everyone"} | known


def name_groups(group_ids: list[str], labels: dict[str, str]) -> str:
    """Groups by name ("Displaced; Rural, Tamar"): Step 1's label, else the categories in the id."""
    return "; ".join(labels.get(g) or group_id_label(g) or g for g in group_ids)


def check_group_ids(values: list[str]) -> list[str]:
    """Pydantic validator for lists of group ids: every malformed id named in one message."""
    problems = [p for p in (group_id_problem(v) for v in values) if p]
    if problems:
        raise ValueError("; ".join(problems))
    return values


def group_id_problem(group_id: str) -> str | None:
    """A sentence fragment when `group_id` is malformed, else None."""
    if is_group_id(group_id):
        return None
    return (
        f"`{group_id}` is not a group id; expected conditions like `area=Rural` joined by "
        f"'{GROUP_SEPARATOR}' (e.g. `area=Rural{GROUP_SEPARATOR}ethnicity=Tamar`), or `all`"
    )


def conditions(group_ids: Iterable[str]) -> pd.DataFrame:
    """One row per condition: group_id, condition ("circumstance=category"), n_conditions."""
    ids = pd.Series(list(dict.fromkeys(group_ids)), dtype="str", name="group_id")
    parts = ids.map(lambda g: [f"{c}={v}" for c, v in split_group_id(g).items()])
    long = pd.DataFrame({"group_id": ids, "condition": parts}).explode("condition")
    long = long[long["condition"].fillna("") != ""]
    counts = long.groupby("group_id")["condition"].size()
    long["n_conditions"] = long["group_id"].map(counts).astype(int)
    return long.reset_index(drop=True)


def containment(broad_ids: Iterable[str], narrow_ids: Iterable[str]) -> pd.DataFrame:
    """Pairs (broad, narrow) where group `broad` contains group `narrow` (equal ids included)."""
    broad_ids, narrow_ids = list(dict.fromkeys(broad_ids)), list(dict.fromkeys(narrow_ids))
    b, n = conditions(broad_ids), conditions(narrow_ids)
    shared = b.merge(n, on="condition", suffixes=("_broad", "_narrow"))
    counted = shared.groupby(["group_id_broad", "group_id_narrow", "n_conditions_broad"]).size()
    counted = counted.reset_index(name="shared")
    pairs = counted.loc[counted["shared"] == counted["n_conditions_broad"], ["group_id_broad", "group_id_narrow"]]
    pairs.columns = ["broad", "narrow"]
    whole = [g for g in broad_ids if g == WHOLE_POPULATION]
    universal = pd.DataFrame({"broad": np.repeat(whole, len(narrow_ids)), "narrow": narrow_ids * len(whole)})
    return pd.concat([pairs, universal], ignore_index=True).drop_duplicates().reset_index(drop=True)


def related(a_ids: Iterable[str], b_ids: Iterable[str]) -> pd.DataFrame:
    """Pairs (a, b) where one group contains the other, with `relation` in
    {"same", "a_contains_b", "b_contains_a"}."""
    a_ids, b_ids = list(a_ids), list(b_ids)
    down = containment(a_ids, b_ids).rename(columns={"broad": "a", "narrow": "b"})
    up = containment(b_ids, a_ids).rename(columns={"broad": "b", "narrow": "a"})
    both = down.merge(up, on=["a", "b"], how="outer", indicator=True)
    both["relation"] = both["_merge"].map(
        {"both": "same", "left_only": "a_contains_b", "right_only": "b_contains_a"}
    ).astype("str")
    return both[["a", "b", "relation"]]


def read_left_behind(source: str | os.PathLike | pd.DataFrame) -> pd.DataFrame:
    """Load Step 1's `outputs/step1/left_behind.csv` (or a frame like it) and check its columns.

    Returns the table with `furthest_behind` as bool and numbers as floats; the ";"-separated
    `indicators` and `factors` columns are kept as text.
    """
    name = "left_behind table" if isinstance(source, pd.DataFrame) else str(source)
    if isinstance(source, pd.DataFrame):
        table = source.copy()
    else:
        if not Path(source).exists():
            raise InputError(f"{name}: file not found; run Step 1 first to write it.")
        table = pd.read_csv(source, dtype={"group_id": "str", "label": "str",
                                           "indicators": "str", "factors": "str"},
                            keep_default_na=False, na_values={"max_gap": [""], "mean_gap": [""]})
    missing = [c for c in LEFT_BEHIND_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(f"{name}: columns {', '.join(missing)} are missing; expected the columns "
                         f"{', '.join(LEFT_BEHIND_COLUMNS)} written by Step 1.")
    problems = []
    for column in ("n_indicators", "n_factors", "max_gap", "mean_gap", "population_share"):
        values = pd.to_numeric(table[column], errors="coerce")
        bad = values.isna() & table[column].notna() & (table[column].astype("str") != "")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            problems.append(f"{name}: row {row}, column `{column}`: `{table[column].iloc[row - 2]}` "
                            "is not a number; expected a number.")
        table[column] = values.astype(float)
    share = table["population_share"]
    if ((share < 0) | (share > 1)).any():
        row = int(np.flatnonzero(((share < 0) | (share > 1)).to_numpy())[0]) + 2
        problems.append(f"{name}: row {row}, column `population_share`: {share.iloc[row - 2]} is out "
                        "of range; expected a share between 0 and 1.")
    bad_ids = ~table["group_id"].astype("str").str.match(GROUP_ID_RE)
    if bad_ids.any():
        row = int(np.flatnonzero(bad_ids.to_numpy())[0]) + 2
        problems.append(f"{name}: row {row}, column `group_id`: "
                        f"{group_id_problem(str(table['group_id'].iloc[row - 2]))}.")
    dup = table["group_id"].duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0]) + 2
        problems.append(f"{name}: row {row}, column `group_id`: `{table['group_id'].iloc[row - 2]}` "
                        "appears twice; expected one row per group.")
    if problems:
        raise InputError(problems)
    flags = table["furthest_behind"].astype("str").str.strip().str.lower()
    table["furthest_behind"] = flags.isin(["true", "1", "yes"])
    for column in ("indicators", "factors", "label"):
        table[column] = table[column].fillna("").astype("str")
    return table.reset_index(drop=True)


def has_tag(column: pd.Series, tag: str) -> pd.Series:
    """Whether each ";"-separated list in `column` holds `tag`."""
    return column.astype("str").str.contains(rf"(?:^|;)\s*{re.escape(tag)}\s*(?:;|$)", regex=True)


STEP1_MISSING = ("Step 1's results (outputs/step1/left_behind.csv) are not in this analysis folder yet: "
                 "run Step 1 first (workbook 1, \"Who is left behind?\"), then reload this page.")


def step1_groups(analysis: Analysis) -> pd.DataFrame | None:
    """The left-behind groups Step 1 wrote for `analysis`; None when it has not written them yet
    (then say `STEP1_MISSING`)."""
    path = analysis.outputs / STEP1_LEFT_BEHIND
    if not path.exists():
        return None
    groups = read_left_behind(path)
    return groups.assign(label=unique_names(groups, {c.id: c.label or c.id for c in analysis.circumstances}))


def unique_names(groups: pd.DataFrame, circumstance_labels: dict[str, str]) -> list[str]:
    """Each group's label, with what it is a group of where two groups share a label:
    'Other (Ethnicity of the household head)', so a list of names never needs an id."""
    labels = [str(x) for x in groups["label"]]
    shared = {label for label, uses in Counter(labels).items() if uses > 1}
    named = []
    for label, gid in zip(labels, groups["group_id"]):
        if label in shared:
            of = " × ".join(circumstance_labels.get(c, c) for c in split_group_id(str(gid)))
            label = f"{label} ({of})" if of else label
        named.append(label)
    return named
