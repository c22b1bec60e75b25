"""Benchmark: Step 2/3/5 logic at workshop-plus scale.

Run: python benchmarks/bench_steps235.py
Target: each operation under 1 s for 1,000 left-behind groups, 300 actions, 500
recommendations and 200 consultations (a real analysis has tens of each, so the apps stay
instant); best of 3.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from lnob_helpers.accountability.models import Step5Accountability
from lnob_helpers.accountability.participation import who_is_not_participating
from lnob_helpers.accountability.recommendations import (RecommendationsFile, read_recommendations_csv,
                                                         recommendation_coverage)
from lnob_helpers.what.coverage import check_coverage
from lnob_helpers.what.models import Step3What
from lnob_helpers.what.prioritise import prioritise_actions
from lnob_helpers.why.models import Step2Why, load_step2, save_step2
from lnob_helpers.why.prioritise import prioritise_groups

TARGET_SECONDS = 1.0
REPEATS = 3
REGIONS = ["Capital", "Northern Coast", "Southern Plains", "Eastern Highlands", "Western Valleys",
           "Lake District", "Central Plateau", "Delta", "Islands"]
ETHNICITY = ["Aruvian", "Tamar", "Kesh", "Other"]


def groups(n: int, rng: np.random.Generator) -> pd.DataFrame:
    region = rng.choice(REGIONS, n)
    ethnicity = rng.choice(ETHNICITY, n)
    sex = rng.choice(["Female", "Male"], n)
    ids = pd.Series([f"region={r} & ethnicity={e} & sex={s} & k={i}" for i, (r, e, s) in enumerate(zip(region, ethnicity, sex))])
    return pd.DataFrame({
        "group_id": ids, "label": ids, "n_indicators": rng.integers(1, 12, n), "indicators": "a;b",
        "factors": rng.choice(["shocks", "geography;discrimination", "socioeconomic"], n),
        "n_factors": rng.integers(1, 5, n), "max_gap": rng.uniform(-5, 40, n), "mean_gap": rng.uniform(0, 20, n),
        "population_share": rng.uniform(0, 0.2, n), "furthest_behind": rng.random(n) < 0.1,
    })


def best(fn) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(2024)
    lb = groups(1000, rng)
    causes = [{"id": f"c{i}", "text": f"cause {i}", "level": "immediate"} for i in range(20)]
    causes += [{"id": f"u{i}", "text": f"cause u{i}", "level": "underlying", "parent": f"c{i % 20}"} for i in range(40)]
    causes += [{"id": f"r{i}", "text": f"cause r{i}", "level": "root", "parent": f"u{i % 40}"} for i in range(40)]
    step2 = Step2Why.model_validate({"problem_trees": [{"title": "t", "manifestation": "m", "causes": causes}],
                                     "actors": [{"id": "moh", "name": "MoH", "kind": "duty_bearer", "level": "national"}]})
    cause_ids = [c["id"] for c in causes]
    step3 = Step3What.model_validate({"actions": [{
        "title": f"Action {i}", "area": "services", "cause_ids": list(rng.choice(cause_ids, 3)),
        "group_ids": [f"region={rng.choice(REGIONS)}", f"ethnicity={rng.choice(ETHNICITY)}"],
        "sdg_targets": ["1.3", "10.2"], "feasibility": int(rng.integers(1, 6))} for i in range(300)]})
    evidence = pd.DataFrame({"group_id": [f"ethnicity={e}" for e in rng.choice(ETHNICITY, 300)],
                             "source_type": rng.choice(["consultation", "official_statistics"], 300)})
    step5 = Step5Accountability.model_validate({"consultations": [{
        "title": f"Consultation {i}", "date": "2024-01-01", "method": "workshop",
        "group_ids": [f"region={rng.choice(REGIONS)}"]} for i in range(200)]})
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "recs.csv"
        pd.DataFrame({"mechanism": "UPR", "date": "2023-01-01", "text": [f"Recommendation {i}" for i in range(500)],
                      "sdg_targets": "10.3", "affected_groups": [f"ethnicity={e}" for e in rng.choice(ETHNICITY, 500)]}
                     ).to_csv(csv, index=False)
        recs = RecommendationsFile(recommendations=read_recommendations_csv(csv))
        step2_path = Path(tmp) / "step2_why.yaml"
        timings = {
            "prioritise 1,000 groups": best(lambda: prioritise_groups(lb, evidence=evidence)),
            "prioritise 300 actions": best(lambda: prioritise_actions(step3, step2, lb)),
            "coverage of 300 actions": best(lambda: check_coverage(step3, step2, lb)),
            "read 500 recommendations": best(lambda: read_recommendations_csv(csv)),
            "who is not participating": best(lambda: who_is_not_participating(step5.consultations, lb)),
            "save + load step2 (100 causes)": best(lambda: (save_step2(step2_path, step2), load_step2(step2_path))),
            "recommendation coverage": best(lambda: recommendation_coverage(recs, step3, lb)),
        }
    for name, seconds in timings.items():
        flag = "ok" if seconds <= TARGET_SECONDS else "SLOW"
        print(f"{name:<34} {seconds:7.3f} s  (target {TARGET_SECONDS:.1f} s) {flag}")


if __name__ == "__main__":
    main()
