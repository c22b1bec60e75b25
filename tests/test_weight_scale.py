"""Results do not depend on how the survey weights are scaled (issue 12).

DHS stores its weights x1,000,000, other surveys normalise them to the sample size or
expand them to the population. All three are the same design, so every estimate, standard
error, interval and summary measure must be the same; only population totals may scale.
The sample country is run twice: as it is, and with every weight x1,000,000 (the 2019
round through a copy of its CSV file, the 2024 .sav round in memory after loading).
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.config import Analysis, load_analysis
from lnob_helpers.measure import step4 as step4_module
from lnob_helpers.measure.income import income_inequality
from lnob_helpers.measure.step4 import Step4Result, compute_step4
from lnob_helpers.rounds import RoundData, load_round
from lnob_helpers.who.step1 import Step1Result, compute_step1

FACTOR = 1e6
POPULATION_TOTALS = {"population"}  # the only columns that may scale with the weights
RTOL = 1e-9
# Absolute rounding noise in indicator units: a difference of two nearly equal estimates (a
# change of gap) or a value that is zero up to rounding (the MPI decomposition check).
ATOL = 1e-9
YEARS = (2019, 2024)


def _scaled_copy(sample: Path, folder: Path) -> Analysis:
    """The sample analysis with the weight column of its CSV round multiplied by FACTOR."""
    shutil.copytree(sample, folder, ignore=shutil.ignore_patterns("outputs"))
    analysis = load_analysis(folder)
    for rnd in analysis.rounds:
        for spec in rnd.files.values():
            path = folder / spec.path
            if path.suffix == ".csv":
                raw = pd.read_csv(path, dtype=str, keep_default_na=False)
                weight = spec.design.weight
                raw[weight] = (raw[weight].astype(float) * FACTOR).map(repr)
                raw.to_csv(path, index=False)
    return analysis


def _load_scaled(analysis: Analysis, year: int | None = None) -> RoundData:
    """`load_round`, with the weights of files that are not CSV multiplied by FACTOR in memory."""
    data = load_round(analysis, year)
    files = {}
    for key, fd in data.files.items():
        on_disk = Path(data.round.files[key].path).suffix == ".csv"
        weights = fd.design.weights if on_disk else fd.design.weights * FACTOR
        files[key] = dataclasses.replace(fd, design=dataclasses.replace(fd.design, weights=weights))
    return dataclasses.replace(data, files=files)


@pytest.fixture(scope="module")
def analyses(sample_dir: Path, tmp_path_factory) -> dict[str, tuple[Analysis, object]]:
    scaled = _scaled_copy(sample_dir, tmp_path_factory.mktemp("scaled") / "aruvia")
    return {"original": (load_analysis(sample_dir), load_round), "scaled": (scaled, _load_scaled)}


@pytest.fixture(scope="module")
def step1(analyses) -> dict[tuple[str, int], Step1Result]:
    return {(name, year): compute_step1(a, data=load(a, year))
            for name, (a, load) in analyses.items() for year in YEARS}


@pytest.fixture(scope="module")
def step4(analyses) -> dict[str, Step4Result]:
    out = {}
    for name, (a, load) in analyses.items():
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(step4_module, "load_round", load)
            out[name] = compute_step4(a)
    return out


def assert_same(original: pd.DataFrame, scaled: pd.DataFrame, what: str) -> None:
    """Every column but the population totals equal: numbers to RTOL, everything else exactly."""
    assert list(original.columns) == list(scaled.columns), what
    assert len(original) == len(scaled), what
    assert len(original), f"{what}: nothing to compare"
    for column in original.columns:
        if column in POPULATION_TOTALS:
            continue
        a, b = original[column], scaled[column]
        if pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(a):
            np.testing.assert_allclose(b.to_numpy(dtype=float, na_value=np.nan),
                                       a.to_numpy(dtype=float, na_value=np.nan),
                                       rtol=RTOL, atol=ATOL, err_msg=f"{what}, column {column}")
        else:
            assert a.astype(object).where(a.notna(), "<NA>").tolist() == \
                b.astype(object).where(b.notna(), "<NA>").tolist(), f"{what}, column {column}"


def _step1_frames(result: Step1Result) -> dict[str, pd.DataFrame]:
    trees = pd.DataFrame([it.summary() for it in result.trees.values()])  # D-index, HOI, gaps, paths
    return {**result.to_frames(), "disaggregation": result.table, "trees": trees}


def _step4_frames(result: Step4Result) -> dict[str, pd.DataFrame]:
    frames = {"measures": result.measures, "trends": result.trends.to_frame(),
              "suggested_targets": result.suggested_targets.to_frame(), "mpi": result.mpi_frame(),
              "mpi_decomposition": result.mpi_decomposition()}
    return {**frames, **{f"table {year}": table for year, table in result.tables.items()}}


@pytest.mark.parametrize("year", YEARS)
def test_step1_does_not_depend_on_the_scale_of_the_weights(step1, year):
    original, scaled = _step1_frames(step1["original", year]), _step1_frames(step1["scaled", year])
    assert original.keys() == scaled.keys()
    for name in original:
        assert_same(original[name], scaled[name], f"Step 1 {year}, {name}")


def test_step4_does_not_depend_on_the_scale_of_the_weights(step4):
    original, scaled = _step4_frames(step4["original"]), _step4_frames(step4["scaled"])
    assert original.keys() == scaled.keys()
    for name in original:
        assert_same(original[name], scaled[name], f"Step 4, {name}")
    measures = step4["original"].measures
    assert {"PAF", "PAR", "SII", "RII"} <= set(measures.dropna(subset=["ci_lb"])["measure"])


def test_only_population_totals_scale(step1, step4):
    """The scaled run really had weights x1,000,000, and its population totals show it."""
    for original, scaled in ((step1["original", 2019].table, step1["scaled", 2019].table),
                             (step1["original", 2024].table, step1["scaled", 2024].table),
                             (step4["original"].mpi_frame(), step4["scaled"].mpi_frame())):
        np.testing.assert_allclose(scaled["population"], original["population"] * FACTOR, rtol=RTOL)


def test_income_inequality_does_not_depend_on_the_scale_of_the_weights(reference_dir):
    data = pd.read_csv(reference_dir / "inequality" / "eusilc.csv")
    original = income_inequality(data, "eqIncome", "rb050", by="db040").to_frame()
    scaled = income_inequality(data.assign(rb050=data["rb050"] * FACTOR), "eqIncome", "rb050",
                               by="db040").to_frame()
    assert_same(original, scaled, "income inequality")
