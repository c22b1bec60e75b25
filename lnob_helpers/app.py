"""`lnob app`: serve the step notebooks as Voilà apps for one analysis folder.

The settings come from what was measured on these machines (JUPYTER_NOTES.md): bind
to loopback, cull idle kernels, disable the xsrf check that otherwise leaks one
kernel per page view (safe only on loopback or behind an authenticating proxy), and
time out stuck executions. The execution timeout is 180 s rather than the 60 s that was
enough for a bare page: under a workshop's burst of first loads on 2 cores, the Step 1 page
needs more, and the timeout only has to catch a hung kernel reply, not a slow one.
Outputs get `IOPUB_TIMEOUT` seconds to arrive after a cell's reply. nbclient's default of 4 s
is too short under a burst: in a 20-session load run one page lost its widget outputs
("Timeout waiting for IOPub output") and never showed its figures.
Kernels stay on loopback TCP: with zmq's `ipc` transport and one socket folder, kernels
started at the same moment picked the same socket names (jupyter_client numbers them by
looking for free files), and a burst of 20 first loads failed with "Invalid Signature".
Voilà keeps its rule that the browser cannot run code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .config import load_analysis
from .notebook import ANALYSIS_ENV, APP_ENV
from .report.execute import IOPUB_TIMEOUT, WORKBOOKS

LANDING = "index.ipynb"


def voila_command(port: int, workbooks: Path = WORKBOOKS, preheat: int = 0) -> list[str]:
    """The Voilà command line; each option appears once (a repeated option crashes Voilà)."""
    cmd = [
        sys.executable, "-m", "voila", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
        "--Voila.tornado_settings", "disable_check_xsrf=True",
        "--VoilaConfiguration.extension_denylist", "jupyterlab-jupytext",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaExecutor.timeout=180", f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT}",
        "--MappingKernelManager.cull_idle_timeout=120", "--MappingKernelManager.cull_interval=30",
        "--MappingKernelManager.cull_connected=False",
    ]
    if preheat:
        cmd += ["--preheat_kernel=True", f"--pool_size={preheat}"]
    return [*cmd, str(workbooks)]


def app_url(port: int, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{port}/voila/render/{LANDING}"


def app_environment(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env[APP_ENV] = "1"
    env[ANALYSIS_ENV] = str(folder)
    env.pop("TQDM_DISABLE", None)  # progress belongs in the app
    return env


def launch_app(folder: str | Path, port: int = 8866, preheat: int = 0) -> subprocess.Popen:
    """Start the server in the background (checked analysis first) and return the process."""
    analysis = load_analysis(folder)
    return subprocess.Popen(voila_command(port, preheat=preheat), env=app_environment(analysis.folder.resolve()),
                            cwd=str(WORKBOOKS))


def serve(folder: str | Path, port: int = 8866, preheat: int = 0) -> int:
    """Run the app in the foreground until interrupted."""
    proc = launch_app(folder, port, preheat)
    print(f"LNOB Workbook for {Path(folder).resolve()} is starting.")
    print(f"Open {app_url(port)} in a browser (Ctrl+C stops the server).", flush=True)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
        return 0
