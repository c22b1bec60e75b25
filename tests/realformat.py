"""Small synthetic DHS and MICS files with the quirks of the real ones, for tests.

Real microdata cannot ship with the tests, yet the code that reads it must meet what it is
really like. These generators write a few thousand seeded rows in the programmes' own
formats, variable names and codes:

- DHS: a children's recode `XXKR7AFL.DTA`, a household-members recode `XXPR7AFL.DTA` and a
  women's recode `XXIR7AFL.DTA` (upper-case suffixes), weights stored x 1,000,000, and the
  same concept under different names in different recodes (v190 / hv270, v024 / hv024);
- MICS: `ch.sav`, `hh.sav`, `hl.sav` and `wm.sav`, with zero weights where the interview
  was not completed (all answers blank) and items asked only when a gate item is "yes";
- both: value labels, labelled special codes (hw70 9996 "height out of plausible limits",
  HAZ2 99.97, "don't know" 8, "missing" 9), strata of region x residence, clusters as PSUs
  and one stratum holding a single PSU.

Everything is written into the folder given (a test's tmp_path); nothing large is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

REGIONS = {1: "North", 2: "East", 3: "South", 4: "West"}
WEALTH_DHS = {1: "poorest", 2: "poorer", 3: "middle", 4: "richer", 5: "richest"}
WEALTH_MICS = {1: "Poorest", 2: "Second", 3: "Middle", 4: "Fourth", 5: "Richest"}
CMC_INTERVIEW = 1432  # century month code of December 2019: (2019 - 1900) * 12 + 12
YEAR = 2019


@dataclass(frozen=True)
class Sample:
    """Households of a two-stage cluster sample: stratum, cluster and household characteristics."""

    households: pd.DataFrame


def _households(rng: np.random.Generator, clusters: int, per_cluster: int) -> Sample:
    """Clusters in strata of region x residence; stratum 8 (West, rural) gets a single cluster."""
    rows = []
    cluster_ids = np.arange(1, clusters + 1)
    for c in cluster_ids:
        if c == clusters:  # the lonely PSU: alone in its stratum
            region, urban = 4, 2
        else:
            region = int(rng.integers(1, 5))
            urban = 1 if rng.random() < 0.4 else 2
            if region == 4 and urban == 2:
                urban = 1
        stratum = (region - 1) * 2 + urban
        weight = rng.uniform(0.4, 2.5)
        for h in range(1, per_cluster + 1):
            wealth_score = rng.normal(0.6 if urban == 1 else -0.4, 1.0)
            rows.append((c, h, stratum, region, urban, weight, wealth_score))
    frame = pd.DataFrame(rows, columns=["cluster", "hh", "stratum", "region", "urban", "weight", "score"])
    frame["quintile"] = pd.qcut(frame["score"], 5, labels=False).astype(int) + 1
    return Sample(frame)


def _members(rng: np.random.Generator, sample: Sample) -> pd.DataFrame:
    """Household members: line number, sex and age; every household has an adult and most a child."""
    rows = []
    for hh in sample.households.itertuples(index=False):
        size = int(rng.integers(2, 8))
        ages = [int(rng.integers(20, 60))] + [int(a) for a in rng.choice(
            np.r_[rng.integers(0, 5, 3), rng.integers(5, 25, 4), rng.integers(15, 50, 3), rng.integers(50, 90, 1)],
            size - 1)]
        for line, age in enumerate(ages, start=1):
            rows.append((hh.cluster, hh.hh, line, int(rng.integers(1, 3)), age))
    members = pd.DataFrame(rows, columns=["cluster", "hh", "line", "sex", "age"])
    return members.merge(sample.households, on=["cluster", "hh"])


def _chance(rng: np.random.Generator, base: float, hh: pd.DataFrame, slope: float = 0.08) -> np.ndarray:
    """A yes/no answer more likely in richer, urban households (so disparities exist)."""
    p = np.clip(base + slope * (hh["quintile"].to_numpy() - 3) + 0.05 * (hh["urban"].to_numpy() == 1), 0.02, 0.98)
    return rng.random(len(hh)) < p


def _blank(values, keep: np.ndarray) -> np.ndarray:
    """Values where `keep` holds, NaN elsewhere (a question not asked)."""
    return np.where(keep, np.asarray(values, dtype=float), np.nan)


def _z_scores(rng: np.random.Generator, people: pd.DataFrame, scale: float,
              codes: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Height-for-age and weight-for-height z-scores with a few special codes; returns (haz, whz)."""
    base = -1.2 + 0.25 * (people["quintile"].to_numpy() - 3)
    haz = rng.normal(base, 1.1)
    whz = rng.normal(-0.3 + 0.1 * (people["quintile"].to_numpy() - 3), 1.0)
    out = []
    for z in (haz, whz):
        z = np.round(z * scale) if scale == 100 else np.round(z, 2)
        special = rng.random(len(z))
        z = np.where(special < 0.02, codes[0], np.where(special < 0.03, codes[1], np.where(special < 0.05, codes[2], z)))
        out.append(z)
    return out[0], out[1]


