"""The workbook against R `survey` on a MICS-format file with zero weights and skip patterns.

tests/reference/mics holds a children's file as MICS ships it: incomplete interviews stay as
rows with weight 0 and blank answers, and some items are asked only after a gate item.
R's figures (expected.R) keep the zero-weight rows in the design and define every domain as
a subset of the full design; the workbook must get the same numbers from an analysis.yaml,
with no `universe`, so those rows stay in its design too.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.config import load_analysis
from lnob_helpers.rounds import load_round
from lnob_helpers.survey import estimate

ANALYSIS = """\
country: {name: Testland, iso3: XTL}
rounds:
  - year: 2019
    files:
      children:
        path: ch.csv
        design: {weight: chweight, strata: stratum, psu: PSU, lonely_psu: adjust}
indicators:
  - id: birth_registration
    label: Birth registered
    file: children
    derive:
      kind: any_of
      conditions:
        - {column: BR1, in: [1, 2]}
        - {column: BR2, in: [1]}
    missing_codes: [8]
  - id: early_education
    label: Attending early childhood education
    file: children
    derive: {kind: category_map, column: UB8, map: {"1": 1, "2": 0}}
    missing_codes: [8]
    skipped:
      when: [{column: UB7, in: [2]}]
      value: 0
    population:
      - {column: CAGE, min: 36, max: 59}
  - id: stunting
    label: Stunted
    file: children
    derive: {kind: threshold, column: HAZ2, op: "<", value: -2}
    direction: adverse
    missing_codes: [99.97, 99.98, 99.99]
    population:
      - {column: HAZFLAG, in: [0]}
circumstances:
  - {id: windex5, label: Wealth quintile, factor: socioeconomic, column: windex5}
  - {id: HH6, label: Area, factor: geography, column: HH6}
  - {id: HL4, label: Sex, factor: discrimination, column: HL4}
"""
BY = {"birth_registration": "windex5", "early_education": "HH6", "stunting": "HL4"}


@pytest.fixture(scope="module")
def round_and_expected(reference_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("mics")
    shutil.copy(reference_dir / "mics" / "ch.csv", folder / "ch.csv")
    (folder / "analysis.yaml").write_text(ANALYSIS, encoding="utf-8")
    analysis = load_analysis(folder)
    expected = pd.read_csv(reference_dir / "mics" / "expected.csv")
    return analysis, load_round(analysis), expected


def test_zero_weight_rows_stay_in_the_design(round_and_expected, reference_dir):
    _, rnd, expected = round_and_expected
    raw = pd.read_csv(reference_dir / "mics" / "ch.csv")
    design = rnd.files["children"].design
    assert (raw["chweight"] == 0).sum() > 0
    assert design.n_rows == len(raw)
    assert design.df == expected["design_df"].iloc[0] == raw["PSU"].nunique() - raw["stratum"].nunique()


@pytest.mark.parametrize("indicator", list(BY))
def test_matches_r_survey(round_and_expected, indicator):
    analysis, rnd, expected = round_and_expected
    design = rnd.files["children"].design
    want = expected[expected["indicator"] == indicator]
    overall = estimate(design, indicator, settings=analysis.estimation).to_frame().assign(domain="all")
    by = BY[indicator]
    table = estimate(design, indicator, [by], settings=analysis.estimation).to_frame()
    table["domain"] = [f"{by}={v}" for v in table[by]]
    got = pd.concat([overall, table], ignore_index=True).merge(want, on="domain", suffixes=("", "_r"))
    assert len(got) == len(want)
    np.testing.assert_allclose(got["estimate"], got["estimate_r"], rtol=1e-9)
    np.testing.assert_allclose(got["se"], got["se_r"], rtol=1e-9)
    np.testing.assert_allclose(got["ci_lb"], got["ci_low"], rtol=1e-7)
    np.testing.assert_allclose(got["ci_ub"], got["ci_high"], rtol=1e-7)


def test_skip_pattern_counts_children_never_enrolled_as_not_attending(round_and_expected, reference_dir):
    """Without `skipped`, children who never attended (UB7 = 2, UB8 blank) would drop out of the denominator."""
    _, rnd, _ = round_and_expected
    raw = pd.read_csv(reference_dir / "mics" / "ch.csv")
    values = rnd.files["children"].frame["early_education"]
    never = (raw["UB7"] == 2) & raw["CAGE"].between(36, 59)
    assert never.sum() > 0
    assert (values[never] == 0).all()
