"""A census-size analysis folder for the streaming benchmarks: one Parquet file and its analysis.yaml.

`census_folder(n_rows, seed)` writes `<root>/census-<n_rows>-<seed>-v<VERSION>/` once, chunk by
chunk (a few hundred MB at most, whatever `n_rows`), and reuses it while the parameters match;
`root` defaults to $LNOB_BENCH_DATA or the system's temporary folder, never the repository.

The file is what a census sample or a very large survey looks like once exported:
- design: `stratum` and `ea` (enumeration area, numbered within its stratum); max(600,
  n_rows / 1000) areas, 20 per stratum, plus one stratum with a single area (a lonely PSU);
  rows are in no particular order; `weight` unequal, 0.3% of rows weighted zero;
- 8 circumstances in the forms files carry them: text kept as Parquet dictionaries (`sex`,
  `area`, `region`, `educ` with a "Don't know" code), small integer codes regrouped with a
  `recode` (`wealth`, `ethnic` with 99 for missing) and numbers cut into bins (`age`, `hhsize`);
- 16 indicators `y01`..`y16`, int8 0/1 with 9 for "don't know" (a declared missing code) and
  null outside the questions' reference population; populations use `age` and `sex`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

VERSION = 1
CHUNK_ROWS = 1_000_000
PSUS_PER_STRATUM = 20
N_INDICATORS = 16
REGIONS = [f"Region {k}" for k in "ABCDEFGHIJ"]
EDUCATION = ["None", "Primary", "Secondary", "Higher", "Don't know"]
# (population conditions, label) for indicators y01-y04, y05-y08, y09-y12, y13-y16
POPULATIONS = [
    ([], "All persons"),
    ([{"column": "age", "min": 15}], "Persons aged 15 and over"),
    ([{"column": "age", "max": 17}], "Persons under 18"),
    ([{"column": "sex", "in": ["Female"]}, {"column": "age", "min": 15, "max": 49}], "Women aged 15-49"),
]


def census_folder(n_rows: int, seed: int = 2030, root: str | Path | None = None) -> Path:
    """The analysis folder for `n_rows` rows, generated on first use (see the module docstring)."""
    root = Path(root or os.environ.get("LNOB_BENCH_DATA") or tempfile.gettempdir())
    folder = root / f"census-{n_rows}-{seed}-v{VERSION}"
    if (folder / "complete").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    _write_parquet(folder / "persons.parquet", n_rows, seed)
    (folder / "analysis.yaml").write_text(yaml.safe_dump(analysis_definition(), sort_keys=False))
    (folder / "complete").write_text("")
    return folder


def analysis_definition(path: str = "persons.parquet") -> dict:
    """The analysis.yaml of the generated file, as a mapping."""
    indicators = []
    for k in range(1, N_INDICATORS + 1):
        population, label = POPULATIONS[(k - 1) // 4]
        indicators.append({"id": f"y{k:02d}", "label": f"Indicator {k}", "file": "persons", "column": f"y{k:02d}",
                           "missing_codes": [9], "population": population, "population_label": label})
    circumstances = [
        {"id": "sex", "label": "Sex", "factor": "discrimination", "column": "sex", "categories": ["Female", "Male"],
         "not_disadvantaged": ["Male"]},
        {"id": "area", "label": "Area", "factor": "geography", "column": "area"},
        {"id": "wealth", "label": "Wealth quintile", "factor": "socioeconomic", "column": "wealth", "ordered": True,
         "recode": {str(q): name for q, name in enumerate(["Poorest", "Second", "Middle", "Fourth", "Richest"], 1)},
         "categories": ["Poorest", "Second", "Middle", "Fourth", "Richest"]},
        {"id": "education", "label": "Education", "factor": "socioeconomic", "column": "educ", "ordered": True,
         "categories": EDUCATION[:4], "missing_codes": ["Don't know"]},
        {"id": "region", "label": "Region", "factor": "geography", "column": "region"},
        {"id": "age_group", "label": "Age group", "factor": "discrimination",
         "derive": {"kind": "bins", "column": "age", "edges": [0, 5, 15, 25, 45, 65, 120],
                    "labels": ["0-4", "5-14", "15-24", "25-44", "45-64", "65+"]}},
        {"id": "ethnicity", "label": "Ethnicity", "factor": "discrimination", "column": "ethnic",
         "recode": {str(k): f"Group {k}" for k in range(1, 8)}, "missing_codes": [99]},
        {"id": "household_size", "label": "Household size", "factor": "socioeconomic",
         "derive": {"kind": "bins", "column": "hhsize", "edges": [1, 4, 7, 100],
                    "labels": ["1-3 members", "4-6 members", "7+ members"]}},
    ]
    design = {"weight": "weight", "strata": "stratum", "psu": "ea", "lonely_psu": "adjust"}
    return {"country": {"name": "Census benchmark", "iso3": "XCB"},
            "rounds": [{"year": 2020, "label": "Census sample 2020",
                        "files": {"persons": {"path": path, "design": design}}}],
            "indicators": indicators, "circumstances": circumstances}


def _write_parquet(path: Path, n_rows: int, seed: int) -> None:
    fixed = _design(n_rows, seed)
    part = path.with_suffix(".part")
    with pq.ParquetWriter(part, _schema()) as writer:
        for chunk, start in enumerate(range(0, n_rows, CHUNK_ROWS)):
            rows = min(CHUNK_ROWS, n_rows - start)
            writer.write_table(_chunk(rows, np.random.default_rng([seed, chunk]), fixed), row_group_size=rows)
    part.replace(path)


def _schema() -> pa.Schema:
    text = pa.dictionary(pa.int8(), pa.string())
    fields = [("stratum", pa.int16()), ("ea", pa.int16()), ("weight", pa.float64()), ("sex", text),
              ("area", text), ("wealth", pa.int8()), ("educ", text), ("region", text), ("age", pa.int8()),
              ("ethnic", pa.int8()), ("hhsize", pa.int8())]
    fields += [(f"y{k:02d}", pa.int8()) for k in range(1, N_INDICATORS + 1)]
    return pa.schema(fields)


def _design(n_rows: int, seed: int) -> dict:
    """What is fixed across chunks: areas, their strata and traits, and each indicator's effects."""
    rng = np.random.default_rng([seed, 0, 0])
    n_psu = max(600, n_rows // 1000)
    regular = n_psu - 1
    stratum = np.append(np.arange(regular) // PSUS_PER_STRATUM, regular // PSUS_PER_STRATUM + 1)
    ea = np.append(np.arange(regular) % PSUS_PER_STRATUM, 0) + 1
    n_strata = int(stratum.max()) + 1
    effects = [{name: rng.normal(0, 0.8 if name in ("wealth", "educ", "area") else 0.4, size)
                for name, size in (("sex", 2), ("area", 2), ("wealth", 5), ("educ", 4), ("region", 10),
                                   ("age", 6), ("ethnic", 7), ("hhsize", 3))} for _ in range(N_INDICATORS)]
    return {
        "n_psu": n_psu, "stratum": stratum, "ea": ea,
        "urban": rng.random(n_psu) < 0.35,
        "region": (stratum * 7919) % len(REGIONS),
        "psu_factor": rng.lognormal(0, 0.3, n_psu) * rng.lognormal(0, 0.5, n_strata)[stratum],
        "psu_effect": rng.normal(0, 0.4, (N_INDICATORS, n_psu)),
        "intercept": rng.normal(0.3, 0.8, N_INDICATORS),
        "effects": effects,
    }


def _chunk(rows: int, rng: np.random.Generator, fixed: dict) -> pa.Table:
    psu = rng.integers(0, fixed["n_psu"], rows)
    urban = fixed["urban"][psu].astype(np.int64)
    age = np.minimum(rng.exponential(28, rows), 95).astype(np.int8)
    codes = {
        "sex": rng.integers(0, 2, rows), "area": urban, "region": fixed["region"][psu],
        "age": np.searchsorted([5, 15, 25, 45, 65], age, side="right"),
        "ethnic": rng.choice(7, rows, p=[0.45, 0.2, 0.12, 0.1, 0.06, 0.04, 0.03]),
    }
    wealth_score = rng.normal(size=rows) + 1.2 * urban
    codes["wealth"] = np.searchsorted([-0.6, 0.0, 0.6, 1.3], wealth_score)
    codes["educ"] = np.searchsorted([0.3, 1.3, 2.6], rng.normal(size=rows) + 0.5 * codes["wealth"] + 0.4 * urban)
    codes["hhsize"] = np.searchsorted([-0.5, 0.9], rng.normal(size=rows) - 0.3 * codes["wealth"])
    weight = 100 * fixed["psu_factor"][psu] * rng.uniform(0.8, 1.25, rows)
    weight[rng.random(rows) < 0.003] = 0.0
    educ = np.where(rng.random(rows) < 0.01, 4, codes["educ"])
    ethnic = np.where(rng.random(rows) < 0.005, 99, codes["ethnic"] + 1)
    hhsize = np.array([1, 4, 7])[codes["hhsize"]] + rng.integers(0, 3, rows)
    columns = {
        "stratum": pa.array(fixed["stratum"][psu] + 1, pa.int16()),
        "ea": pa.array(fixed["ea"][psu], pa.int16()),
        "weight": pa.array(weight),
        "sex": _text(codes["sex"], ["Female", "Male"]),
        "area": _text(urban, ["Rural", "Urban"]),
        "wealth": pa.array(codes["wealth"] + 1, pa.int8()),
        "educ": _text(educ, EDUCATION),
        "region": _text(codes["region"], REGIONS),
        "age": pa.array(age, pa.int8()),
        "ethnic": pa.array(ethnic, pa.int8()),
        "hhsize": pa.array(hhsize, pa.int8()),
    }
    in_population = [np.ones(rows, bool), age >= 15, age <= 17, (codes["sex"] == 0) & (age >= 15) & (age <= 49)]
    for k in range(N_INDICATORS):
        logit = fixed["intercept"][k] + fixed["psu_effect"][k][psu]
        for name, effect in fixed["effects"][k].items():
            logit = logit + effect[codes[name]]
        value = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.int8)
        value[rng.random(rows) < 0.02] = 9
        asked = in_population[k // 4] & (rng.random(rows) > 0.01)
        columns[f"y{k + 1:02d}"] = pa.array(value, pa.int8(), mask=~asked)
    return pa.table(columns, schema=_schema())


def _text(codes: np.ndarray, labels: list[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int8()), pa.array(labels))


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print(census_folder(size))
