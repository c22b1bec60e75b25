"""The MPI of an analysis: household deprivations read off members, and plain errors in mpi.yaml."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.config import load_analysis
from lnob_helpers.data import read_data_file
from lnob_helpers.errors import InputError
from lnob_helpers.measure.mpi_sources import AnalysisMPI, household_deprivations, load_analysis_mpi
from lnob_helpers.rounds import load_round
from lnob_helpers.yamlstore import read_yaml


@pytest.fixture(scope="module")
def round_2019(sample_dir):
    return load_round(load_analysis(sample_dir), 2019)


def test_any_and_all_member_rules(round_2019, sample_dir):
    spec = load_analysis_mpi(sample_dir)
    deprived = household_deprivations(round_2019, spec)
    frame = round_2019.files["persons"].frame
    household = read_data_file(round_2019.analysis, round_2019.round.files["persons"], ["hh_id"]).frame["hh_id"]
    stunted = frame["stunting"].eq(1).groupby(household).transform("any")
    assert (deprived["nutrition"] == stunted.astype(float)).all()  # no child under five: not deprived
    schooled = frame["education"].isin(["Primary", "Secondary", "Higher"]).groupby(household).transform("any")
    known = frame["education"].notna().groupby(household).transform("any")
    expected = np.where(known, (~schooled).astype(float), np.nan)
    assert np.array_equal(deprived["years_schooling"].to_numpy(), expected, equal_nan=True)
    assert set(np.unique(deprived.to_numpy()[~np.isnan(deprived.to_numpy())])) <= {0.0, 1.0}


def test_sources_must_match_the_index_and_the_analysis(round_2019, sample_dir):
    raw = read_yaml(sample_dir / "mpi.yaml")
    raw["sources"].pop("assets")
    with pytest.raises(ValueError, match="missing: assets"):
        AnalysisMPI.model_validate(raw)
    raw = read_yaml(sample_dir / "mpi.yaml")
    raw["sources"]["nutrition"] = {"indicator": "wasting", "deprived": [1]}
    with pytest.raises(InputError, match="sources.nutrition: indicator 'wasting'"):
        household_deprivations(round_2019, AnalysisMPI.model_validate(raw))
    assert isinstance(AnalysisMPI.model_validate(read_yaml(sample_dir / "mpi.yaml")).substitutions(), pd.DataFrame)
