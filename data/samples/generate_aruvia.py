"""Generate the fictional sample country Aruvia: two household-survey rounds, 2019 and 2024.

Aruvia does not exist and no row describes a real person. The data are simulated so
that the workbook has something realistic to find: a two-stage stratified cluster
sample with unequal weights, circumstances across the guide's five factors, a dozen
SDG indicators with their reference populations and missing codes, and planted
structure (disparities, a furthest-behind group, diverging trends) documented in
`aruvia/README.md`.

Run `python data/samples/generate_aruvia.py` to rewrite `aruvia/persons_2019.csv` and
`aruvia/persons_2024.sav`; the output is the same on every run (fixed seeds).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
from scipy.special import ndtri

SEED = 20240611
OUT_DIR = Path(__file__).resolve().parent / "aruvia"
YEARS = (2019, 2024)
CLUSTERS = {2019: 470, 2024: 480}
TAKE = 15  # households selected per cluster
HAZ_SD = 1.15  # spread of height-for-age z-scores around a child's expected value

# --- geography ----------------------------------------------------------------------------
# region: (share of households, urban share, districts, flood-hit districts, zones)
REGIONS = {
    "Capital": (0.20, 0.95, 4, (), ("Zone A", "Zone B", "Zone C")),
    "Northern Coast": (0.13, 0.50, 4, (), ()),
    "Southern Plains": (0.15, 0.30, 5, (2, 4), ("North", "South")),
    "Eastern Highlands": (0.12, 0.20, 4, (), ("East", "West")),
    "Western Valleys": (0.10, 0.25, 3, (), ()),
    "Lake District": (0.08, 0.35, 3, (1,), ()),
    "Central Plateau": (0.10, 0.30, 4, (), ()),
    "Delta": (0.08, 0.35, 4, (1, 3), ()),
    "Islands": (0.04, 0.30, 3, (2, 3), ()),
}
REGION_NAMES = list(REGIONS)
FLOOD_REGIONS = [REGION_NAMES.index(name) + 1 for name, spec in REGIONS.items() if spec[3]]
REGION_EFFECT = np.array([0.35, 0.10, -0.05, -0.25, -0.15, 0.0, -0.10, -0.05, -0.10])

# --- category codes and labels (the .sav carries them as value labels) ------------------
LABELS: dict[str, dict[int, str]] = {
    "region": {i + 1: name for i, name in enumerate(REGION_NAMES)},
    "area": {1: "Urban", 2: "Rural"},
    "flood_affected": {1: "Affected district", 2: "Not affected"},
    "wealth_quintile": {1: "Poorest", 2: "Second", 3: "Middle", 4: "Fourth", 5: "Richest"},
    "ethnicity": {1: "Aruvian", 2: "Tamar", 3: "Kesh", 4: "Other"},
    "migration_status": {1: "Non-migrant", 2: "Internal migrant", 3: "Displaced"},
    "legal_identity": {1: "Registered", 2: "Not registered"},
    "education": {0: "No education", 1: "Primary", 2: "Secondary", 3: "Higher", 9: "Don't know"},
    "sex": {1: "Male", 2: "Female"},
}
WG_ITEMS = ("seeing", "hearing", "walking", "remembering", "selfcare", "communicating")
WG_LABELS = {1: "No difficulty", 2: "Some difficulty", 3: "A lot of difficulty",
             4: "Cannot do at all", 9: "No response"}
LABELS.update({item: WG_LABELS for item in WG_ITEMS})
# Indicator source columns keep their codes in both files; the .sav still labels them.
CODE_LABELS: dict[str, dict[int, str]] = {
    "birth_attendant": {11: "Doctor", 12: "Nurse or midwife", 13: "Auxiliary midwife",
                        21: "Traditional birth attendant", 22: "Community health worker",
                        31: "Relative or friend", 32: "No one", 96: "Other", 99: "Missing"},
    "birth_registered": {0: "No", 1: "Yes", 8: "Don't know", 9: "Missing"},
    "married_before_18": {0: "No", 1: "Yes", 9: "Missing"},
    "completed_secondary": {0: "No", 1: "Yes", 8: "Don't know", 9: "Missing"},
    "activity": {1: "Employed", 2: "In education", 3: "In training",
                 4: "Unemployed, not in education", 5: "Inactive, not in education", 9: "Missing"},
    "has_account": {0: "No", 1: "Yes", 8: "Don't know", 9: "Missing"},
    "used_internet": {0: "No", 1: "Yes", 9: "Missing"},
    "water_source": {11: "Piped into dwelling", 12: "Piped to yard", 14: "Public tap",
                     21: "Tube well", 31: "Protected well", 32: "Unprotected well",
                     41: "Protected spring", 42: "Unprotected spring", 51: "Rainwater",
                     61: "Tanker truck", 81: "Surface water", 91: "Bottled water", 99: "Missing"},
    "toilet_type": {11: "Flush to sewer", 12: "Flush to septic tank", 13: "Flush to pit",
                    14: "Flush to open drain", 21: "Ventilated improved pit", 22: "Pit with slab",
                    23: "Pit without slab", 31: "Composting toilet", 41: "Bucket",
                    95: "No facility, open defecation", 99: "Missing"},
    "cooking_fuel": {1: "Electricity", 2: "LPG", 3: "Natural gas", 4: "Biogas", 5: "Kerosene",
                     7: "Charcoal", 8: "Wood", 9: "Crop residue", 10: "Animal dung",
                     95: "No food cooked", 99: "Missing"},
    "electricity": {0: "No", 1: "Yes", 9: "Missing"},
}
# Good (1) and poor (0) codes of the household-service ladders, with draw weights.
SERVICE_CODES = {
    "water_source": (([11, 12, 14, 21, 31, 41, 51, 91], [30, 20, 12, 15, 10, 4, 3, 6]),
                     ([32, 42, 61, 81], [45, 15, 10, 30])),
    "toilet_type": (([11, 12, 13, 21, 22, 31], [20, 30, 10, 12, 25, 3]),
                    ([14, 23, 41, 95], [15, 45, 5, 35])),
    "cooking_fuel": (([1, 2, 3, 4], [15, 70, 10, 5]), ([5, 7, 8, 9, 10], [10, 25, 55, 6, 4])),
}
SBA_CODES = (([11, 12, 13], [35, 55, 10]), ([21, 22, 31, 32, 96], [50, 15, 20, 10, 5]))

COLUMN_LABELS = {
    "cluster": "Cluster (primary sampling unit)",
    "hh_id": "Household id (cluster * 100 + household number)",
    "line": "Person line number in the household",
    "stratum": "Sampling stratum",
    "region": "Region",
    "district": "District (region * 10 + district number)",
    "area": "Area of residence",
    "flood_affected": "District hit by the 2022 flood (2019: districts the flood later hit)",
    "weight": "Household sampling weight (normalised to mean 1 over persons)",
    "hh_size": "Number of household members",
    "wealth_score": "Wealth index score",
    "wealth_quintile": "Wealth index quintile (of the household population)",
    "ethnicity": "Ethnicity of the household head",
    "migration_status": "Migration status of the household",
    "legal_identity": "Legal identity (own if 18+, else household head's)",
    "education": "Highest level attended (own if 25+, else household head's)",
    "sex": "Sex",
    "age": "Age in completed years",
    "seeing": "Difficulty seeing (WG-SS, persons 5+)",
    "hearing": "Difficulty hearing (WG-SS, persons 5+)",
    "walking": "Difficulty walking or climbing steps (WG-SS, persons 5+)",
    "remembering": "Difficulty remembering or concentrating (WG-SS, persons 5+)",
    "selfcare": "Difficulty with self-care (WG-SS, persons 5+)",
    "communicating": "Difficulty communicating (WG-SS, persons 5+)",
    "birth_last2y": "Live birth in the last 2 years (women 15-49): 1 yes, 0 no",
    "birth_attendant": "Most qualified attendant at the last birth",
    "haz": "Height-for-age z-score (children under 5; 99.98 not measured, 99.99 implausible)",
    "birth_registered": "Birth registered with civil authority (children under 5)",
    "married_before_18": "First married or in union before age 18 (women 15-49)",
    "completed_secondary": "Completed upper secondary school (persons 15-24)",
    "activity": "Main activity (persons 15-24)",
    "has_account": "Has an account at a bank, other institution or mobile money (15+)",
    "used_internet": "Used the internet in the last 3 months (15+)",
    "water_source": "Main source of drinking water",
    "toilet_type": "Type of toilet facility",
    "cooking_fuel": "Main cooking fuel",
    "electricity": "Household has electricity",
}

# --- outcome models ---------------------------------------------------------------------
# Logit coefficients per indicator; a pair is (2019, 2024), a number holds in both rounds.
# Covariates: q = wealth quintile - 3, b40 = bottom 40%, rural, tamar, kesh, other, furthest
# (= Bottom 40% & Rural & Tamar), edu = education index - 1.5, disab, displaced, flood, female,
# unreg (no legal identity).
MODELS: dict[str, dict[str, float | tuple[float, float]]] = {
    "sba": dict(const=(2.8, 3.2), q=0.35, b40=-0.3, rural=-2.2, tamar=-0.1, kesh=0.2, other=0.8,
                furthest=-1.4, edu=0.15, displaced=-0.4, flood=(0.0, -0.3),
                unreg=-0.2),
    "stunting": dict(const=(-1.05, -1.3), q=-0.25, rural=0.25, tamar=0.25, furthest=0.5,
                     edu=-0.2, displaced=0.3, flood=(0.0, 0.45), female=-0.1),
    "secondary": dict(const=(2.6, 2.9), q=0.35, b40=-0.3, rural=-2.2, tamar=-0.1, kesh=0.2, other=0.8,
                      furthest=-1.4, edu=0.15, disab=-1.2, displaced=(0.1, -1.0),
                      flood=(0.0, -0.2), female=-0.1),
    "water": dict(const=(3.1, 3.3), q=0.35, b40=-0.3, rural=-2.2, tamar=-0.1, kesh=0.2, other=0.8,
                  furthest=-1.4, edu=0.1, displaced=-0.4, flood=(0.0, -0.8)),
    "sanitation": dict(const=(2.9, 3.2), q=0.35, b40=-0.3, rural=-2.2, tamar=-0.1, kesh=0.2, other=0.8,
                       furthest=-1.4, edu=0.1, displaced=-0.3, flood=(0.0, -0.4)),
    "clean_fuel": dict(const=(-0.2, 0.3), q=0.75, rural=-1.4, tamar=-0.3, kesh=-0.2,
                       furthest=-0.8, edu=0.2, displaced=-0.3),
    "electricity": dict(const=(3.6, 4.6), q=(0.55, 0.4), rural=(-2.4, -1.5), tamar=-0.3,
                        furthest=-0.6, displaced=-0.3),
    "birth_reg": dict(const=(3.1, 3.4), q=0.35, b40=-0.3, rural=-2.2, tamar=-0.1, kesh=0.2, other=0.8,
                      furthest=-1.4, edu=0.15, displaced=(0.1, -0.9),
                      flood=(0.0, -0.2)),
    "child_marriage": dict(const=(-1.5, -1.75), q=-0.3, rural=0.4, tamar=0.3, kesh=0.7,
                           furthest=0.3, edu=-0.3, displaced=0.4),
    "neet": dict(const=(-1.35, -1.45), q=-0.25, rural=0.15, tamar=0.2, kesh=0.2, furthest=0.3,
                 edu=-0.15, disab=1.5, displaced=0.5, female=0.7),
    "account": dict(const=(-0.8, -0.1), q=(0.5, 0.55), rural=-0.5, tamar=-0.3, furthest=-0.4,
                    edu=0.7, disab=-0.9, displaced=-0.5, female=-0.45, unreg=-1.2),
    "internet": dict(const=(-0.85, 0.6), q=(0.45, 0.8), rural=-0.7, tamar=-0.3, furthest=-0.4,
                     edu=0.6, disab=-1.0, displaced=-0.3, female=-0.3),
}


def _logit_p(model: str, year: int, cov: dict[str, np.ndarray]) -> np.ndarray:
    """Probability from the indicator's logit model for the given round."""
    eta = np.zeros(len(cov["q"]))
    for name, coef in MODELS[model].items():
        value = coef[YEARS.index(year)] if isinstance(coef, tuple) else coef
        eta = eta + (value if name == "const" else value * cov[name])
    return 1.0 / (1.0 + np.exp(-eta))