# --- DHS ----------------------------------------------------------------------------------

DHS_LABELS: dict[str, dict] = {
    "v024": REGIONS, "hv024": REGIONS,
    "v025": {1: "urban", 2: "rural"}, "hv025": {1: "urban", 2: "rural"},
    "v190": WEALTH_DHS, "hv270": WEALTH_DHS,
    "v106": {0: "no education", 1: "primary", 2: "secondary", 3: "higher"},
    "hv106": {0: "no education", 1: "primary", 2: "secondary", 3: "higher", 8: "don't know"},
    "hv104": {1: "male", 2: "female"}, "b4": {1: "male", 2: "female"},
    "b5": {0: "no", 1: "yes"},
    "hv105": {98: "don't know"},
    "hw70": {9996: "height out of plausible limits", 9997: "age in days out of plausible limits",
             9998: "flagged cases"},
    "hw72": {9996: "height out of plausible limits", 9997: "weight out of plausible limits",
             9998: "flagged cases"},
    "hc70": {9996: "height out of plausible limits", 9997: "age in days out of plausible limits",
             9998: "flagged cases"},
    "hc72": {9996: "height out of plausible limits", 9997: "weight out of plausible limits",
             9998: "flagged cases"},
    "m3a": {0: "no", 1: "yes", 9: "missing"}, "m3b": {0: "no", 1: "yes", 9: "missing"},
    "m3c": {0: "no", 1: "yes", 9: "missing"},
    "h3": {0: "no", 1: "vaccination date on card", 2: "reported by mother", 3: "vaccination marked on card",
           8: "don't know"},
    "h7": {0: "no", 1: "vaccination date on card", 2: "reported by mother", 3: "vaccination marked on card",
           8: "don't know"},
    "h9": {0: "no", 1: "vaccination date on card", 2: "reported by mother", 3: "vaccination marked on card",
           8: "don't know"},
    "hv201": {11: "piped into dwelling", 12: "piped to yard/plot", 13: "piped to neighbor", 14: "public tap/standpipe",
              21: "tube well or borehole", 31: "protected well", 32: "unprotected well", 41: "protected spring",
              42: "unprotected spring", 43: "river/dam/lake/ponds/stream/canal/irrigation channel",
              51: "rainwater", 61: "tanker truck", 62: "cart with small tank", 71: "bottled water", 96: "other"},
    "hv205": {11: "flush to piped sewer system", 12: "flush to septic tank", 13: "flush to pit latrine",
              14: "flush to somewhere else", 21: "ventilated improved pit latrine (vip)", 22: "pit latrine with slab",
              23: "pit latrine without slab/open pit", 31: "no facility/bush/field", 41: "composting toilet",
              42: "bucket toilet", 43: "hanging toilet/latrine", 96: "other"},
    "hv225": {0: "no", 1: "yes"},
    "hv206": {0: "no", 1: "yes"},
    "hv121": {0: "no", 1: "currently attending", 2: "attended at some time", 8: "don't know"},
    "hv140": {0: "neither certificate or registered", 1: "has certificate", 2: "registered",
              8: "don't know"},
    "v313": {0: "no method", 1: "folkloric method", 2: "traditional method", 3: "modern method"},
    "v502": {0: "never in union", 1: "currently in union/living with a man", 2: "formerly in union/living with a man"},
    "v171a": {0: "never", 1: "yes, last 12 months", 2: "yes, before last 12 months", 3: "yes, can't establish when"},
    "v169a": {0: "no", 1: "yes"},
    "v170": {0: "no", 1: "yes"},
    "hv015": {1: "completed", 2: "no household member at home", 3: "entire household absent for extended period"},
    "v015": {1: "completed"},
}
IMPROVED_WATER_DHS = [11, 12, 13, 14, 21, 31, 41, 51, 61, 62, 71]
UNIMPROVED_WATER_DHS = [32, 42, 43, 96]
IMPROVED_TOILET_DHS = [11, 12, 13, 21, 22, 41]
UNIMPROVED_TOILET_DHS = [14, 23, 42, 43, 96]


