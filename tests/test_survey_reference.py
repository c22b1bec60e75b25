"""The estimation engine against R `survey` 4.1 on NHANES (tests/reference/survey)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.survey import TABLE_COLUMN, SurveyDesign, estimate, estimate_tables


@pytest.fixture(scope="module")
def nhanes(reference_dir):
    data = pd.read_csv(reference_dir / "survey" / "nhanes.csv")
    expected = pd.read_csv(reference_dir / "survey" / "nhanes_expected.csv", skipinitialspace=True)
    design = SurveyDesign.from_frame(data, "WTMEC2YR", "SDMVSTRA", "SDMVPSU")
    return design, expected


def _domain_label(row: pd.Series, by: list[str]) -> str:
    return "&".join(f"{c}={row[c]}" for c in by) if by else "all"


@pytest.mark.parametrize("by", [[], ["race"], ["RIAGENDR"], ["race", "RIAGENDR"]])
def test_matches_r_survey(nhanes, by):
    design, expected = nhanes
    table = estimate(design, "HI_CHOL", by).to_frame()
    table["domain"] = table.apply(_domain_label, axis=1, by=by)
    merged = table.merge(expected, on="domain", suffixes=("", "_r"))
    variables = expected["domain"].map(lambda d: [] if d == "all" else [p.split("=")[0] for p in d.split("&")])
    assert len(merged) == len(table) == int((variables.map(tuple) == tuple(by)).sum())
    np.testing.assert_allclose(merged["estimate"], merged["estimate_r"], rtol=1e-9)
    np.testing.assert_allclose(merged["se"], merged["se_r"], rtol=1e-9)
    np.testing.assert_allclose(merged["ci_lb"], merged["ci_low"], rtol=1e-7)  # R's names: ci_low, ci_high
    np.testing.assert_allclose(merged["ci_ub"], merged["ci_high"], rtol=1e-7)
    assert (merged["design_df"] == design.df).all()


def test_design_df_is_psus_minus_strata(nhanes):
    design, _ = nhanes
    assert design.df == 16


def test_rows_missing_indicator_are_left_out(nhanes):
    design, _ = nhanes
    table = estimate(design, "HI_CHOL").to_frame()
    assert table["n"].iloc[0] == int(design.data["HI_CHOL"].notna().sum()) == 7846


def test_stacked_tables_match_r_survey(nhanes):
    """All four reference tables in one stacked call, as Step 1's disaggregation makes it."""
    design, expected = nhanes
    bys = [[], ["race"], ["RIAGENDR"], ["race", "RIAGENDR"]]
    stacked = estimate_tables(design, "HI_CHOL", bys).to_frame()
    assert list(np.unique(stacked[TABLE_COLUMN])) == [0, 1, 2, 3]
    for i, by in enumerate(bys):
        table = stacked.loc[stacked[TABLE_COLUMN] == i].reset_index(drop=True)
        table["domain"] = table.apply(_domain_label, axis=1, by=by)
        merged = table.merge(expected, on="domain", suffixes=("", "_r"))
        assert len(merged) == len(table)
        np.testing.assert_allclose(merged["estimate"], merged["estimate_r"], rtol=1e-9)
        np.testing.assert_allclose(merged["se"], merged["se_r"], rtol=1e-9)
        np.testing.assert_allclose(merged["ci_lb"], merged["ci_low"], rtol=1e-7)
        np.testing.assert_allclose(merged["ci_ub"], merged["ci_high"], rtol=1e-7)
        assert table["share"].sum() == pytest.approx(1.0)