def _draw_codes(rng: np.random.Generator, good: np.ndarray, ladder) -> np.ndarray:
    """Turn 0/1 outcomes into realistic answer codes from the good or poor part of a ladder."""
    (good_codes, good_w), (poor_codes, poor_w) = ladder
    g = rng.choice(good_codes, size=len(good), p=np.asarray(good_w) / np.sum(good_w))
    b = rng.choice(poor_codes, size=len(good), p=np.asarray(poor_w) / np.sum(poor_w))
    return np.where(good == 1, g, b)


def _with_missing(rng: np.random.Generator, codes: np.ndarray, rate: float, code: int | float,
                  other: tuple[float, int | float] | None = None) -> np.ndarray:
    """Replace a random share of answers by a missing code (and optionally a second one)."""
    out = codes.astype(float)
    u = rng.random(len(out))
    out[u < rate] = code
    if other is not None:
        out[(u >= rate) & (u < rate + other[0])] = other[1]
    return out


# --- sample design ----------------------------------------------------------------------

def strata() -> pd.DataFrame:
    """Region x area strata (label, region, area, household share), indexed by stratum code.

    The Capital's urban part and the rural parts of two large regions are split in zones.
    """
    rows = []
    for r, (name, (share, urban, _d, _f, zones)) in enumerate(REGIONS.items(), start=1):
        for area, frac in ((1, urban), (2, 1 - urban)):
            split = zones if (zones and ((area == 1) == (name == "Capital"))) else ("",)
            for zone in split:
                label = f"{name} {'urban' if area == 1 else 'rural'}" + (f" {zone}" if zone else "")
                rows.append((label, r, area, share * frac / len(split)))
    frame = pd.DataFrame(rows, columns=["label", "region", "area", "share"])
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="stratum")
    return frame