def write_dhs(folder: str | Path, seed: int = 12, clusters: int = 40, per_cluster: int = 12) -> dict[str, Path]:
    """Write the KR, PR and IR recodes of a fictional DHS into `folder`; returns {"KR": path, ...}."""
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sample = _households(rng, clusters, per_cluster)
    members = _members(rng, sample)
    hh_weight = np.round(members["weight"].to_numpy() * 1e6)
    water_improved = _chance(rng, 0.75, members)
    toilet_improved = _chance(rng, 0.55, members)
    water = np.where(water_improved, rng.choice(IMPROVED_WATER_DHS, len(members)),
                     rng.choice(UNIMPROVED_WATER_DHS, len(members)))
    toilet = np.where(toilet_improved, rng.choice(IMPROVED_TOILET_DHS, len(members)),
                      np.where(rng.random(len(members)) < 0.4, 31, rng.choice(UNIMPROVED_TOILET_DHS, len(members))))
    # whole households share their water and toilet: the first member's draw holds for all
    for name, values in (("water", water), ("toilet", toilet)):
        members[name] = values
        members[name] = members.groupby(["cluster", "hh"])[name].transform("first")
    age = members["age"].to_numpy()
    age_reported = np.where(rng.random(len(members)) < 0.005, 98, age)
    under5 = age < 5
    school_age = (age >= 5) & (age <= 24)
    education = np.where(age < 6, np.nan,
                         np.minimum(3, np.maximum(0, np.round(rng.normal(1.2 + 0.3 * (members["quintile"] - 3), 0.9)))))
    education = np.where((age >= 6) & (rng.random(len(members)) < 0.01), 8, education)
    attending = np.where(_chance(rng, 0.8, members), rng.choice([1, 2], len(members), p=[0.9, 0.1]), 0)
    attending = np.where(rng.random(len(members)) < 0.005, 8, attending)
    registered = np.where(_chance(rng, 0.7, members), rng.choice([1, 2], len(members)), 0)
    registered = np.where(rng.random(len(members)) < 0.02, 8, registered)
    haz, whz = _z_scores(rng, members, 100, (9996, 9997, 9998))
    measured = under5 & (rng.random(len(members)) < 0.9)
    shared = rng.random(len(members)) < 0.25
    pr = pd.DataFrame({
        "hhid": [f"{c:4d}{h:4d}" for c, h in zip(members["cluster"], members["hh"])],
        "hv001": members["cluster"], "hv002": members["hh"], "hvidx": members["line"],
        "hv005": hh_weight, "hv007": YEAR, "hv015": 1,
        "hv021": members["cluster"], "hv022": members["stratum"], "hv023": members["stratum"],
        "hv024": members["region"], "hv025": members["urban"], "hv270": members["quintile"],
        "hv102": 1, "hv103": np.where(rng.random(len(members)) < 0.97, 1, 0),
        "hv104": members["sex"], "hv105": age_reported, "hv106": education,
        "hv121": _blank(attending, school_age),
        "hv140": _blank(registered, under5),
        "hv201": members["water"], "hv205": members["toilet"],
        # shared toilet is asked only of households with a facility (skip pattern)
        "hv225": _blank(shared.astype(int), members["toilet"].to_numpy() != 31),
        "hv206": _chance(rng, 0.6, members).astype(int),
        "hc70": _blank(haz, measured), "hc72": _blank(whz, measured),
    })

    # women 15-49 of each household answer the women's questionnaire; their births make the KR
    women = members[(members["sex"] == 2) & (members["age"] >= 15) & (members["age"] <= 49)].reset_index(drop=True)
    women_weight = np.round(women["weight"].to_numpy() * rng.uniform(0.95, 1.05, len(women)) * 1e6)
    union = np.where(women["age"] < 18, rng.choice([0, 1], len(women), p=[0.85, 0.15]),
                     rng.choice([0, 1, 2], len(women), p=[0.25, 0.65, 0.10]))
    first_union_age = np.where(union > 0, np.clip(np.round(rng.normal(19 - 0.6 * (3 - women["quintile"]), 2.5)), 12,
                                                   women["age"]), np.nan)
    method = np.where(union == 1, rng.choice([0, 1, 2, 3], len(women), p=[0.55, 0.02, 0.08, 0.35]), 0)
    education_w = np.minimum(3, np.maximum(0, np.round(rng.normal(1.3 + 0.35 * (women["quintile"] - 3), 0.9))))
    common = {
        "v001": women["cluster"], "v002": women["hh"], "v003": women["line"], "v005": women_weight,
        "v007": YEAR, "v008": CMC_INTERVIEW, "v012": women["age"], "v015": 1,
        "v021": women["cluster"], "v022": women["stratum"], "v023": women["stratum"],
        "v024": women["region"], "v025": women["urban"], "v106": education_w, "v190": women["quintile"],
    }
    ir = pd.DataFrame({
        "caseid": [f"{c:4d}{h:4d}{ln:3d}" for c, h, ln in zip(women["cluster"], women["hh"], women["line"])],
        **common,
        "v313": method, "v502": union, "v511": first_union_age,
        "v171a": np.where(_chance(rng, 0.45, women, 0.12), 1, rng.choice([0, 2], len(women), p=[0.8, 0.2])),
        "v169a": _chance(rng, 0.7, women).astype(int), "v170": _chance(rng, 0.35, women, 0.1).astype(int),
    })

    births = rng.choice([0, 1, 2], len(women), p=[0.5, 0.38, 0.12])
    mother = np.repeat(np.arange(len(women)), births)
    kr_women = ir.iloc[mother].reset_index(drop=True)
    n = len(kr_women)
    age_months = rng.integers(0, 60, n)
    alive = rng.random(n) < 0.96
    living_under5 = alive
    skilled = _chance(rng, 0.65, women.iloc[mother].reset_index(drop=True))
    who = rng.choice(["a", "b", "c"], n, p=[0.4, 0.5, 0.1])
    vaccinated = _chance(rng, 0.75, women.iloc[mother].reset_index(drop=True))
    card = rng.choice([1, 2, 3], n, p=[0.6, 0.3, 0.1])
    def vaccine(p_extra: float) -> np.ndarray:
        got = vaccinated & (rng.random(n) < p_extra)
        answer = np.where(got, card, 0)
        answer = np.where(rng.random(n) < 0.02, 8, answer)
        return _blank(answer, living_under5)
    kr_haz, kr_whz = _z_scores(rng, women.iloc[mother].reset_index(drop=True), 100, (9996, 9997, 9998))
    kr_measured = living_under5 & (rng.random(n) < 0.9)
    m3_missing = rng.random(n) < 0.01
    kr = pd.DataFrame({
        **{k: np.asarray(v)[mother] if np.ndim(v) else v for k, v in common.items()},
        "caseid": ir["caseid"].to_numpy()[mother],
        "midx": np.ones(n, dtype=int), "bidx": np.ones(n, dtype=int),
        "b3": CMC_INTERVIEW - age_months, "b4": rng.integers(1, 3, n), "b5": alive.astype(int),
        "hw70": _blank(kr_haz, kr_measured), "hw72": _blank(kr_whz, kr_measured),
        "m3a": np.where(m3_missing, 9, (skilled & (who == "a")).astype(int)),
        "m3b": np.where(m3_missing, 9, (skilled & (who == "b")).astype(int)),
        "m3c": np.where(m3_missing, 9, (skilled & (who == "c")).astype(int)),
        "h3": vaccine(0.98), "h7": vaccine(0.85), "h9": vaccine(0.8),
    })
    paths = {"KR": folder / "XXKR7AFL.DTA", "PR": folder / "XXPR7AFL.DTA", "IR": folder / "XXIR7AFL.DTA"}
    for key, frame in (("KR", kr), ("PR", pr), ("IR", ir)):
        _write(frame, paths[key], DHS_LABELS, stata=True)
    return paths


