"""Trainings that survive being stopped: they save their state between chunks of epochs and,
run again, resume from the last save with the same result, bit for bit.

`train_ensemble` and `train_members` run their epochs through `run_chunks`. Inside
`saving_to(folder)` (the runner opens one folder per unit), the trainings started are numbered
in order, and the k-th keeps one file, `training-<k>.npz`, rewritten after every chunk: the
state (parameters and optimizer states), the per-epoch records so far, the next epoch, the
compute seconds spent, and a fingerprint of the training's arguments and initial state. A unit
is deterministic, so its k-th training is the same one on every run; a file whose fingerprint
differs is ignored and overwritten. Outside `saving_to` (a user's own call) nothing is saved.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import itertools
import logging
import os
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


@dataclass
class Saving:
    """The folder of the running unit, its trainings' count, and the compute seconds that the
    trainings resumed from files had already spent (so a unit's time counts earlier runs)."""

    folder: Path
    count: Iterator[int] = field(default_factory=itertools.count)
    resumed_seconds: float = 0.0


log = logging.getLogger("curse_of_memory")
_SAVING: contextvars.ContextVar[Saving | None] = contextvars.ContextVar("saving", default=None)


@contextlib.contextmanager
def saving_to(folder: Path) -> Iterator[Saving]:
    """Save (and resume) the trainings started inside this block under `folder`."""
    saving = Saving(Path(folder))
    token = _SAVING.set(saving)
    try:
        yield saving
    finally:
        _SAVING.reset(token)


Records = tuple[np.ndarray, dict[str, np.ndarray]]


def run_chunks(
    run_chunk: Callable[[Any, int], tuple[Any, Any, dict[str, Any]]],
    state: Any,
    *,
    n_epochs: int,
    chunk: int,
    describe: str,
    on_progress: Callable[[int, int], None] | None = None,
    steps_per_epoch: int = 1,
) -> tuple[Any, np.ndarray, dict[str, np.ndarray]]:
    """Run `run_chunk(state, first) -> (state, losses, metrics)` for first = 0, chunk, ... <
    n_epochs; return the final state, the losses concatenated on axis 0 and each metric (a
    flat dict of arrays) likewise.

    `describe` names the training's arguments (with the initial state it fingerprints the
    training); on_progress(steps done, steps) is called after every chunk.
    """
    saving = _SAVING.get()
    path = None if saving is None else saving.folder / f"training-{next(saving.count)}.npz"
    fingerprint = _fingerprint(describe, n_epochs, chunk, state)
    start, spent, losses, metrics = 0, 0.0, [], []
    if path is not None and (saved := _load(path, fingerprint, state)) is not None:
        state, start, spent, records = saved
        losses, metrics = [records[0]], [records[1]]
        saving.resumed_seconds += spent
    began = time.perf_counter()
    for first in range(start, n_epochs, chunk):
        state, loss, metric = run_chunk(state, first)
        losses.append(np.asarray(loss))
        metrics.append({k: np.asarray(v) for k, v in metric.items()})
        if path is not None:
            records = _concatenate(losses, metrics)
            losses, metrics = [records[0]], [records[1]]
            _save(path, fingerprint, state, first + chunk, spent + time.perf_counter() - began, records)
        if on_progress is not None:
            on_progress((first + chunk) * steps_per_epoch, n_epochs * steps_per_epoch)
    return state, *_concatenate(losses, metrics)


def _concatenate(losses: list[np.ndarray], metrics: list[dict[str, np.ndarray]]) -> Records:
    return np.concatenate(losses), {k: np.concatenate([m[k] for m in metrics]) for k in metrics[0]}


def _fingerprint(describe: str, n_epochs: int, chunk: int, state: Any) -> str:
    digest = hashlib.sha256(f"{describe}|{n_epochs}|{chunk}".encode())
    for leaf in jax.tree.leaves(state):
        leaf = np.asarray(leaf)
        digest.update(f"{leaf.dtype}{leaf.shape}".encode() + leaf.tobytes())
    return digest.hexdigest()


def _save(path: Path, fingerprint: str, state: Any, epoch: int, seconds: float, records: Records) -> None:
    """Write the checkpoint to a temporary file beside `path`, then rename it into place, so a
    kill leaves the previous save or this one, whole."""
    arrays = {f"state/{i}": np.asarray(leaf) for i, leaf in enumerate(jax.tree.leaves(state))}
    arrays |= {"loss": records[0], **{f"metric/{k}": v for k, v in records[1].items()}}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, fingerprint=np.array(fingerprint), epoch=np.array(epoch), seconds=np.array(seconds), **arrays)
    os.replace(tmp, path)


def _load(path: Path, fingerprint: str, template: Any) -> tuple[Any, int, float, Records] | None:
    """(state, next epoch, seconds spent, records) saved at `path` for this fingerprint, the
    state rebuilt in `template`'s structure; None when there is no such file or it is of
    another training; None and a warning when it cannot be read (the training starts over)."""
    if not path.exists():
        return None
    try:
        with np.load(path) as saved:
            if str(saved["fingerprint"]) != fingerprint:
                return None
            leaves, treedef = jax.tree.flatten(template)
            state = [jnp.asarray(saved[f"state/{i}"], dtype=np.asarray(leaf).dtype) for i, leaf in enumerate(leaves)]
            metrics = {k.removeprefix("metric/"): saved[k] for k in saved.files if k.startswith("metric/")}
            records = (saved["loss"], metrics)
            return jax.tree.unflatten(treedef, state), int(saved["epoch"]), float(saved["seconds"]), records
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile) as error:
        log.warning("unreadable saved training %s (%s); starting it over", path, str(error)[:120])
        return None
