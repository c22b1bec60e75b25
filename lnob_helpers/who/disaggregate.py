"""Step 1 disaggregation: every indicator by every circumstance and two-way intersection.

The result is one tidy table in the columns of WHO's HEAT Plus upload template, plus
`n`, `flag` and stable group ids, so the same file feeds the workbook's later steps,
HEAT Plus, and partners in a data collaborative. It holds aggregates only.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import Analysis
from ..privacy import FLAG_CAUTION, FLAG_SUPPRESSED, assert_no_small_cells
from ..rounds import RoundData, load_round
from ..survey import estimate
from ..yamlstore import atomic_write_bytes

HEAT_COLUMNS = [
    "setting", "date", "source", "indicator_abbr", "indicator_name", "dimension", "subgroup",
    "estimate", "se", "ci_lb", "ci_ub", "population", "note", "setting_average", "iso3",
    "favourable_indicator", "indicator_scale", "ordered_dimension", "subgroup_order",
    "reference_subgroup",
]
EXTRA_COLUMNS = ["n", "flag", "share", "dimension_id", "group_id", "factors"]
NOTES = {
    FLAG_SUPPRESSED: "Suppressed: fewer than {min_n} unweighted cases.",
    FLAG_CAUTION: "Interpret with caution: fewer than {caution_n} unweighted cases.",
}
GROUP_JOIN = " & "


def group_id(circumstances: Sequence[str], categories: Sequence[str]) -> str:
    """Stable id of a group, e.g. 'area=Rural & ethnicity=Tamar' (used by later steps)."""
    return GROUP_JOIN.join(f"{c}={v}" for c, v in zip(circumstances, categories))


def disaggregate(
    data: RoundData,
    indicators: Sequence[str] | None = None,
    circumstances: Sequence[str] | None = None,
    depth: int = 2,
) -> pd.DataFrame:
    """Estimates for each indicator, nationally and by every combination of up to `depth` circumstances."""
    a = data.analysis
    settings = a.settings
    ind_ids = list(indicators or [i.id for i in a.indicators])
    circ_ids = list(circumstances or [c.id for c in a.circumstances])
    combos = [c for k in range(1, depth + 1) for c in itertools.combinations(circ_ids, k)]
    parts = []
    for ind_id in ind_ids:
        ind = a.indicator(ind_id)
        fd = data.for_indicator(ind_id)
        kind = "proportion" if ind.type == "binary" else "mean"
        national = estimate(fd.design, ind_id, kind=kind, ci_level=settings.ci_level,
                            suppression=settings.suppression)
        nat_value = float(national["estimate"].iloc[0])
        parts.append(_heat_rows(national, (), data, ind, nat_value))
        for combo in combos:
            table = estimate(fd.design, ind_id, list(combo), kind=kind, ci_level=settings.ci_level,
                             suppression=settings.suppression)
            parts.append(_heat_rows(table, combo, data, ind, nat_value))
    out = pd.concat(parts, ignore_index=True)
    assert_no_small_cells(out, settings.suppression, value_columns=("estimate", "se", "ci_lb", "ci_ub"))
    return out


def _heat_rows(table: pd.DataFrame, combo: tuple[str, ...], data: RoundData, ind, national: float) -> pd.DataFrame:
    a = data.analysis
    rule = a.settings.suppression
    scale = ind.scale if ind.type == "binary" else 1
    circs = [a.circumstance(c) for c in combo]
    if combo:
        labels = [table[c].astype(str).to_numpy() for c in combo]
        subgroup = [GROUP_JOIN.join(parts) for parts in zip(*labels)]
        gid = [group_id(combo, parts) for parts in zip(*labels)]
        dimension = " × ".join(c.label for c in circs)
        ordered = len(circs) == 1 and circs[0].ordered
        order = table[combo[0]].cat.codes.to_numpy() + 1 if ordered else np.zeros(len(table), dtype=int)
        factors = ";".join(dict.fromkeys(c.factor for c in circs))
    else:
        subgroup, gid, dimension, ordered = ["National"], ["national"], "National", False
        order, factors = np.zeros(1, dtype=int), ""
    flags = table["flag"].to_numpy()
    return pd.DataFrame({
        "setting": a.country.name,
        "date": data.year,
        "source": data.round.name,
        "indicator_abbr": ind.id,
        "indicator_name": ind.label,
        "dimension": dimension,
        "subgroup": subgroup,
        "estimate": table["estimate"].to_numpy() * scale,
        "se": table["se"].to_numpy() * scale,
        "ci_lb": table["ci_low"].to_numpy() * scale,
        "ci_ub": table["ci_high"].to_numpy() * scale,
        "population": table["population"].to_numpy(),
        "note": [NOTES.get(f, "").format(min_n=rule.min_n, caution_n=rule.caution_n) for f in flags],
        "setting_average": national * scale,
        "iso3": a.country.iso3,
        "favourable_indicator": int(ind.favourable),
        "indicator_scale": scale,
        "ordered_dimension": int(ordered),
        "subgroup_order": order,
        "reference_subgroup": 0,
        "n": table["n"].to_numpy(),
        "flag": flags,
        "share": table["share"].to_numpy(),
        "dimension_id": GROUP_JOIN.join(combo) if combo else "national",
        "group_id": gid,
        "factors": factors,
    })


def write_disaggregation(analysis: Analysis, year: int | None = None, two_way: bool = True) -> list[Path]:
    """Compute the Step 1 table for a round and save it as CSV and XLSX under outputs/step1/."""
    data = load_round(analysis, year)
    table = disaggregate(data, depth=2 if two_way else 1)
    out_dir = analysis.outputs / "step1"
    stem = f"disaggregation_{data.year}"
    csv_path = atomic_write_bytes(out_dir / f"{stem}.csv", table.to_csv(index=False).encode("utf-8"))
    buf = io.BytesIO()
    table.to_excel(buf, index=False, sheet_name="HEAT Plus data")
    xlsx_path = atomic_write_bytes(out_dir / f"{stem}.xlsx", buf.getvalue())
    return [csv_path, xlsx_path]