# --- MICS ---------------------------------------------------------------------------------

MICS_LABELS: dict[str, dict] = {
    "HH6": {1: "Urban", 2: "Rural"}, "HH7": REGIONS, "windex5": WEALTH_MICS,
    "HL4": {1: "Male", 2: "Female", 9: "No response"},
    "melevel": {0: "Pre-primary or none", 1: "Primary", 2: "Secondary", 3: "Higher", 9: "Missing/DK"},
    "welevel": {0: "Pre-primary or none", 1: "Primary", 2: "Secondary", 3: "Higher"},
    "helevel": {0: "Pre-primary or none", 1: "Primary", 2: "Secondary", 3: "Higher", 9: "Missing/DK"},
    "HH46": {1: "Completed", 2: "No household member at home", 3: "Entire household absent", 4: "Refused"},
    "UF17": {1: "Completed", 2: "Not at home", 3: "Refused", 4: "Partly completed", 5: "Incapacitated"},
    "WM17": {1: "Completed", 2: "Not at home", 3: "Refused", 4: "Partly completed"},
    "BR1": {1: "Yes, seen", 2: "Yes, not seen", 3: "No", 8: "DK"},
    "BR2": {1: "Yes", 2: "No", 8: "DK"},
    "UB7": {1: "Yes", 2: "No", 8: "DK"},
    "UB8": {1: "Yes", 2: "No", 8: "DK"},
    "HAZ2": {99.97: "Out of range", 99.98: "Flagged", 99.99: "Missing"},
    "WHZ2": {99.97: "Out of range", 99.98: "Flagged", 99.99: "Missing"},
    "HAZFLAG": {0: "Not flagged", 1: "Flagged"},
    "WHZFLAG": {0: "Not flagged", 1: "Flagged"},
    "cdisability": {1: "Has functional difficulty", 2: "Has no functional difficulty"},
    "disability": {1: "Has functional difficulty", 2: "Has no functional difficulty"},
    "WS1": {11: "Piped into dwelling", 12: "Piped to yard / plot", 13: "Piped to neighbour",
            14: "Public tap / standpipe", 21: "Tube well / borehole", 31: "Protected well", 32: "Unprotected well",
            41: "Protected spring", 42: "Unprotected spring", 51: "Rainwater collection", 61: "Tanker-truck",
            71: "Cart with small tank / drum", 72: "Water kiosk", 81: "Surface water", 91: "Bottled water",
            92: "Sachet water", 96: "Other", 99: "No response"},
    "WS11": {11: "Flush to piped sewer system", 12: "Flush to septic tank", 13: "Flush to pit latrine",
             14: "Flush to open drain", 18: "Flush to DK where", 21: "Ventilated improved pit latrine",
             22: "Pit latrine with slab", 23: "Pit latrine without slab / Open pit", 31: "Composting toilet",
             41: "Bucket", 51: "Hanging toilet / Hanging latrine", 95: "No facility / Bush / Field", 96: "Other",
             99: "No response"},
    "WS15": {1: "Yes", 2: "No", 9: "No response"},
    "HC8": {1: "Yes, interconnected grid", 2: "Yes, off-grid", 3: "No", 9: "No response"},
    "ED4": {1: "Yes", 2: "No", 8: "DK"},
    "ED9": {1: "Yes", 2: "No", 8: "DK"},
    "MSTATUS": {1: "Currently married/in union", 2: "Formerly married/in union", 3: "Never married/in union"},
    "CP2": {1: "Yes", 2: "No", 9: "No response"},
    "MT9": {1: "Yes", 2: "No"},
    "MT10": {0: "Not at all", 1: "Less than once a week", 2: "At least once a week", 3: "Almost every day"},
}
IMPROVED_WATER_MICS = [11, 12, 13, 14, 21, 31, 41, 51, 61, 71, 72, 91, 92]
UNIMPROVED_WATER_MICS = [32, 42, 81, 96]
IMPROVED_TOILET_MICS = [11, 12, 13, 18, 21, 22, 31]
UNIMPROVED_TOILET_MICS = [14, 23, 41, 51, 96]
MODERN_METHODS = "ABCDEFGHIJK"


