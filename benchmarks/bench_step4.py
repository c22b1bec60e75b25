"""Time the whole Step-4 computation on the sample country, and its parts.

Both rounds of Aruvia (about 25,000 persons each), 12 indicators x 12 circumstances:
Step-1 one-way tables, the 21 summary measures, SII/RII/ACI/RCI from microdata with
design-based errors, trends and projections, suggested targets, and the MPI by every
circumstance. Prints the best of 3 runs for the whole and, once, the time of each part.
Run: python benchmarks/bench_step4.py
"""

from __future__ import annotations

import time

from lnob_helpers.config import load_analysis
from lnob_helpers.measure.heat import summary_measures
from lnob_helpers.measure.heat_microdata import microdata_measures
from lnob_helpers.measure.mpi_sources import load_analysis_mpi, round_mpi
from lnob_helpers.measure.step4 import compute_step4
from lnob_helpers.notebook import SAMPLE_ANALYSIS
from lnob_helpers.rounds import load_round
from lnob_helpers.disaggregate import disaggregate


def timed(fn, *args, **kwargs) -> tuple[object, float]:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def main() -> None:
    analysis = load_analysis(SAMPLE_ANALYSIS)
    timings = [timed(compute_step4, analysis)[1] for _ in range(3)]
    print(f"Step 4 on the sample (2 rounds, {len(analysis.indicators)} indicators x "
          f"{len(analysis.circumstances)} circumstances): best of 3 = {min(timings):.2f} s")
    spec = load_analysis_mpi(analysis.folder)
    circumstances = [c.id for c in analysis.circumstances]
    for year in (r.year for r in analysis.rounds):
        data, load = timed(load_round, analysis, year)
        table, one_way = timed(disaggregate, data, depth=1)
        _, measures = timed(summary_measures, table[table["dimension_id"] != "national"])
        _, micro = timed(microdata_measures, data)
        _, mpi = timed(round_mpi, data, spec, circumstances) if spec else (None, 0.0)
        print(f"  {year}: load {load:.2f} s, one-way table {one_way:.2f} s, 21 measures {measures:.2f} s, "
              f"microdata SII/RII/ACI/RCI {micro:.2f} s, MPI by {len(circumstances)} circumstances {mpi:.2f} s")


if __name__ == "__main__":
    main()
