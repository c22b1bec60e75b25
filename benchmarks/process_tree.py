"""Wall-clock time and peak memory of a command and every process it starts, for the benchmarks.

`run_measured(cmd)` runs `cmd`, samples its whole process tree every 0.1 s with psutil and returns
the time, the peak of the summed RSS (what the targets are stated in), the peak of the summed PSS
(RSS counts a page shared by several processes, chromium's for instance, once per process; PSS
shares it out, so it is the fairer sum), the most processes seen at once, the exit code and the
output. A sampler can miss a peak shorter than its interval; a report's peaks last seconds.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

import psutil

INTERVAL = 0.1  # seconds between samples


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_rss_mb: float
    peak_pss_mb: float
    processes: int
    returncode: int
    output: str


def run_measured(cmd: Sequence[str], env: dict[str, str] | None = None) -> Measured:
    """Run `cmd` to the end, sampling the memory of its process tree (see the module docstring)."""
    with tempfile.TemporaryFile("w+") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=log, stderr=subprocess.STDOUT, env=env)
        root = psutil.Process(proc.pid)
        peak_rss = peak_pss = 0
        most = 0
        while proc.poll() is None:
            rss = pss = 0
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for p in tree:
                try:
                    info = p.memory_full_info()
                except psutil.Error:  # ended between the listing and the reading
                    continue
                rss, pss = rss + info.rss, pss + info.pss
            peak_rss, peak_pss, most = max(peak_rss, rss), max(peak_pss, pss), max(most, len(tree))
            time.sleep(INTERVAL)
        proc.wait()
        seconds = time.perf_counter() - start
        log.seek(0)
        output = log.read()
    return Measured(seconds, peak_rss / 2**20, peak_pss / 2**20, most, proc.returncode, output)