def write_mics(folder: str | Path, seed: int = 6, clusters: int = 40, per_cluster: int = 15) -> dict[str, Path]:
    """Write ch.sav, hh.sav, hl.sav and wm.sav of a fictional MICS into `folder`; returns {"ch": path, ...}."""
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sample = _households(rng, clusters, per_cluster)
    hh = sample.households.copy()
    done = rng.random(len(hh)) < 0.95
    hh_result = np.where(done, 1, rng.choice([2, 3, 4], len(hh)))
    # every cluster keeps a completed interview, so no PSU is empty
    hh_result[hh.groupby("cluster").head(1).index] = 1
    done = hh_result == 1
    water_improved = _chance(rng, 0.8, hh)
    toilet = np.where(_chance(rng, 0.6, hh), rng.choice(IMPROVED_TOILET_MICS, len(hh)),
                      np.where(rng.random(len(hh)) < 0.4, 95, rng.choice(UNIMPROVED_TOILET_MICS, len(hh))))
    design = {"HH1": hh["cluster"], "HH2": hh["hh"], "HH6": hh["urban"], "HH7": hh["region"],
              "stratum": hh["stratum"], "PSU": hh["cluster"], "windex5": hh["quintile"]}
    head_education = rng.choice([0, 1, 2, 3], len(hh), p=[0.25, 0.35, 0.3, 0.1])
    hh_sav = pd.DataFrame({
        **design, "HH5Y": YEAR, "HH46": hh_result, "HH48": np.where(done, rng.integers(2, 8, len(hh)), np.nan),
        "hhweight": np.where(done, np.round(hh["weight"], 6), 0.0),
        "helevel": _blank(head_education, done),
        "WS1": _blank(np.where(water_improved, rng.choice(IMPROVED_WATER_MICS, len(hh)),
                               rng.choice(UNIMPROVED_WATER_MICS, len(hh))), done),
        "WS11": _blank(toilet, done),
        # shared facility: asked only where there is a facility (skip pattern)
        "WS15": _blank(np.where(rng.random(len(hh)) < 0.2, 1, 2), done & (toilet != 95)),
        "HC8": _blank(np.where(_chance(rng, 0.65, hh), rng.choice([1, 2], len(hh), p=[0.9, 0.1]), 3), done),
    })

    members = _members(rng, Sample(hh[done].reset_index(drop=True)))
    mem = members.merge(hh_sav[["HH1", "HH2", "hhweight", "HH46", "helevel"]],
                        left_on=["cluster", "hh"], right_on=["HH1", "HH2"])
    age = mem["age"].to_numpy()
    asked = (age >= 3) & (age <= 24)
    ever = np.where(_chance(rng, 0.85, mem), 1, 2)
    hl = pd.DataFrame({
        "HH1": mem["cluster"], "HH2": mem["hh"], "HL1": mem["line"], "HH6": mem["urban"], "HH7": mem["region"],
        "stratum": mem["stratum"], "PSU": mem["cluster"], "windex5": mem["quintile"], "HH46": mem["HH46"],
        "hhweight": mem["hhweight"], "helevel": mem["helevel"], "HL4": mem["sex"], "HL6": age,
        "ED4": _blank(ever, asked),
        # attendance this school year: asked only of those who ever attended (skip pattern)
        "ED9": _blank(np.where(rng.random(len(mem)) < 0.9, 1, 2), asked & (ever == 1)),
    })

    children = mem[age < 5].reset_index(drop=True)
    ch = _mics_children(rng, children)
    women = mem[(mem["sex"] == 2) & (age >= 15) & (age <= 49)].reset_index(drop=True)
    wm = _mics_women(rng, women)
    paths = {key: folder / f"{key}.sav" for key in ("ch", "hh", "hl", "wm")}
    for key, frame in (("ch", ch), ("hh", hh_sav), ("hl", hl), ("wm", wm)):
        _write(frame, paths[key], MICS_LABELS, stata=False)
    return paths


