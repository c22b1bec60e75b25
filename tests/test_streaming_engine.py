"""The streaming engine gives the in-memory engine's tables, whatever the chunks (issue 15).

`lnob tables` reads each file in chunks and adds every chunk to additive sums
(`lnob_helpers.table_sums`); Step 1 loads the round and estimates from the rows. On small
generated data with what makes designs awkward (zero weights, a stratum with a single PSU,
missing codes, a category that never occurs, a universe, a computed column, a mean, rows as
PSUs) both must give the same table to floating-point rounding, for chunks of a few rows as
for one chunk, from Parquet and from CSV.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from lnob_helpers import streaming, table_sums
from lnob_helpers.config import load_analysis
from lnob_helpers.disaggregate import disaggregate, disaggregate_streamed
from lnob_helpers.errors import InputError
from lnob_helpers.rounds import load_round
from lnob_helpers.streaming import FileStream

ROWS = 2400
CHUNKS = [61, 500, 10**6]  # rows per chunk: many odd chunks, a few, one


def _frame(seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, 61, ROWS)                    # 60 PSUs in 6 strata, and PSU 60 alone in stratum 7
    stratum = np.where(psu == 60, 7, psu // 10 + 1)
    stratum[5] = 9                                     # one row alone: a lonely PSU when rows are PSUs too
    weight = rng.uniform(0.5, 3.0, ROWS) * (1 + stratum / 4)
    weight[rng.random(ROWS) < 0.04] = 0.0
    age = rng.integers(0, 80, ROWS)
    y1 = (rng.random(ROWS) < 0.4).astype(float)
    y1[rng.random(ROWS) < 0.05] = 9                    # a missing code
    y1[rng.random(ROWS) < 0.05] = np.nan
    return pd.DataFrame({
        "stratum": stratum, "ea": psu % 10 + 1, "weight": weight,
        "sex": rng.choice(["Female", "Male"], ROWS),
        "region": rng.integers(1, 5, ROWS),
        "edu": rng.choice(["None", "Primary", "Secondary", "Don't know"], ROWS, p=[0.3, 0.4, 0.25, 0.05]),
        "age": age, "done": np.where(rng.random(ROWS) < 0.05, 2, 1),
        "y1": y1, "y2": (rng.random(ROWS) < 0.7).astype(int),
        "income": np.round(rng.lognormal(8, 1, ROWS), 2), "height": rng.uniform(1.4, 1.9, ROWS),
        "mass": rng.uniform(40, 110, ROWS),
    })


def _definition(data: str, design: dict) -> dict:
    return {
        "country": {"name": "Streamland", "iso3": "XST"},
        "rounds": [{"year": 2021, "files": {"people": {
            "path": data, "design": design, "universe": [{"column": "done", "in": [1]}],
            "computed": {"bmi": {"op": "/", "columns": ["mass", "height"], "divide_by": 1}}}}}],
        "indicators": [
            {"id": "y1", "label": "Has it", "file": "people", "column": "y1", "missing_codes": [9]},
            {"id": "y2", "label": "Adults with it", "file": "people", "column": "y2",
             "population": [{"column": "age", "min": 15}]},
            {"id": "income", "label": "Income", "file": "people", "column": "income", "type": "continuous"},
            {"id": "heavy", "label": "High mass per height", "file": "people",
             "derive": {"kind": "threshold", "column": "bmi", "op": ">", "value": 50}},
        ],
        "circumstances": [
            {"id": "sex", "label": "Sex", "factor": "discrimination", "column": "sex",
             "categories": ["Female", "Male", "Other"]},         # "Other" never occurs: an empty domain
            {"id": "region", "label": "Region", "factor": "geography", "column": "region",
             "recode": {"4": "South"}},
            {"id": "edu", "label": "Education", "factor": "socioeconomic", "column": "edu", "ordered": True,
             "categories": ["None", "Primary", "Secondary"], "missing_codes": ["Don't know"]},
            {"id": "age_group", "label": "Age", "factor": "discrimination",
             "derive": {"kind": "bins", "column": "age", "edges": [0, 15, 50, 120], "labels": ["0-14", "15-49", "50+"]}},
        ],
    }


def _folder(tmp_path: Path, fmt: str = "parquet", design: dict | None = None, frame: pd.DataFrame | None = None) -> Path:
    frame = _frame() if frame is None else frame
    tmp_path.mkdir(parents=True, exist_ok=True)
    name = f"people.{fmt}"
    if fmt == "csv":
        frame.to_csv(tmp_path / name, index=False)
    else:
        frame.to_parquet(tmp_path / name, index=False, row_group_size=700)
    design = design or {"weight": "weight", "strata": "stratum", "psu": "ea", "lonely_psu": "adjust"}
    (tmp_path / "analysis.yaml").write_text(yaml.safe_dump(_definition(name, design), sort_keys=False))
    return tmp_path


def _same_tables(streamed: pd.DataFrame, loaded: pd.DataFrame) -> None:
    assert list(streamed.columns) == list(loaded.columns) and len(streamed) == len(loaded)
    for column in loaded.columns:
        a, b = streamed[column], loaded[column]
        if pd.api.types.is_float_dtype(b):
            np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-9, atol=1e-12,
                                       equal_nan=True, err_msg=column)
        else:
            assert a.astype(str).tolist() == b.astype(str).tolist(), column


def _chunks(monkeypatch: pytest.MonkeyPatch, rows: int) -> None:
    monkeypatch.setattr(streaming, "MAX_ROWS", rows)
    monkeypatch.setattr(streaming, "MIN_ROWS", min(rows, streaming.MIN_ROWS))


@pytest.mark.parametrize("rows", CHUNKS)
def test_streamed_tables_equal_the_in_memory_engine(tmp_path, monkeypatch, rows):
    analysis = load_analysis(_folder(tmp_path))
    loaded = disaggregate(load_round(analysis), depth=2)
    _chunks(monkeypatch, rows)
    streamed = disaggregate_streamed(analysis, depth=2)
    _same_tables(streamed, loaded)
    # what the data were made to hold did reach the table
    assert (loaded["n"] == 0).any(), "the category that never occurs is an empty domain"
    assert set(loaded["indicator_abbr"]) == {"y1", "y2", "income", "heavy"}
    assert loaded.loc[loaded.indicator_abbr == "income", "estimate"].iloc[0] > 1000  # a mean, not a share


def test_csv_is_converted_once_beside_the_outputs_and_left_as_it_was(tmp_path, monkeypatch):
    folder = _folder(tmp_path, "csv")
    before = hashlib.sha256((folder / "people.csv").read_bytes()).hexdigest()
    analysis = load_analysis(folder)
    _chunks(monkeypatch, 500)
    first = disaggregate_streamed(analysis, depth=1)
    cached = list((folder / "outputs" / ".cache").glob("*.parquet"))
    assert len(cached) == 1 and cached[0].name.startswith(before)
    stamp = cached[0].stat().st_mtime_ns
    second = disaggregate_streamed(analysis, depth=1)
    assert cached[0].stat().st_mtime_ns == stamp, "the cached copy is reused"
    assert hashlib.sha256((folder / "people.csv").read_bytes()).hexdigest() == before
    _same_tables(second, first)
    _same_tables(first, disaggregate(load_round(analysis), depth=1))


@pytest.mark.parametrize("design", [
    {"weight": "weight", "strata": "stratum"},                       # each row its own PSU
    {"weight": "weight", "strata": "stratum", "lonely_psu": "remove"},
    {"weight": "weight", "psu": "ea"},                               # one stratum
    {"weight": "weight", "strata": "stratum", "psu": "ea", "lonely_psu": "certainty", "weight_divisor": 1000},
], ids=["rows-as-psus", "rows-as-psus-remove", "no-strata", "divisor-certainty"])
def test_other_designs(tmp_path, monkeypatch, design):
    analysis = load_analysis(_folder(tmp_path, design=design))
    loaded = disaggregate(load_round(analysis), depth=1)
    _chunks(monkeypatch, 333)
    _same_tables(disaggregate_streamed(analysis, depth=1), loaded)


def test_scaled_weights_change_only_population(tmp_path, monkeypatch):
    frame = _frame()
    plain = disaggregate_streamed(load_analysis(_folder(tmp_path / "a", frame=frame)), depth=1)
    scaled = disaggregate_streamed(load_analysis(_folder(tmp_path / "b", frame=frame.assign(weight=frame.weight * 1e6))),
                                   depth=1)
    for column in ("estimate", "se", "ci_lb", "ci_ub", "share"):
        np.testing.assert_allclose(scaled[column], plain[column], rtol=1e-9, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(scaled["population"], plain["population"] * 1e6, rtol=1e-9)


def test_a_small_memory_ceiling_splits_the_work_into_passes(tmp_path, monkeypatch):
    big = pd.concat([_frame(seed) for seed in range(12)], ignore_index=True)  # 28,800 rows
    big["household"] = np.arange(len(big)) // 3                             # 9,600 PSUs
    design = {"weight": "weight", "strata": "stratum", "psu": "household"}
    analysis = load_analysis(_folder(tmp_path, design=design, frame=big))
    rnd = analysis.rounds[0]
    stream = FileStream(analysis, "people", rnd.files["people"], memory_mb=16)
    layout = stream.layout("adjust")
    tables = {i.id: [(), ("sex",), ("edu", "age_group"), ("sex", "region")] for i in stream.indicators}
    plan = table_sums.plan(stream, layout, tables, memory_mb=16)
    assert len(plan.passes) > 1, "the sums of all indicators do not fit in half of 16 MB"
    assert all(streaming.MIN_ROWS <= rows <= streaming.MAX_ROWS for rows in plan.rows)
    _same_tables(disaggregate_streamed(analysis, depth=2, memory_mb=16),
                 disaggregate(load_round(analysis), depth=2))


def test_refusals_are_the_in_memory_ones(tmp_path, monkeypatch):
    _chunks(monkeypatch, 250)
    frame = _frame()
    frame.loc[[3, 1700], "weight"] = -1.0
    _same_refusals(load_analysis(_folder(tmp_path / "w", frame=frame)))
    design = {"weight": "weight", "strata": "stratum", "psu": "ea", "lonely_psu": "fail"}
    problems = _same_refusals(load_analysis(_folder(tmp_path / "l", design=design)))
    assert "stratum 7, 9 of column 'stratum' has only one PSU" in problems[0]


def _same_refusals(analysis) -> list[str]:
    """The problems reading the data in memory and streaming it raise, which must be the same."""
    with pytest.raises(InputError) as loaded:
        load_round(analysis)
    with pytest.raises(InputError) as streamed:
        disaggregate_streamed(analysis)
    assert streamed.value.problems == loaded.value.problems
    return streamed.value.problems

    analysis = load_analysis(_folder(tmp_path / "u", frame=frame.assign(done=2)))  # nobody in the universe
    with pytest.raises(InputError) as loaded:
        load_round(analysis)
    with pytest.raises(InputError) as streamed:
        disaggregate_streamed(analysis)
    assert streamed.value.problems == loaded.value.problems

    analysis = load_analysis(_folder(tmp_path / "r", design={"weight": "weight", "strata": "stratum",
                                                             "lonely_psu": "fail"}))
    with pytest.raises(InputError) as loaded:
        load_round(analysis)
    with pytest.raises(InputError) as streamed:
        disaggregate_streamed(analysis)
    assert streamed.value.problems == loaded.value.problems
