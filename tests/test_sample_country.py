"""The fictional sample country Aruvia: its files, its design and the structure planted in it.

Everything here is checked by hand with pandas, not with the package's engine, so these
tests say what the data hold; whether the workbook finds it is for the workbook's tests.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from lnob_helpers.config import FACTORS, load_analysis

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
FOLDER = SAMPLES / "aruvia"
YEARS = (2019, 2024)
FOCUS = ("sba", "secondary_completion", "water", "sanitation", "birth_registration")
WG_ITEMS = ("seeing", "hearing", "walking", "remembering", "selfcare", "communicating")
CATEGORIES = {
    "wealth_quintile": ["Poorest", "Second", "Middle", "Fourth", "Richest"],
    "area": ["Urban", "Rural"],
    "region": ["Capital", "Northern Coast", "Southern Plains", "Eastern Highlands", "Western Valleys",
               "Lake District", "Central Plateau", "Delta", "Islands"],
    "education": ["No education", "Primary", "Secondary", "Higher"],
    "sex": ["Female", "Male"],
    "ethnicity": ["Aruvian", "Tamar", "Kesh", "Other"],
    "migration_status": ["Non-migrant", "Internal migrant", "Displaced"],
    "legal_identity": ["Registered", "Not registered"],
    "flood_affected": ["Affected district", "Not affected"],
}


def _generator():
    spec = importlib.util.spec_from_file_location("generate_aruvia", SAMPLES / "generate_aruvia.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _read(folder: Path, year: int) -> pd.DataFrame:
    """A round with categorical columns as label text (as the 2019 CSV already has them)."""
    if year == 2019:
        return pd.read_csv(folder / "persons_2019.csv")
    frame, meta = pyreadstat.read_sav(str(folder / f"persons_{year}.sav"))
    for column in CATEGORIES:
        frame[column] = frame[column].map(meta.variable_value_labels[column])
    return frame


@pytest.fixture(scope="module")
def rounds() -> dict[int, pd.DataFrame]:
    return {year: _read(FOLDER, year) for year in YEARS}


# --- by-hand indicators and groups ------------------------------------------------------

def _mapped(d: pd.DataFrame, column: str, ones: list[int], zeros: list[int]) -> pd.Series:
    return d[column].map({**{k: 1.0 for k in ones}, **{k: 0.0 for k in zeros}})


def indicators(d: pd.DataFrame) -> pd.DataFrame:
    """0/1 per row, NaN outside the reference population or missing (mirrors analysis.yaml)."""
    age, female = d["age"], d["sex"].eq("Female")
    haz = d["haz"].where(~d["haz"].isin([99.98, 99.99]))
    out = {
        "sba": _mapped(d, "birth_attendant", [11, 12, 13], [21, 22, 31, 32, 96])
        .where(female & age.between(15, 49) & d["birth_last2y"].eq(1)),
        "stunting": (haz < -2).astype(float).where(haz.notna() & (age <= 4)),
        "secondary_completion": d["completed_secondary"].where(~d["completed_secondary"].isin([8, 9]))
        .where(age.between(20, 24)),
        "water": _mapped(d, "water_source", [11, 12, 14, 21, 31, 41, 51, 91], [32, 42, 61, 81]),
        "sanitation": _mapped(d, "toilet_type", [11, 12, 13, 21, 22, 31], [14, 23, 41, 95]),
        "electricity": d["electricity"].where(d["electricity"] != 9),
        "birth_registration": d["birth_registered"].where(~d["birth_registered"].isin([8, 9]))
        .where(age <= 4),
        "internet": d["used_internet"].where(d["used_internet"] != 9).where(age >= 15),
    }
    return pd.DataFrame(out)


def groups(d: pd.DataFrame) -> dict[str, pd.Series]:
    b40 = d["wealth_quintile"].isin(["Poorest", "Second"])
    rural = d["area"].eq("Rural")
    tamar = d["ethnicity"].eq("Tamar")
    return {
        "Bottom 40%": b40, "Rural": rural, "Tamar": tamar,
        "Bottom 40% & Rural": b40 & rural, "Bottom 40% & Tamar": b40 & tamar,
        "Rural & Tamar": rural & tamar, "Bottom 40% & Rural & Tamar": b40 & rural & tamar,
        "Displaced": d["migration_status"].eq("Displaced"),
        "Flood districts": d["flood_affected"].eq("Affected district"),
    }


def wmean(d: pd.DataFrame, y: pd.Series, mask: pd.Series | None = None) -> float:
    keep = y.notna() if mask is None else y.notna() & mask
    return float(np.average(y[keep], weights=d["weight"][keep]))


def cases(y: pd.Series, mask: pd.Series) -> int:
    return int((y.notna() & mask).sum())


# --- the generator ----------------------------------------------------------------------

def test_generator_reproduces_the_committed_files(tmp_path: Path):
    gen = _generator()
    gen.generate(tmp_path)
    for year in YEARS:
        pd.testing.assert_frame_equal(_read(tmp_path, year), _read(FOLDER, year))
    _, fresh = pyreadstat.read_sav(str(tmp_path / "persons_2024.sav"), metadataonly=True)
    _, committed = pyreadstat.read_sav(str(FOLDER / "persons_2024.sav"), metadataonly=True)
    assert fresh.variable_value_labels == committed.variable_value_labels
    assert fresh.column_names_to_labels == committed.column_names_to_labels


def test_files_are_small():
    for name in ("persons_2019.csv", "persons_2024.sav"):
        assert (FOLDER / name).stat().st_size < 5_000_000


# --- design and plausibility ------------------------------------------------------------

@pytest.mark.parametrize("year", YEARS)
def test_sample_design_sizes(rounds, year):
    d = rounds[year]
    assert len(d) >= 15_000
    assert d["cluster"].nunique() >= 300
    assert d["stratum"].nunique() >= 20
    # PSUs are nested in strata, and every stratum has several of them (no lonely PSU).
    assert d.groupby("cluster")["stratum"].nunique().max() == 1
    assert d.groupby("stratum")["cluster"].nunique().min() >= 2


@pytest.mark.parametrize("year", YEARS)
def test_weights_are_unequal_positive_and_household_level(rounds, year):
    w = rounds[year]["weight"]
    assert np.isfinite(w).all() and (w > 0).all()
    assert w.std() / w.mean() > 0.2
    assert rounds[year].groupby("hh_id")["weight"].nunique().max() == 1
    assert rounds[year].groupby("stratum")["weight"].mean().nunique() > 10


@pytest.mark.parametrize("year", YEARS)
def test_individual_values_are_plausible(rounds, year):
    d = rounds[year]
    assert d["age"].between(0, 90).all()
    assert d["hh_size"].between(1, 12).all()
    assert (d.groupby("hh_id").size() == d.groupby("hh_id")["hh_size"].first()).all()
    assert not d.duplicated(["hh_id", "line"]).any()
    # Questions go only to the people they are asked of.
    assert d.loc[d["age"] < 5, list(WG_ITEMS)].isna().all().all()
    assert d.loc[d["age"] >= 5, list(WG_ITEMS)].notna().all().all()
    assert d.loc[d["age"] >= 5, "haz"].isna().all()
    assert d.loc[d["birth_last2y"].ne(1), "birth_attendant"].isna().all()
    real = d["haz"].dropna()
    assert real[real < 99].between(-6, 6).all()


@pytest.mark.parametrize("year", YEARS)
def test_categories_are_the_agreed_labels(rounds, year):
    d = rounds[year]
    for column, labels in CATEGORIES.items():
        extra = {"Don't know"} if column == "education" else set()
        assert set(d[column].dropna()) <= set(labels) | extra, column
        assert d[column].notna().all(), column
    answers = d[list(WG_ITEMS)].to_numpy(dtype=float).ravel()
    assert set(answers[~np.isnan(answers)]) == {1, 2, 3, 4, 9}


@pytest.mark.parametrize("year", YEARS)
def test_missing_codes_are_there_to_be_declared(rounds, year):
    d = rounds[year]
    assert d["haz"].isin([99.98, 99.99]).sum() > 20
    assert d["birth_registered"].eq(8).sum() > 10
    assert d["has_account"].isin([8, 9]).sum() > 50
    assert d["water_source"].eq(99).sum() > 10
    assert d["education"].eq("Don't know").sum() > 10


def test_sav_carries_value_and_variable_labels():
    _, meta = pyreadstat.read_sav(str(FOLDER / "persons_2024.sav"), metadataonly=True)
    labels = meta.variable_value_labels
    for column, expected in CATEGORIES.items():
        assert set(expected) <= set(labels[column].values()), column
    assert labels["seeing"] == {1: "No difficulty", 2: "Some difficulty", 3: "A lot of difficulty",
                                4: "Cannot do at all", 9: "No response"}
    assert labels["birth_registered"][8] == "Don't know"
    assert labels["stratum"] and len(labels["stratum"]) >= 20
    assert all(meta.column_names_to_labels[c] for c in meta.column_names)


# --- the analysis definition ------------------------------------------------------------

def test_analysis_yaml_loads_and_covers_the_five_factors():
    analysis = load_analysis(FOLDER)
    assert analysis.country.iso3 == "XAV"
    assert sorted(r.year for r in analysis.rounds) == list(YEARS)
    assert len(analysis.indicators) >= 12
    assert {c.factor for c in analysis.circumstances} == set(FACTORS)
    assert {c.id for c in analysis.circumstances} == {
        "wealth", "bottom40", "area", "region", "education", "sex", "age_group", "disability",
        "ethnicity", "displacement", "legal_identity", "disaster"}
    assert analysis.circumstance("region").categories == CATEGORIES["region"]
    s = analysis.settings
    assert (s.ci_level, s.suppression.min_n, s.suppression.caution_n) == (0.95, 25, 50)
    assert (s.tree.min_leaf, s.tree.min_gain, s.tree.max_depth, s.left_behind.min_gap) == (50, 0.01, 3, 0.05)
    for rnd in analysis.rounds:
        for spec in rnd.files.values():
            assert analysis.path(spec.path).exists()


# --- planted structure ------------------------------------------------------------------

@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("indicator", FOCUS)
def test_bottom40_rural_tamar_is_furthest_behind(rounds, year, indicator):
    d = rounds[year]
    y = indicators(d)[indicator]
    g = groups(d)
    national = wmean(d, y)
    furthest = wmean(d, y, g["Bottom 40% & Rural & Tamar"])
    assert furthest < national - 0.30
    for name in ("Bottom 40%", "Rural", "Tamar", "Bottom 40% & Rural", "Bottom 40% & Tamar", "Rural & Tamar"):
        assert wmean(d, y, g[name]) < national - 0.05, name
        assert furthest < wmean(d, y, g[name]) - 0.05, name
    # The lowest of the eight cells of bottom40 x area x (Tamar or not).
    cells = y.groupby([g["Bottom 40%"], g["Rural"], g["Tamar"]]).apply(
        lambda s: np.average(s.dropna(), weights=d["weight"][s.dropna().index]))
    assert cells.idxmin() == (True, True, True)


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("indicator", FOCUS)
def test_planted_groups_are_large_enough(rounds, year, indicator):
    d = rounds[year]
    y = indicators(d)[indicator]
    for name, mask in groups(d).items():
        assert cases(y, mask) >= 90, name


@pytest.mark.parametrize("year", YEARS)
def test_a_small_cell_falls_under_the_suppression_threshold(rounds, year):
    d = rounds[year]
    water = indicators(d)["water"]
    cell = d["ethnicity"].eq("Other") & d["region"].eq("Islands")
    assert 0 < cases(water, cell) < 25


def _gap(d: pd.DataFrame, y: pd.Series, worse: pd.Series, better: pd.Series | None = None) -> float:
    return (wmean(d, y) if better is None else wmean(d, y, better)) - wmean(d, y, worse)


def test_trends_differ_by_group(rounds):
    old, new = rounds[2019], rounds[2024]
    y_old, y_new = indicators(old), indicators(new)

    # Electricity: rural areas catch up, so the urban-rural gap closes.
    gap = [_gap(d, y["electricity"], d["area"].eq("Rural"), d["area"].eq("Urban"))
           for d, y in ((old, y_old), (new, y_new))]
    assert gap[0] > 0.25 and gap[1] < 0.10

    # Internet: the richest gain fastest, so the richest-poorest gap widens.
    gap = [_gap(d, y["internet"], d["wealth_quintile"].eq("Poorest"), d["wealth_quintile"].eq("Richest"))
           for d, y in ((old, y_old), (new, y_new))]
    assert gap[1] > gap[0] + 0.20

    # Displaced: further behind the national value after the 2022 flood, and lower in absolute terms.
    for ind in ("secondary_completion", "birth_registration"):
        before = _gap(old, y_old[ind], old["migration_status"].eq("Displaced"))
        after = _gap(new, y_new[ind], new["migration_status"].eq("Displaced"))
        assert after > before + 0.08, ind
        assert after > 0.15, ind

    # Flood districts: water falls there while it rises nationally.
    flood_old = wmean(old, y_old["water"], old["flood_affected"].eq("Affected district"))
    flood_new = wmean(new, y_new["water"], new["flood_affected"].eq("Affected district"))
    assert flood_new < flood_old - 0.05
    assert wmean(new, y_new["water"]) >= wmean(old, y_old["water"])