def _allocate(shares: np.ndarray, boost: np.ndarray, total: int, minimum: int = 6) -> np.ndarray:
    """Power allocation of clusters (small strata oversampled), times `boost`, at least `minimum`."""
    size = shares**0.4 * boost
    raw = size / size.sum() * total
    n = np.maximum(minimum, np.floor(raw)).astype(int)
    order = np.argsort(-(raw - np.floor(raw)))
    short = total - n.sum()
    n[order[: max(short, 0)]] += 1
    return n


def _clusters(rng: np.random.Generator, year: int) -> pd.DataFrame:
    table = strata()
    # The 2024 round oversampled the four regions the 2022 flood hit.
    boost = np.where(table["region"].isin(FLOOD_REGIONS) & (year == 2024), 1.6, 1.0)
    n = _allocate(table["share"].to_numpy(), boost, CLUSTERS[year])
    stratum = np.repeat(table.index.to_numpy(), n)
    region = table["region"].to_numpy()[stratum - 1]
    area = table["area"].to_numpy()[stratum - 1]
    n_districts = np.array([REGIONS[REGION_NAMES[r - 1]][2] for r in region])
    district_no = 1 + np.floor(rng.random(len(stratum)) * n_districts).astype(int)
    flooded = np.array([d in REGIONS[REGION_NAMES[r - 1]][3] for r, d in zip(region, district_no)])
    # Base weight: households in the stratum per selected household (mean size cancels later).
    base = table["share"].to_numpy()[stratum - 1] / (n[stratum - 1] * TAKE)
    response = np.clip(rng.beta(np.where(area == 1, 17, 30), 2.0), 0.55, 1.0)
    responding = np.maximum(8, rng.binomial(TAKE, response))
    return pd.DataFrame({
        "cluster": np.arange(1, len(stratum) + 1),
        "stratum": stratum,
        "region": region,
        "district": region * 10 + district_no,
        "area": area,
        "flood": flooded.astype(int),
        "effect": rng.normal(0, 0.45, len(stratum)),
        "responding": responding,
        "raw_weight": base * TAKE / responding,
    })


