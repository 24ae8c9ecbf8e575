"""Where an experiment's units run: in this process, in a local process pool, or on Ray.

Every executor takes the units still missing from the store, each with the folder where its
trainings save their state (a stopped unit resumes from there: `training/checkpoint.py`), and
yields (index, rows, seconds) as each finishes; the caller writes them to the store, so results
land in the same place whichever executor computed them. Units are independent by construction (see
`harness/experiment.py`), so their order of completion does not matter.

- ``local`` with one worker (the default) runs units one after the other in this process,
  each unit batching its ensemble with `vmap`; with N workers it uses a pool of N fresh
  processes (spawned, not forked: JAX is multithreaded).
- ``ray`` sends each unit to a Ray cluster as a task: an existing cluster at `address`, or a
  local one started for the sweep (with N CPUs) when no address is given. Workers must be
  able to import `curse_of_memory` (install it on the cluster's nodes).
"""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from curse_of_memory.errors import ConfigError
from curse_of_memory.harness.experiment import Experiment, Rows
from curse_of_memory.training.checkpoint import saving_to

EXECUTORS = ("local", "ray")
Result = tuple[int, Rows, float]


def timed_unit(
    run_unit: Callable, config: dict[str, Any], folder: Path, progress: Callable[[float], None] = lambda fraction: None
) -> tuple[Rows, float]:
    """Run one unit, its trainings saving to and resuming from `folder`; return its rows and
    its compute seconds (this run's, plus what the trainings it resumed had spent before).
    What pool and Ray workers execute: `run_unit` is an experiment's module-level function,
    so it pickles by reference (by name)."""
    start = time.perf_counter()
    with saving_to(folder) as saving:
        rows = run_unit(config, progress)
    return rows, time.perf_counter() - start + saving.resumed_seconds


@dataclass(frozen=True)
class Executor:
    kind: str = "local"
    workers: int = 1
    address: str | None = None

    def __post_init__(self):
        if self.kind not in EXECUTORS:
            raise ConfigError(f"executor must be one of {list(EXECUTORS)}, got {self.kind!r}")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise ConfigError(f"workers must be a positive integer, got {self.workers!r}")
        if self.address is not None and self.kind != "ray":
            raise ConfigError("--address is for the ray executor (use --executor ray)")

    def start(self) -> None:
        """Connect to (or launch) the Ray cluster now, so that a bad address fails before
        anything is written. Nothing to do for the local executor."""
        if self.kind == "ray":
            start_ray(self.address, self.workers)

    def stop(self) -> None:
        if self.kind == "ray" and _ray_module() is not None and _ray_module().is_initialized():
            _ray_module().shutdown()

    def run(
        self,
        experiment: Experiment,
        configs: list[dict],
        folders: list[Path],
        progress: Callable[[int, float], None],
    ) -> Iterator[Result]:
        """Yield (index into configs, rows, seconds) for every unit, as they finish; closing
        the generator (or an exception) stops the units still running.

        folders[i] holds the saved trainings of unit i (`timed_unit`); progress(index,
        fraction) reports the advance of a unit running in this process, from 0 when it starts.
        """
        if not configs:
            return
        jobs = list(zip(configs, folders, strict=True))
        if self.kind == "ray":
            yield from _on_ray(experiment, jobs, self.workers, self.address)
        elif self.workers > 1:
            yield from _in_pool(experiment, jobs, self.workers)
        else:
            yield from _in_process(experiment, jobs, progress)


def _in_process(experiment, jobs, progress) -> Iterator[Result]:
    for i, (config, folder) in enumerate(jobs):
        progress(i, 0.0)  # names the unit now starting
        yield i, *timed_unit(experiment.run_unit, config, folder, lambda fraction, i=i: progress(i, fraction))


def _in_pool(experiment, jobs, workers) -> Iterator[Result]:
    context = multiprocessing.get_context("spawn")
    pool = concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_end_with_parent, initargs=(os.getpid(),)
    )
    try:
        futures = {pool.submit(timed_unit, experiment.run_unit, *job): i for i, job in enumerate(jobs)}
        for future in concurrent.futures.as_completed(futures):
            rows, seconds = future.result()
            yield futures[future], rows, seconds
    finally:
        _end_now(pool)


def _end_now(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """Stop the pool without waiting for the units still running: after an interrupt, a failed
    unit or the last result, a unit can have hours left, and a worker left running would compute
    on after this process has gone. Their trainings resume from their last saved state."""
    # ProcessPoolExecutor.terminate_workers() does this from Python 3.14.
    for process in list((pool._processes or {}).values()):  # a copy: the pool's thread edits it
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _end_with_parent(parent: int) -> None:
    """Pool initializer: end this worker as soon as the run that started it is gone. `_end_now`
    cannot run when the run is killed with SIGKILL, and an orphan would train on, still saving
    into the unit's folder, which the next run of the experiment resumes from at the same time.
    Its last saved state is whole (saves are atomic renames) and is what that run resumes."""

    def watch() -> None:
        while os.getppid() == parent:  # an orphan is adopted by init or a subreaper
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast, naming the address, when nothing listens there ("auto" is not checked)."""
    if address in ("auto", "local"):
        return
    parsed = urlparse(address if "://" in address else f"tcp://{address}")
    if not parsed.hostname or not parsed.port:
        raise ConfigError(f"Ray address must look like HOST:PORT or ray://HOST:PORT, got {address!r}")
    try:
        socket.create_connection((parsed.hostname, parsed.port), timeout=timeout).close()
    except OSError as error:
        raise ConfigError(f"cannot reach the Ray cluster at {address}: {error.strerror or error}") from None


def _ray_module():
    try:
        import ray
    except ImportError:
        return None
    return ray


def start_ray(address: str | None, workers: int) -> None:
    """ray.init once: connect to `address`, or start a local cluster with `workers` CPUs."""
    ray = _ray_module()
    if ray is None:
        raise ConfigError('the ray executor needs Ray: pip install "curse-of-memory[ray]"')
    if ray.is_initialized():
        return
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "error")
    if address is None:
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
        return
    check_reachable(address)
    # Something answers there: give Ray a few seconds (not its default ~20) to find a cluster.
    os.environ.setdefault("RAY_gcs_server_port_wait_time_s", "5")
    try:
        ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
    except Exception as error:  # Ray raises ConnectionError, RuntimeError, RpcError...
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ConfigError(f"cannot connect to the Ray cluster at {address}: {first_line}") from None


def _on_ray(experiment, jobs, workers, address) -> Iterator[Result]:
    start_ray(address, workers)
    ray = _ray_module()
    task = ray.remote(num_cpus=1)(timed_unit)
    pending = {task.remote(experiment.run_unit, *job): i for i, job in enumerate(jobs)}
    while pending:
        (done,), _ = ray.wait(list(pending), num_returns=1)
        rows, seconds = ray.get(done)
        yield pending.pop(done), rows, seconds
