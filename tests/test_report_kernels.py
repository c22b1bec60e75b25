"""Each step's kernel ends with its step: `lnob report` leaves no kernel behind and none complains."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import psutil
import pytest


@pytest.mark.notebook
def test_report_kernels_end_with_their_step(sample_dir, tmp_path):
    folder = tmp_path / "aruvia"
    shutil.copytree(sample_dir, folder, ignore=shutil.ignore_patterns("outputs", "*.bak", ".lnob", ".versions"))
    runtime = tmp_path / "runtime"  # the kernels' connection files, so this run's kernels can be told apart
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime)}
    # run() reads until every process holding the pipes has closed them, kernels included, so a kernel
    # that outlived the command would have had its say here
    run = subprocess.run([sys.executable, "-m", "lnob_helpers.cli", "report", str(folder)], env=env,
                         capture_output=True, text=True, timeout=600)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "Parent appears to have exited" not in output
    assert "KeyboardInterrupt" not in output
    assert (folder / "outputs" / "report" / "report.html").exists()
    assert not list(runtime.glob("kernel-*.json"))  # every kernel's manager cleaned up after it
    leftovers = []
    for proc in psutil.process_iter(["cmdline"]):
        if any(str(runtime) in part for part in proc.info["cmdline"] or []):
            leftovers.append(proc.pid)
    assert leftovers == []