# --- households -------------------------------------------------------------------------

ETHNIC_MIX = {  # region: (Tamar, Kesh, Other) shares of households before the rural tilt
    "Capital": (0.06, 0.04, 0.08), "Northern Coast": (0.03, 0.28, 0.02),
    "Southern Plains": (0.12, 0.05, 0.02), "Eastern Highlands": (0.40, 0.03, 0.015),
    "Western Valleys": (0.36, 0.03, 0.015), "Lake District": (0.06, 0.18, 0.02),
    "Central Plateau": (0.16, 0.05, 0.015), "Delta": (0.03, 0.22, 0.02),
    "Islands": (0.03, 0.22, 0.006),
}


def _households(rng: np.random.Generator, year: int, cl: pd.DataFrame) -> pd.DataFrame:
    hh = cl.loc[cl.index.repeat(cl["responding"])].reset_index(drop=True)
    hh["hh_id"] = hh["cluster"] * 100 + hh.groupby("cluster").cumcount() + 1
    n = len(hh)
    rural = (hh["area"] == 2).to_numpy()
    mix = np.array([ETHNIC_MIX[REGION_NAMES[r - 1]] for r in hh["region"]])
    mix[:, 0] *= np.where(rural, 1.1, 0.8)
    mix[:, 2] *= np.where(rural, 0.0, 1.5)  # "Other" households live in towns only
    cum = np.cumsum(mix, axis=1)
    u = rng.random(n)
    hh["ethnicity"] = np.select([u < cum[:, 0], u < cum[:, 1], u < cum[:, 2]], [2, 3, 4], 1)
    tamar = hh["ethnicity"].to_numpy() == 2

    # Displacement: conflict in the Highlands and the 2017 cyclone on the Islands before 2019;
    # the 2022 flood adds displaced households in and around the flooded districts by 2024.
    p_disp = np.full(n, 0.05)
    p_disp[hh["region"].isin([4, 9]).to_numpy()] = 0.12
    if year == 2024:
        hit = hh["region"].isin(FLOOD_REGIONS).to_numpy()
        p_disp = np.where(hit, 0.10, p_disp) + np.where(hh["flood"] == 1, 0.12, 0.0)
    p_mig = np.where(hh["region"] == 1, 0.25, 0.12)
    u = rng.random(n)
    hh["migration_status"] = np.select([u < p_disp, u < p_disp + p_mig], [3, 2], 1)
    displaced = hh["migration_status"].to_numpy() == 3

    hh["wealth_score"] = (0.6 * ~rural + hh["effect"] + REGION_EFFECT[hh["region"] - 1]
                          - 0.35 * tamar - 0.15 * (hh["ethnicity"] == 3) - 0.5 * displaced
                          + rng.normal(0, 0.8, n))
    size = 1 + rng.poisson(np.clip(3.1 * rural + 2.5 * ~rural + 0.6 * tamar
                                   - 0.25 * hh["wealth_score"], 0.5, None))
    hh["hh_size"] = np.minimum(size, 12)
    hh["head_age"] = np.clip(np.round(rng.normal(45, 13, n)), 25, 88).astype(int)
    hh["head_female"] = rng.random(n) < 0.22
    latent = (0.8 * hh["wealth_score"] + 0.4 * ~rural - 0.35 * tamar - 0.02 * (hh["head_age"] - 45)
              - 0.3 * hh["head_female"] + rng.normal(0, 0.9, n))
    hh["head_edu"] = np.digitize(latent, [-0.85, 0.35, 1.55])
    p_unreg = 1 / (1 + np.exp(-(-2.8 + 1.0 * tamar + 0.9 * displaced + 0.5 * rural
                                - 0.4 * hh["wealth_score"])))
    hh["head_unreg"] = rng.random(n) < p_unreg
    hh["weight"] = hh["raw_weight"]
    return hh.drop(columns=["effect", "responding", "raw_weight"])