def _mics_children(rng: np.random.Generator, kids: pd.DataFrame) -> pd.DataFrame:
    """ch.sav: one row per child under 5; incomplete interviews keep weight 0 and blank answers."""
    n = len(kids)
    result = np.where(rng.random(n) < 0.9, 1, rng.choice([2, 3, 4, 5], n))
    done = result == 1
    months = kids["age"].to_numpy() * 12 + rng.integers(0, 12, n)
    certificate = np.where(_chance(rng, 0.55, kids), rng.choice([1, 2], n), np.where(rng.random(n) < 0.05, 8, 3))
    registered = np.where(_chance(rng, 0.4, kids), 1, np.where(rng.random(n) < 0.05, 8, 2))
    ever_ece = np.where(_chance(rng, 0.35, kids, 0.1), 1, 2)
    ever_ece = np.where(rng.random(n) < 0.01, 8, ever_ece)
    haz, whz = _z_scores(rng, kids, 1, (99.97, 99.98, 99.99))
    flagged = rng.random(n) < 0.03
    ece_age = months >= 36
    return pd.DataFrame({
        "HH1": kids["cluster"], "HH2": kids["hh"], "LN": kids["line"], "HH6": kids["urban"], "HH7": kids["region"],
        "stratum": kids["stratum"], "PSU": kids["cluster"], "windex5": kids["quintile"],
        "UF7Y": YEAR, "UF17": result, "chweight": np.where(done, kids["hhweight"] * rng.uniform(0.9, 1.1, n), 0.0),
        "HL4": kids["sex"], "CAGE": months,
        "melevel": _blank(np.where(rng.random(n) < 0.01, 9, rng.choice([0, 1, 2, 3], n, p=[0.3, 0.35, 0.25, 0.1])), done),
        "BR1": _blank(certificate, done),
        # registration with the civil authority: asked only when there is no certificate
        "BR2": _blank(registered, done & np.isin(certificate, [3, 8])),
        "UB7": _blank(ever_ece, done & ece_age),
        # current attendance: asked only of children who ever attended (skip pattern)
        "UB8": _blank(np.where(rng.random(n) < 0.8, 1, 2), done & ece_age & (ever_ece == 1)),
        "HAZ2": _blank(haz, done), "HAZFLAG": _blank(flagged.astype(int), done),
        "WHZ2": _blank(whz, done), "WHZFLAG": _blank(flagged.astype(int), done),
        "cdisability": _blank(np.where(rng.random(n) < 0.1, 1, 2), done & (months >= 24)),
    })


