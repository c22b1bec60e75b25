"""Benchmark: census-size microdata on one machine (issue 15), `lnob tables` and `lnob validate`.

Run: python benchmarks/bench_census.py [--sizes 1000000,10000000]
Data: `census_data.census_folder` (16 indicators, 8 circumstances, Parquet), generated on first use
into $LNOB_BENCH_DATA or the temporary folder and reused after.

Each command runs as a process of its own; its time and peak memory are of its whole process
tree (`process_tree.run_measured`), interpreter start and written outputs included. The limit
is measured in the same run, in a process of its own, timing only its work: a pyarrow read of
the used columns, factorising the circumstances and one weighted bincount per table.

Targets (2 cores, 24 GB): 10M rows, 128 one-way tables from Parquet: at most 2x the limit and
at most 1.5 GB for the process tree; `lnob validate` on 10M rows: at most 15 s. Runs one
command at a time, so no two large jobs share the machine's memory.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from census_data import census_folder  # noqa: E402
from process_tree import run_measured  # noqa: E402

LNOB = [sys.executable, "-m", "lnob_helpers.cli"]
TARGET_RATIO = 2.0
TARGET_PEAK_MB = 1536
TARGET_VALIDATE_S = 15.0
TARGET_ROWS = 10_000_000


def limit(folder: Path, depth: int) -> dict:
    """Seconds for the bare work of the tables: read, factorise, one weighted bincount per table."""
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq
    import yaml

    spec = yaml.safe_load((folder / "analysis.yaml").read_text())
    circumstances = [c.get("column") or c["derive"]["column"] for c in spec["circumstances"]]
    indicators = [i["column"] for i in spec["indicators"]]
    start = time.perf_counter()
    table = pq.read_table(folder / "persons.parquet", columns=["weight", *circumstances, *indicators])
    codes = []
    for column in circumstances:
        code, uniques = pd.factorize(table.column(column).to_pandas())
        codes.append((code.astype(np.int64) + 1, len(uniques) + 1))
    if depth == 2:
        codes += [(a * kb + b, ka * kb) for (a, ka), (b, kb) in itertools.combinations(codes[:len(circumstances)], 2)]
    weight = table.column("weight").to_numpy()
    tables = 0
    for column in indicators:
        y = table.column(column).to_numpy(zero_copy_only=False).astype(float)
        wy = weight * np.nan_to_num(y)
        for code, size in codes:
            np.bincount(code, weights=wy, minlength=size)
            tables += 1
    return {"seconds": time.perf_counter() - start, "tables": tables}


def compare(folder: Path, depth: int) -> dict:
    """The streamed table against the in-memory engine's on the same data: largest differences."""
    import numpy as np

    from lnob_helpers.config import load_analysis
    from lnob_helpers.disaggregate import disaggregate, disaggregate_streamed
    from lnob_helpers.rounds import load_round

    analysis = load_analysis(folder)
    streamed = disaggregate_streamed(analysis, depth=depth)
    loaded = disaggregate(load_round(analysis), depth=depth)
    worst = {}
    for column in ("estimate", "se", "ci_lb", "ci_ub", "population", "share"):
        a, b = streamed[column].to_numpy(float), loaded[column].to_numpy(float)
        same_gaps = bool((np.isnan(a) == np.isnan(b)).all())
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.abs(a - b) / np.maximum(np.abs(b), 1e-300)
        worst[column] = float(np.nanmax(rel)) if same_gaps else float("inf")
    same = {c: bool((streamed[c].astype(str) == loaded[c].astype(str)).all()) for c in ("n", "flag", "group_id")}
    return {"rows": len(loaded), "worst_relative": worst, "identical": same}


def _limit_measured(folder: Path, depth: int) -> tuple[float, float]:
    run = run_measured([sys.executable, __file__, "--limit", str(folder), str(depth)])
    if run.returncode:
        raise SystemExit(f"limit failed:\n{run.output}")
    return json.loads(run.output.strip().splitlines()[-1])["seconds"], run.peak_rss_mb


def _lnob(*args: str):
    run = run_measured([*LNOB, *args], env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if run.returncode:
        raise SystemExit(f"lnob {' '.join(args)} failed:\n{run.output}")
    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default=f"1000000,{TARGET_ROWS}")
    parser.add_argument("--compare", action="store_true",
                        help="also check the one-way tables against the in-memory engine (10M rows: ~5 GB, minutes)")
    parser.add_argument("--limit", nargs=2, metavar=("FOLDER", "DEPTH"), help=argparse.SUPPRESS)
    parser.add_argument("--compare-only", nargs=2, metavar=("FOLDER", "DEPTH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.limit:
        print(json.dumps(limit(Path(args.limit[0]), int(args.limit[1]))))
        return
    if args.compare_only:
        print(json.dumps(compare(Path(args.compare_only[0]), int(args.compare_only[1]))))
        return
    print(f"{'rows':>11}  {'job':<28}{'time':>8}  {'peak (tree)':>11}  {'limit':>7}  {'ratio':>5}  target")
    for rows in (int(s) for s in args.sizes.split(",")):
        folder = census_folder(rows)
        validate = _lnob("validate", str(folder))
        big = rows >= TARGET_ROWS
        target = f"<= {TARGET_VALIDATE_S:.0f} s ({'met' if validate.seconds <= TARGET_VALIDATE_S else 'MISSED'})" \
            if big else ""
        print(f"{rows:>11,}  {'lnob validate':<28}{validate.seconds:7.1f}s  {validate.peak_rss_mb:8.0f} MB"
              f"  {'':>7}  {'':>5}  {target}")
        for depth, name in ((1, "one-way (128 tables)"), (2, "one- and two-way (576)")):
            seconds, peak = _limit_measured(folder, depth)
            run = _lnob("tables", str(folder), *(["--one-way"] if depth == 1 else []))
            ratio = run.seconds / seconds
            target = ""
            if big and depth == 1:
                met = ratio <= TARGET_RATIO and run.peak_rss_mb <= TARGET_PEAK_MB
                target = f"<= {TARGET_RATIO:.0f}x and <= {TARGET_PEAK_MB} MB ({'met' if met else 'MISSED'})"
            print(f"{rows:>11,}  {'lnob tables ' + name:<28}{run.seconds:7.1f}s  {run.peak_rss_mb:8.0f} MB"
                  f"  {seconds:6.1f}s  {ratio:5.2f}  {target}")
            print(f"{'':>11}  {'  limit, same tables':<28}{seconds:7.1f}s  {peak:8.0f} MB")
        if args.compare:
            run = run_measured([sys.executable, __file__, "--compare-only", str(folder), "1"])
            found = json.loads(run.output.strip().splitlines()[-1])
            worst = max(found["worst_relative"].values())
            print(f"{'':>11}  streamed = in-memory engine on {found['rows']:,} rows: largest relative difference "
                  f"{worst:.1e}; n, flags and groups identical: {all(found['identical'].values())}")


if __name__ == "__main__":
    main()