def _quintiles(hh: pd.DataFrame) -> np.ndarray:
    """Quintiles of the household population: cut points on the person-weighted score."""
    order = np.argsort(hh["wealth_score"].to_numpy(), kind="stable")
    mass = (hh["weight"] * hh["hh_size"]).to_numpy()[order]
    share = (np.cumsum(mass) - mass / 2) / mass.sum()
    q = np.empty(len(hh), dtype=int)
    q[order] = np.minimum(5, 1 + np.floor(share * 5).astype(int))
    return q


def _services(rng: np.random.Generator, year: int, hh: pd.DataFrame) -> pd.DataFrame:
    cov = _covariates(hh, head=True)
    for model, column in (("water", "water_source"), ("sanitation", "toilet_type"),
                          ("clean_fuel", "cooking_fuel")):
        good = (rng.random(len(hh)) < _logit_p(model, year, cov)).astype(int)
        codes = _draw_codes(rng, good, SERVICE_CODES[column])
        if column == "cooking_fuel":
            codes = np.where(rng.random(len(hh)) < 0.01, 95, codes)
        hh[column] = _with_missing(rng, codes, 0.004, 99).astype(int)
    has = (rng.random(len(hh)) < _logit_p("electricity", year, cov)).astype(int)
    hh["electricity"] = _with_missing(rng, has, 0.003, 9).astype(int)
    return hh