def _mics_women(rng: np.random.Generator, women: pd.DataFrame) -> pd.DataFrame:
    """wm.sav: women 15-49; modern methods as letters in CP4A-CP4K, as MICS stores them."""
    n = len(women)
    result = np.where(rng.random(n) < 0.92, 1, rng.choice([2, 3, 4], n))
    done = result == 1
    age = women["age"].to_numpy()
    status = np.where(age < 18, rng.choice([1, 3], n, p=[0.15, 0.85]), rng.choice([1, 2, 3], n, p=[0.6, 0.1, 0.3]))
    first_union = np.where(status < 3, np.clip(np.round(rng.normal(19 - 0.6 * (3 - women["quintile"]), 2.5)), 12, age),
                           np.nan)
    using = np.where(status == 1, np.where(_chance(rng, 0.4, women), 1, 2), np.where(rng.random(n) < 0.1, 1, 2))
    modern = using == 1
    letter = rng.choice(list(MODERN_METHODS), n)
    ever_internet = np.where(_chance(rng, 0.5, women, 0.12), 1, 2)
    frame = pd.DataFrame({
        "HH1": women["cluster"], "HH2": women["hh"], "LN": women["line"], "HH6": women["urban"],
        "HH7": women["region"], "stratum": women["stratum"], "PSU": women["cluster"], "windex5": women["quintile"],
        "WM6Y": YEAR, "WM17": result, "wmweight": np.where(done, women["hhweight"] * rng.uniform(0.9, 1.1, n), 0.0),
        "WB4": age, "welevel": _blank(rng.choice([0, 1, 2, 3], n, p=[0.2, 0.35, 0.35, 0.1]), done),
        "MSTATUS": _blank(status, done), "WAGEM": _blank(first_union, done & (status < 3)),
        "CP2": _blank(using, done),
        "MT9": _blank(ever_internet, done),
        # frequency in the last 3 months: asked only of women who ever used the internet
        "MT10": _blank(rng.choice([0, 1, 2, 3], n, p=[0.2, 0.2, 0.3, 0.3]), done & (ever_internet == 1)),
        "disability": _blank(np.where(rng.random(n) < 0.08, 1, 2), done),
    })
    for m in MODERN_METHODS:
        frame[f"CP4{m}"] = np.where(done & modern & (letter == m), m, "")
    return frame


def _write(frame: pd.DataFrame, path: Path, labels: dict[str, dict], *, stata: bool) -> None:
    """Write with value labels for the columns that have them, as the programmes ship them."""
    present = {col: vl for col, vl in labels.items() if col in frame.columns}
    if stata:
        pyreadstat.write_dta(frame, str(path), variable_value_labels=present, version=15)
    else:
        pyreadstat.write_sav(frame, str(path), variable_value_labels=present)
