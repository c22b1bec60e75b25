"""WHO summary measures against the expectations of WHO's healthequal 1.0.1 test suite."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.measure.heat import compute_measure, summary_measures

Z = 1.959963984540054
R_NAMES = {"sii": "SII", "rii": "RII", "aci": "ACI", "rci": "RCI", "paf": "PAF", "parisk": "PAR",
           "bgv": "BGV", "bgsd": "BGSD", "idisu": "IDISU", "idisw": "IDISW", "mdbu": "MDBU",
           "mdbw": "MDBW", "mdmu": "MDMU", "mdmw": "MDMW", "mdru": "MDRU", "mdrw": "MDRW",
           "mld": "MLD", "ti": "TI"}
# healthequal prints these intervals with the unscaled se; ours use se x factor (see heat.py).
UNSCALED_CI_FACTOR = {"TI": 1000, "MLD": 1000, "PAF": 100}
# SII and RII follow healthequal's rounding to whole people too, so they match to the digits it printed.
PRINTED_DIGITS = {"SII": 3e-7, "RII": 3e-7}


@pytest.fixture(scope="module")
def reference(reference_dir: Path) -> Path:
    return reference_dir / "heat"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per healthequal case, listed from the reference folder that conftest.py names."""
    if "case" in metafunc.fixturenames:
        path = metafunc.config.reference_root / "heat" / "expected_testthat.json"
        cases = json.loads(path.read_text())["cases"]
        metafunc.parametrize("case", cases, ids=[c["id"] for c in cases])


def _run(reference: Path, case: dict, **options):
    """One healthequal case. healthequal, like HEAT Plus, lets every subgroup be the reference
    whatever its size, so its published values are reproduced with `suppression=None`; the
    workbook itself never takes a small cell as the reference (heat_reference)."""
    name = R_NAMES[case["call"].split("(")[0]]
    options = {"suppression": None, **options}
    data = pd.read_csv(reference / case["input_file"])
    if "subgroup_order" in data.columns:
        return name, compute_measure(name, data["est"], data["pop"], data["se"],
                                     subgroup_order=data["subgroup_order"], **options)
    return name, compute_measure(name, data["est"], data["pop"], data["se"],
                                 reference=data["reference_subgroup"], **options)


def _close(actual: float, expected: float, tolerance: float) -> bool:
    """testthat's expect_equal: relative difference within the tolerance."""
    return abs(actual - expected) <= tolerance * abs(expected)


def _tolerance(name: str, case: dict) -> float:
    return PRINTED_DIGITS.get(name, case["test_tolerance"])


def test_estimate_and_se_match_healthequal(reference, case):
    name, result = _run(reference, case)
    expected, tolerance = case["expected"], _tolerance(name, case)
    assert _close(result.estimate, expected["estimate"], tolerance), (result.estimate, expected)
    if "se" in expected:
        assert _close(result.se, expected["se"], max(tolerance, PRINTED_DIGITS.get(name, 1e-6))), \
            (result.se, expected["se"])


def test_interval_matches_healthequal_or_its_rescaled_form(reference, case):
    name, result = _run(reference, case)
    expected, tolerance = case["expected"], _tolerance(name, case)
    if "lowerci" not in expected:  # simulation intervals use R's random numbers: not comparable
        assert result.ci_lb <= result.estimate <= result.ci_ub
        return
    if isinstance(expected["lowerci"], str):  # "estimate -/+ se*qnorm(.975)"
        factor = UNSCALED_CI_FACTOR.get(name, 1)
        assert result.ci_lb == pytest.approx(result.estimate - Z * result.se * factor, rel=1e-9)
        assert result.ci_ub == pytest.approx(result.estimate + Z * result.se * factor, rel=1e-9)
    elif name in UNSCALED_CI_FACTOR:
        heat_half_width = (expected["upperci"] - expected["lowerci"]) / 2
        ours = (result.ci_ub - result.ci_lb) / 2
        assert ours == pytest.approx(heat_half_width * UNSCALED_CI_FACTOR[name], rel=1e-3)
    else:
        floor = PRINTED_DIGITS.get(name, 1e-6)
        assert _close(result.ci_lb, expected["lowerci"], max(tolerance, floor))
        assert _close(result.ci_ub, expected["upperci"], max(tolerance, floor))


@pytest.mark.parametrize("name", ["SII", "RII"])
def test_sii_and_rii_round_populations_up_as_healthequal_does(reference, name):
    """healthequal takes ceiling(pop) before it ranks and fits, so fractional sizes give the
    result of the rounded-up ones exactly, ranks included."""
    data = pd.read_csv(reference / "testthat_ordered5.csv")
    fractional = data["pop"] - np.array([0.9, 0.5, 0.3, 0.01, 0.7])
    args = dict(se=data["se"], subgroup_order=data["subgroup_order"])
    rounded = compute_measure(name, data["est"], data["pop"], **args)
    assert compute_measure(name, data["est"], fractional, **args) == rounded
    assert compute_measure(name, data["est"], data["pop"] - 1.0, **args) != rounded


def test_sii_count_convention_weights_population_once(reference):
    data = pd.read_csv(reference / "testthat_ordered5.csv")
    args = (data["est"], data["pop"], data["se"])
    heat = compute_measure("SII", *args, subgroup_order=data["subgroup_order"])
    count = compute_measure("SII", *args, subgroup_order=data["subgroup_order"], sii_convention="count")
    assert heat.estimate == pytest.approx(44.44502, abs=1e-5)
    assert count.estimate == pytest.approx(44.905, abs=5e-4)
    assert heat.convention.startswith("fit=heat") and count.convention.startswith("fit=count")
    rii_count = compute_measure("RII", *args, subgroup_order=data["subgroup_order"], sii_convention="count")
    assert rii_count.estimate > 3.159506  # the count fit is steeper on this case, for RII too


def test_se_scale_estimate_puts_se_on_the_estimate_scale(reference):
    data = pd.read_csv(reference / "testthat_nonordered25.csv")
    table = pd.DataFrame({"setting": "s", "date": 2020, "source": "x", "indicator_abbr": "i",
                          "dimension": "region", "estimate": data["est"], "se": data["se"],
                          "population": data["pop"], "favourable_indicator": 1, "indicator_scale": 100,
                          "ordered_dimension": 0, "subgroup_order": 0,
                          "reference_subgroup": data["reference_subgroup"]})
    heat = summary_measures(table, ["TI", "MLD", "PAF"]).set_index("measure")
    rescaled = summary_measures(table, ["TI", "MLD", "PAF"], se_scale="estimate").set_index("measure")
    assert rescaled.loc["TI", "se"] == pytest.approx(1.4201, rel=1e-4)
    assert rescaled.loc["PAF", "se"] == pytest.approx(1.771526, rel=1e-6)
    np.testing.assert_allclose(rescaled["ci_lb"], heat["ci_lb"])
    assert (rescaled["convention"] == "se=estimate").all()