# --- persons ----------------------------------------------------------------------------

AGE_GROUP_P = np.array([19, 17, 15, 12, 9, 6, 5, 4, 3, 2.5, 2, 1.5, 1.2, 1.0, 0.8, 0.6, 0.4, 0.3])


def _persons(rng: np.random.Generator, hh: pd.DataFrame) -> pd.DataFrame:
    p = hh.loc[hh.index.repeat(hh["hh_size"])].reset_index(drop=True)
    p["line"] = p.groupby("hh_id").cumcount() + 1
    n = len(p)
    head = (p["line"] == 1).to_numpy()
    spouse = ((p["line"] == 2) & (rng.random(n) < 0.8)).to_numpy()
    group = rng.choice(len(AGE_GROUP_P), size=n, p=AGE_GROUP_P / AGE_GROUP_P.sum())
    age = np.minimum(90, group * 5 + rng.integers(0, 5, n))
    spouse_age = np.clip(p["head_age"] + np.round(rng.normal(-3, 5, n)), 18, 90)
    p["age"] = np.select([head, spouse], [p["head_age"], spouse_age], age).astype(int)
    female = np.where(head, p["head_female"], np.where(spouse, ~p["head_female"], rng.random(n) < 0.5))
    p["sex"] = np.where(female, 2, 1)
    return p


def _disability(rng: np.random.Generator, p: pd.DataFrame) -> pd.DataFrame:
    """WG-SS items for persons 5+: a few domains with a lot of difficulty for the disabled."""
    n = len(p)
    age = p["age"].to_numpy()
    prevalence = np.select([age < 18, age < 50, age < 65], [0.025, 0.035, 0.09], 0.22)
    prevalence = prevalence * np.where(p["wealth_quintile"] <= 2, 1.3, 0.85)
    disabled = (rng.random(n) < prevalence) & (age >= 5)
    some = np.clip(0.03 + 0.004 * np.maximum(age - 30, 0), 0, 0.35)
    items = np.where(rng.random((n, 6)) < some[:, None], 2, 1)
    main = rng.integers(0, 6, n)
    second = (main + rng.integers(1, 6, n)) % 6
    severe = np.where(rng.random(n) < 0.3, 4, 3)
    rows = np.arange(n)
    items[rows[disabled], main[disabled]] = severe[disabled]
    both = disabled & (rng.random(n) < 0.35)
    items[rows[both], second[both]] = 3
    items = np.where(rng.random((n, 6)) < 0.004, 9, items).astype(float)
    items[age < 5] = np.nan
    for k, item in enumerate(WG_ITEMS):
        p[item] = items[:, k]
    p["disab"] = disabled
    return p


def _covariates(frame: pd.DataFrame, head: bool = False) -> dict[str, np.ndarray]:
    """Model covariates; household-level ones use the head's education and legal identity."""
    rural = (frame["area"] == 2).to_numpy().astype(float)
    tamar = (frame["ethnicity"] == 2).to_numpy().astype(float)
    edu = frame["head_edu"] if head else frame["edu_index"]
    b40 = (frame["wealth_quintile"] <= 2).to_numpy().astype(float)
    return {
        "q": frame["wealth_quintile"].to_numpy() - 3.0,
        "rural": rural,
        "tamar": tamar,
        "kesh": (frame["ethnicity"] == 3).to_numpy().astype(float),
        "other": (frame["ethnicity"] == 4).to_numpy().astype(float),
        "b40": b40,
        "furthest": tamar * rural * b40,
        "edu": edu.to_numpy() - 1.5,
        "disab": frame["disab"].to_numpy().astype(float) if "disab" in frame else 0.0 * rural,
        "displaced": (frame["migration_status"] == 3).to_numpy().astype(float),
        "flood": frame["flood"].to_numpy().astype(float),
        "female": (frame["sex"] == 2).to_numpy().astype(float) if "sex" in frame else 0.0 * rural,
        "unreg": (frame["head_unreg"] if head else frame["unreg"]).to_numpy().astype(float),
    }


