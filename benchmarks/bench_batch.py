"""Benchmark: a batch of 10 generated countries, local process pool against a Dask LocalCluster.

Run: python benchmarks/bench_batch.py [COUNTRIES]
The countries are renamed copies of the sample (`synthetic_countries.py`), full size (about
25,000 people per round, two rounds), built as HTML reports by `lnob report` in its own process:
once with `--jobs 2` (a local process pool), once with `--cluster dask --jobs 2` (a Dask
LocalCluster of 2 worker processes on 127.0.0.1). Each line gives the wall-clock time and the
peak memory of the whole process tree (summed RSS, and PSS; see `process_tree.py`). The outputs
are removed between the two runs, so both do the same work. Dask adds its scheduler and start-up
to the same work; it pays off when workers run on several machines.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from process_tree import run_measured  # noqa: E402
from synthetic_countries import make_countries  # noqa: E402

COUNTRIES = 10
MODES = (("local pool, --jobs 2", ["--jobs", "2"]),
         ("Dask LocalCluster, 2 workers", ["--cluster", "dask", "--jobs", "2"]))


def main(countries: int = COUNTRIES) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folders = make_countries(Path(tmp) / "analyses", countries)
        for label, options in MODES:
            for folder in folders:
                shutil.rmtree(folder / "outputs", ignore_errors=True)
            run = run_measured([sys.executable, "-m", "lnob_helpers.cli", "report", *map(str, folders), *options])
            built = sum((f / "outputs" / "report" / "report.html").exists() for f in folders)
            print(f"{countries} countries, {label}: {run.seconds:.1f} s ({run.seconds / countries:.1f} s a country); "
                  f"peak memory {run.peak_rss_mb:.0f} MB RSS, {run.peak_pss_mb:.0f} MB PSS, "
                  f"{run.processes} processes at most; {built}/{countries} built", flush=True)
            if run.returncode != 0:
                print("  " + "\n  ".join(run.output.splitlines()[-countries - 2:]))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else COUNTRIES)
