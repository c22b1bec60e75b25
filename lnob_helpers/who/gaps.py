"""The data-gap inventory: whom do we have no information on, and why?

The guide asks every team to name its data gaps, not only its findings. Four kinds are
listed here, each as one plain sentence with a category:

- `missing_disaggregation`: an indicator that cannot be split by a circumstance, because
  the data hold no value of it for the indicator's population, or every group is too small;
- `small_cells`: groups whose estimates are suppressed or only shown with caution;
- `no_survey_data`: groups named in the evidence log that the survey does not cover;
- `framework_gap`: circumstances the five-factor framework expects that the analysis lacks
  (a factor without any circumstance, or no sex, age, disability, ethnicity, migration
  status, ... variable).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ..config import FACTOR_LABELS, FACTORS, Analysis
from ..groups import GROUP_SEPARATOR, group_id_label
from ..privacy import FLAG_CAUTION, FLAG_SUPPRESSED
from .evidence import EvidenceLog

GAP_COLUMNS = ["category", "subject", "detail"]
CATEGORIES = ("missing_disaggregation", "small_cells", "no_survey_data", "framework_gap")
# Characteristics the guide and the human-rights-based approach to data ask to disaggregate
# by, with words that reveal them in a circumstance's id, label or source column.
EXPECTED = {
    "sex": ("sex", "gender"),
    "age": ("age",),
    "disability": ("disab", "wgss", "functioning"),
    "ethnicity": ("ethnic", "indigen", "race", "caste", "language", "minorit"),
    "migration status": ("migra", "displace", "refugee", "idp"),
    "place of residence": ("area", "region", "urban", "rural", "district", "province", "geograph"),
    "income or wealth": ("wealth", "income", "quintile", "poverty", "bottom40", "consumption"),
}


@dataclass(frozen=True)
class DataGaps:
    """The inventory; `to_frame()` gives category, subject and a sentence per gap."""

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def counts(self) -> dict[str, int]:
        return {c: int((self.table["category"] == c).sum()) for c in CATEGORIES}


def data_gaps(table: pd.DataFrame, analysis: Analysis, log: EvidenceLog | None = None) -> DataGaps:
    """Build the inventory from the disaggregation `table` (HEAT Plus columns + n, flag)."""
    rows = [
        *_missing_disaggregation(table, analysis),
        *_small_cells(table),
        *_no_survey_data(table, log or EvidenceLog()),
        *_framework_gaps(analysis),
    ]
    return DataGaps(pd.DataFrame(rows, columns=GAP_COLUMNS))


def _missing_disaggregation(table: pd.DataFrame, a: Analysis) -> list[dict]:
    one_way = table.loc[~table["dimension_id"].str.contains(GROUP_SEPARATOR, regex=False)
                        & (table["dimension_id"] != "national")]
    per = one_way.groupby(["indicator_abbr", "dimension_id"], sort=False).agg(
        n_total=("n", "sum"), all_hidden=("flag", lambda f: (f == FLAG_SUPPRESSED).all()))
    rows = []
    for (ind_id, circ_id), r in per.iterrows():
        if not r["all_hidden"]:
            continue
        ind, circ = a.indicator(ind_id), a.circumstance(circ_id)
        if r["n_total"] == 0:
            why = (f"the data hold no {circ.label.lower()} value for anyone in its population "
                   f"({ind.population_label or 'reference population'})")
        else:
            why = f"every {circ.label.lower()} group has fewer than {a.settings.suppression.min_n} cases"
        rows.append({"category": "missing_disaggregation", "subject": f"{ind_id} by {circ_id}",
                     "detail": f"{ind.label} cannot be broken down by {circ.label.lower()}: {why}."})
    return rows


def _small_cells(table: pd.DataFrame) -> list[dict]:
    cells = table.loc[table["flag"].isin([FLAG_SUPPRESSED, FLAG_CAUTION]) & (table["n"] > 0)]
    if cells.empty:
        return []
    per = cells.groupby(["group_id", "subgroup"], sort=False).agg(
        suppressed=("flag", lambda f: (f == FLAG_SUPPRESSED).sum()),
        caution=("flag", lambda f: (f == FLAG_CAUTION).sum()),
        indicators=("indicator_abbr", lambda s: ", ".join(dict.fromkeys(s))),
    ).reset_index()
    detail = ("Too few survey cases for " + per["group_id"].map(group_id_label) + ": "
              + per["suppressed"].astype(str) + " estimate(s) withheld and " + per["caution"].astype(str)
              + " shown with caution (" + per["indicators"] + ").")
    return pd.DataFrame({"category": "small_cells", "subject": per["group_id"], "detail": detail}).to_dict("records")


def _no_survey_data(table: pd.DataFrame, log: EvidenceLog) -> list[dict]:
    shown = set(table.loc[table["flag"] != FLAG_SUPPRESSED, "group_id"])
    rows, seen = [], set()
    for entry in log.entries:
        key = entry.group_key
        if key in seen or key in shown:
            continue
        seen.add(key)
        if entry.group_id and entry.group_id in set(table["group_id"]):
            why = "the survey has the group, but every estimate is withheld for its small size"
        elif entry.group_id:
            why = "no survey table has this group (a missing circumstance or category)"
        else:
            why = "the survey does not identify this group at all"
        rows.append({"category": "no_survey_data", "subject": key,
                     "detail": f"{entry.label}: named in the evidence log (entry {entry.id}), but {why}."})
    return rows


def _framework_gaps(a: Analysis) -> list[dict]:
    rows = []
    tagged = {c.factor for c in a.circumstances}
    for factor in FACTORS:
        if factor not in tagged:
            rows.append({"category": "framework_gap", "subject": factor,
                         "detail": f"No circumstance covers the factor '{FACTOR_LABELS[factor]}'; "
                                   "evidence on it must come from other sources."})
    text = [" ".join([c.id, c.label, *c.source_columns, getattr(c.derive, "kind", "")]).lower()
            for c in a.circumstances]
    for name, words in EXPECTED.items():
        if not any(re.search(rf"\b{w}", t) for t in text for w in words):
            rows.append({"category": "framework_gap", "subject": name,
                         "detail": f"The data have no {name} variable, so no one can be compared by {name}."})
    return rows