def _person_traits(rng: np.random.Generator, p: pd.DataFrame) -> pd.DataFrame:
    """Own education (25+) and legal identity (18+); younger persons take the head's."""
    n = len(p)
    age = p["age"].to_numpy()
    head = (p["line"] == 1).to_numpy()
    latent = (0.7 * p["wealth_score"] + 0.4 * (p["area"] == 1) - 0.35 * (p["ethnicity"] == 2)
              - 0.025 * (age - 40) - 0.3 * (p["sex"] == 2) + 0.3 * (p["head_edu"] - 1.5)
              - 0.5 * p["disab"] + rng.normal(0, 0.9, n))
    own = np.digitize(latent, [-0.8, 0.35, 1.6])
    p["edu_index"] = np.where(head, p["head_edu"], np.where(age >= 25, own, p["head_edu"]))
    p["education"] = np.where(rng.random(n) < 0.003, 9, p["edu_index"])
    p_unreg = 1 / (1 + np.exp(-(-3.0 + 1.0 * (p["ethnicity"] == 2) + 0.9 * (p["migration_status"] == 3)
                                + 0.5 * (p["area"] == 2) - 0.4 * p["wealth_score"])))
    own_unreg = rng.random(n) < p_unreg
    p["unreg"] = np.where(head, p["head_unreg"], np.where(age >= 18, own_unreg, p["head_unreg"]))
    p["legal_identity"] = np.where(p["unreg"], 2, 1)
    return p


def _person_outcomes(rng: np.random.Generator, year: int, p: pd.DataFrame) -> pd.DataFrame:
    n = len(p)
    age = p["age"].to_numpy()
    woman = (p["sex"] == 2).to_numpy() & (age >= 15) & (age <= 49)
    cov = _covariates(p)

    # Births in the last two years: peak at 20-34, more in poor, rural and Tamar households.
    base = np.select([age < 20, age < 35, age < 40, age < 45], [-2.0, -0.6, -1.4, -2.4], -3.8)
    eta = base - 0.15 * cov["q"] + 0.2 * cov["rural"] + 0.35 * cov["tamar"] - 0.1 * (year == 2024)
    birth = woman & (rng.random(n) < 1 / (1 + np.exp(-eta)))
    p["birth_last2y"] = np.where(woman, birth.astype(float), np.nan)
    skilled = (rng.random(n) < _logit_p("sba", year, cov)).astype(int)
    attendant = _with_missing(rng, _draw_codes(rng, skilled, SBA_CODES), 0.006, 99)
    p["birth_attendant"] = np.where(birth, attendant, np.nan)

    under5 = age < 5
    # HAZ: normal around a mean set so that P(HAZ < -2) follows the stunting model.
    mean = -2 - HAZ_SD * ndtri(_logit_p("stunting", year, cov))
    haz = np.round(mean + HAZ_SD * rng.standard_normal(n), 2)
    haz = _with_missing(rng, np.clip(haz, -5.9, 5.9), 0.03, 99.98, other=(0.01, 99.99))
    p["haz"] = np.where(under5, haz, np.nan)
    reg = (rng.random(n) < _logit_p("birth_reg", year, cov)).astype(int)
    p["birth_registered"] = np.where(under5, _with_missing(rng, reg, 0.015, 8, other=(0.004, 9)), np.nan)

    married = (rng.random(n) < _logit_p("child_marriage", year, cov)).astype(int)
    married = np.where(age < 18, married * (rng.random(n) < (age - 11) / 7), married)
    p["married_before_18"] = np.where(woman, _with_missing(rng, married, 0.005, 9), np.nan)

    youth = (age >= 15) & (age <= 24)
    done = rng.random(n) < _logit_p("secondary", year, cov) * np.clip((age - 16) / 4, 0, 1)
    p["completed_secondary"] = np.where(
        youth, _with_missing(rng, done.astype(int), 0.008, 8, other=(0.004, 9)), np.nan)
    neet = rng.random(n) < _logit_p("neet", year, cov)
    studying = rng.random(n) < np.clip(1.2 - (age - 15) / 8, 0.05, 0.95)
    active = np.where(neet, np.where(rng.random(n) < 0.4, 4, 5),
                      np.where(studying, 2, np.where(rng.random(n) < 0.1, 3, 1)))
    p["activity"] = np.where(youth, _with_missing(rng, active, 0.005, 9), np.nan)

    adult = age >= 15
    account = (rng.random(n) < _logit_p("account", year, cov)).astype(int)
    p["has_account"] = np.where(adult, _with_missing(rng, account, 0.01, 8, other=(0.004, 9)), np.nan)
    online = (rng.random(n) < _logit_p("internet", year, cov)).astype(int)
    p["used_internet"] = np.where(adult, _with_missing(rng, online, 0.006, 9), np.nan)
    return p


