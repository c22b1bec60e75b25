"""Batch work on Dask distributed: a cluster on this machine, or an existing scheduler.

A regional office building fifty country reports needs more than one machine, and Dask's
scheduler and workers are the usual way to share work among several. Each country is one task:
an importable function and small arguments in, a small result out (paths, seconds, the error in
one sentence). The task runs in a worker process and starts the step kernels as that process's
own children, so the data never travels: every worker must see the analysis folders (and `--out`)
at the same paths as this machine, on a shared filesystem.

A task that fails, or a worker that dies while running it, fails that task alone; the others go
on, and each failure comes back as one sentence.

Security: the local cluster listens on 127.0.0.1 only and has no dashboard, so nothing on the
network can reach it. Whoever can reach a scheduler can run code on all its workers, so an
existing scheduler must never face an untrusted network.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import LnobError

if TYPE_CHECKING:
    from distributed import Client

# Memory one report's process tree may need: 0.5 GB for HTML (the worker and one step kernel),
# about 1.5 GB while chromium prints the PDF (RSS summed over its processes). It bounds the
# number of local workers, and each local worker process is restarted past it.
REPORT_MEMORY = 3 * 2**29  # 1.5 GiB
CONNECT_TIMEOUT = 10  # seconds to reach an existing scheduler
WORKERS_TIMEOUT = 60  # seconds to wait for an existing scheduler's first worker


def local_workers(tasks: int, requested: int | None = None) -> int:
    """Workers for a cluster on this machine: `requested`, else one per core as far as memory allows,
    and never more than there are tasks."""
    if requested:
        return requested
    import psutil

    by_memory = psutil.virtual_memory().total // REPORT_MEMORY
    return max(1, min(tasks, os.cpu_count() or 1, by_memory))


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[tuple[Client, str]]:
    """A Dask client and a few words saying where it runs; the local cluster is closed on exit.

    With `scheduler` (tcp://host:8786) the client joins that scheduler, else it starts a cluster of
    `workers` processes on 127.0.0.1 (one thread each: a report is one kernel at a time).
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        client = _connect(scheduler)
        with client:
            yield client, f"the Dask scheduler at {scheduler} ({_workers(len(client.nthreads()))})"
        return
    workers = workers or local_workers(1)
    # a worker that dies fails its task at once: on one machine the task is the likely cause
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, memory_limit=REPORT_MEMORY, silence_logs=logging.ERROR)
    with cluster, Client(cluster, set_as_default=False) as client:
        yield client, f"a Dask cluster on this machine ({_workers(workers)})"


def _workers(n: int) -> str:
    return f"{n} worker" + ("" if n == 1 else "s")


def _connect(address: str) -> Client:
    from distributed import Client

    if not address.startswith(("tcp://", "tls://")):
        raise LnobError(f"--scheduler {address}: give the scheduler's address in full, such as tcp://host:8786.")
    try:
        client = Client(address, timeout=f"{CONNECT_TIMEOUT}s", set_as_default=False)
    except (OSError, TimeoutError):
        raise LnobError(f"--scheduler {address}: no Dask scheduler answered there within {CONNECT_TIMEOUT} s."
                        ) from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
    except TimeoutError:
        client.close()
        raise LnobError(f"the Dask scheduler at {address} has had no worker for {WORKERS_TIMEOUT} s; start one on "
                        f"each machine with `dask worker {address}`.") from None
    return client


def finished_tasks(client: Client, func: Callable[..., Any],
                   calls: Mapping[str, tuple]) -> Iterator[tuple[str, Any, str | None]]:
    """Run `func(*args)` for each `name -> args` on the cluster; yield `(name, result, None)`, or
    `(name, None, why)` when it failed, as each task finishes."""
    from distributed import as_completed

    batch = uuid.uuid4().hex[:8]
    futures = {client.submit(func, *args, key=f"{Path(name).name}-{i}-{batch}", pure=False): name
               for i, (name, args) in enumerate(calls.items())}
    for future in as_completed(futures, loop=client.loop):  # this client's, not a default one
        name = futures.pop(future)
        if future.status == "finished":
            yield name, future.result(), None
        elif future.status == "cancelled":
            yield name, None, "the Dask scheduler cancelled it (did the scheduler stop?)."
        else:
            yield name, None, _why(future.exception())
        future.release()


def _why(error: BaseException) -> str:
    """A task's failure in one sentence."""
    from distributed import KilledWorker

    if isinstance(error, KilledWorker):
        return ("the Dask worker running it stopped before it finished (out of memory, or killed); "
                "the others went on.")
    return f"the Dask worker could not run it ({type(error).__name__}: {error})."
