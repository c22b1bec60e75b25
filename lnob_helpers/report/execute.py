"""Executing the step notebooks headless, with a timeout, in report mode.

A stuck kernel reply is a known failure of widget-displaying cells (see
JUPYTER_NOTES.md), so every run has an execution timeout; report mode shows no
widgets anyway. A failing cell becomes a `StepFailed` naming the step, the cell and
the error, and the executed notebook is kept for debugging.

Each kernel talks to papermill over Unix sockets in a temporary folder of its own (zmq's
`ipc` transport) rather than loopback TCP ports: other users of a shared workshop machine
cannot reach it, and ipykernel has nothing to warn about on the terminal. One folder per
kernel matters: kernels sharing a folder can race for the same socket names.

nbclient shuts a kernel down after its notebook only when it made the kernel's manager itself; a
manager handed in is left running (with the client's channels and heartbeat thread) until the
parent process exits, when every kernel of the run prints "Parent appears to have exited". So the
socket settings go in as configuration and nbclient makes, owns and shuts down each step's kernel:
one kernel is alive at a time, and it ends with its step. jupyter_client interrupts a kernel (SIGINT)
before asking it to shut down; a step's kernel has finished its cells by then, and a signal landing
while it still sends its last reply prints "KeyboardInterrupt caught in kernel", so
`StepKernelManager` asks without the interrupt (a kernel that does not stop is still killed).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets.config import Config

from ..errors import LnobError

WORKBOOKS = Path(__file__).resolve().parents[2] / "workbooks"
STEPS = [
    ("1_who.ipynb", "Step 1 — Who is left behind?"),
    ("2_why.ipynb", "Step 2 — Why are they left behind?"),
    ("3_what.ipynb", "Step 3 — What should be done?"),
    ("4_measure.ipynb", "Step 4 — How to measure and monitor progress"),
    ("5_accountability.ipynb", "Step 5 — How to advance accountability"),
]
EXECUTION_TIMEOUT = 300  # seconds per cell
IOPUB_TIMEOUT = 60  # seconds a cell's outputs may trail its reply on a busy machine (nbclient: 4)


class StepFailed(LnobError):
    """A notebook cell failed; the message says which step, which cell and what error."""

    def __init__(self, step: str, cell: int | None, error: str, executed: Path):
        self.executed = executed
        where = f"cell {cell}" if cell is not None else "start-up"
        super().__init__(f"{step} failed at {where}: {error.rstrip('.')}. "
                         f"The executed notebook is kept at {executed}.")


@dataclass(frozen=True)
class StepRun:
    notebook: str
    title: str
    executed: Path
    seconds: float


def available_steps(workbooks: Path = WORKBOOKS) -> list[tuple[str, str]]:
    """The steps whose notebook is present, in the method's order."""
    return [(nb, title) for nb, title in STEPS if (workbooks / nb).exists()]


class StepKernelManager(AsyncKernelManager):
    """The manager of a step's kernel: its shutdown sends no interrupt first (see the module docstring)."""

    async def _async_interrupt_kernel(self) -> None:
        if not self.shutting_down:
            await super()._async_interrupt_kernel()

    interrupt_kernel = _async_interrupt_kernel


def socket_kernel_config(folder: Path) -> Config:
    """Configuration for kernel managers whose kernels listen on Unix sockets in `folder`."""
    return Config({"KernelManager": {"transport": "ipc", "ip": str(folder / "kernel")}})


def run_step(notebook: str, title: str, analysis: Path, out_dir: Path,
             workbooks: Path = WORKBOOKS, timeout: int = EXECUTION_TIMEOUT) -> StepRun:
    """Execute one step notebook for `analysis`; outputs land in `out_dir/executed/`."""
    import time

    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    os.environ["TQDM_DISABLE"] = "1"  # kernels inherit it: no progress bars in reports
    os.environ.pop("LNOB_APP", None)
    executed = out_dir / "executed" / notebook
    executed.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="lnob-kernel-") as sockets:
            pm.execute_notebook(
                str(workbooks / notebook), str(executed),
                parameters={"analysis": str(analysis), "mode": "report"},
                kernel_name="python3", execution_timeout=timeout, iopub_timeout=IOPUB_TIMEOUT,
                progress_bar=False, cwd=str(workbooks), log_output=False, config=socket_kernel_config(Path(sockets)),
                kernel_manager_class=StepKernelManager,
            )
    except PapermillExecutionError as e:
        raise StepFailed(title, e.exec_count, f"{e.ename}: {e.evalue}", executed) from None
    except Exception as e:  # kernel died, timeout, missing kernel: still one sentence
        raise StepFailed(title, None, f"{type(e).__name__}: {e}", executed) from None
    return StepRun(notebook, title, executed, time.perf_counter() - start)