# --- assembly ---------------------------------------------------------------------------

FILE_COLUMNS = [
    "cluster", "hh_id", "line", "stratum", "region", "district", "area", "flood_affected",
    "weight", "hh_size", "wealth_score", "wealth_quintile", "ethnicity", "migration_status",
    "legal_identity", "education", "sex", "age", *WG_ITEMS, "birth_last2y", "birth_attendant",
    "haz", "birth_registered", "married_before_18", "completed_secondary", "activity",
    "has_account", "used_internet", "water_source", "toilet_type", "cooking_fuel", "electricity",
]


def build_round(year: int) -> pd.DataFrame:
    """One survey round as a person-level frame of numeric codes (labels in `LABELS`)."""
    rng = np.random.default_rng([SEED, year])
    hh = _households(rng, year, _clusters(rng, year))
    # Normalise weights to mean 1 over persons, as DHS and MICS files do.
    hh["weight"] = np.round(hh["weight"] * hh["hh_size"].sum() / (hh["weight"] * hh["hh_size"]).sum(), 6)
    hh["wealth_quintile"] = _quintiles(hh)
    hh = _services(rng, year, hh)
    p = _persons(rng, hh)
    p = _disability(rng, p)
    p = _person_traits(rng, p)
    p = _person_outcomes(rng, year, p)
    p["wealth_score"] = np.round(p["wealth_score"], 3)
    p["flood_affected"] = np.where(p["flood"] == 1, 1, 2)
    return p[FILE_COLUMNS]


def _as_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """CSV form: categorical columns as label text; WG-SS items and indicators as codes."""
    out = frame.copy()
    for column, labels in LABELS.items():
        if column not in WG_ITEMS:
            out[column] = out[column].map(labels)
    return out


def write_round(frame: pd.DataFrame, year: int, out_dir: Path) -> Path:
    """2019 ships as CSV with label text; 2024 as SPSS .sav with value and column labels."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if year == 2019:
        path = out_dir / "persons_2019.csv"
        _as_labels(frame).to_csv(path, index=False, float_format="%.10g", lineterminator="\n")
        return path
    path = out_dir / f"persons_{year}.sav"
    value_labels = {**LABELS, **CODE_LABELS,
                    "stratum": strata()["label"].to_dict()}
    value_labels = {c: {float(k): v for k, v in lab.items()} for c, lab in value_labels.items()}
    pyreadstat.write_sav(
        frame.astype(float), path, file_label=f"Aruvia household survey {year} (fictional)",
        column_labels=COLUMN_LABELS, variable_value_labels=value_labels, row_compress=True,
    )
    _pin_sav_timestamp(path, year)
    return path


def _pin_sav_timestamp(path: Path, year: int) -> None:
    """Overwrite the creation date and time in the .sav header so reruns give identical bytes.

    The SPSS system-file header keeps them as text at bytes 92-108 ("dd Mmm yy" + "hh:mm:ss").
    """
    stamp = f"01 Jul {year % 100:02d}00:00:00".encode("ascii")
    with path.open("r+b") as fh:
        fh.seek(92)
        fh.write(stamp)


def generate(out_dir: Path = OUT_DIR) -> dict[int, Path]:
    """Write both rounds into `out_dir`; returns the file of each year."""
    return {year: write_round(build_round(year), year, Path(out_dir)) for year in YEARS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder to write (default: aruvia/)")
    for year, path in generate(parser.parse_args().out).items():
        print(f"{year}: {path} ({path.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
