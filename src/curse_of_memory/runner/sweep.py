"""Run an experiment's units (skipping finished ones), check its claims, write its outputs.

An output folder OUT holds, per experiment:
    OUT/runs/<id>/<key>.parquet  one per finished unit (the resumable store; see `store`)
    OUT/runs/<id>/lock           held while a run of <id> writes into OUT: a second run waits
    OUT/<id>/                    the output set: results.parquet (every row), claims.json,
                                 figure.png and figure.svg, summary.md, meta.json (settings,
                                 overrides, code hash, versions, times)
The output set is written into a temporary folder OUT/.<id>.*.new and put in place of the
previous set in one step, so OUT/<id>/ always holds one complete run: a run that fails or is
killed leaves the previous set as it was. Finished units are kept whatever happens after them,
and a restart computes only the units that had not finished.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime
import fcntl
import json
import logging
import os
import platform
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax

from curse_of_memory import __version__
from curse_of_memory.errors import ConfigError
from curse_of_memory.harness.claims import Claim, tally_text, verdict
from curse_of_memory.harness.experiment import Experiment, Rows
from curse_of_memory.harness.plotting import placeholder
from curse_of_memory.harness.settings import Settings
from curse_of_memory.runner.executors import Executor
from curse_of_memory.runner.store import (
    RunStore,
    code_hash,
    file_mode,
    folder_mode,
    git_commit,
    unit_key,
    write_rows,
)

log = logging.getLogger("curse_of_memory")
Progress = Callable[[float, int, str], None]  # (units done, may be fractional; total units; unit running)


@dataclass(frozen=True)
class Outcome:
    """What one run gave: its claims, the stored compute time of its units (`seconds`), the
    wall time of this run, how many units were reused and computed, and where it wrote."""

    experiment: Experiment
    settings: Settings
    claims: list[Claim]
    seconds: float
    out_dir: Path
    wall_seconds: float = 0.0
    reused: int = 0
    computed: int = 0
    figure_error: str | None = None


@dataclass(frozen=True)
class Units:
    rows: Rows
    seconds: float  # compute time recorded when each unit finished, summed
    reused: int
    computed: int


class RunFailed(Exception):
    """The computation of an experiment failed (not bad input): its previous outputs are kept
    and the traceback is saved in `traceback_path`."""

    def __init__(self, experiment_id: str, error: BaseException, traceback_path: Path):
        self.traceback_path = traceback_path
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        super().__init__(f"{experiment_id} failed: {type(error).__name__}: {first}")


def check_writable(folder: Path) -> None:
    """Create `folder` and prove a file can be written there, or raise ConfigError."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise ConfigError(f"output folder {str(folder)!r} is not writable: {error.strerror or error}") from None


def versions() -> dict[str, str]:
    return {"python": platform.python_version(), "jax": jax.__version__, "curse_of_memory": __version__}


def unit_labels(units: list[dict[str, Any]]) -> list[str]:
    """A short name per unit: the configuration entries that differ between units."""
    keys = list(dict.fromkeys(k for u in units for k in u))
    varying = [k for k in keys if len({json.dumps(u.get(k), sort_keys=True, default=str) for u in units}) > 1]
    labels = []
    for i, u in enumerate(units):
        text = ", ".join(f"{k}={json.dumps(u.get(k), default=str)}" for k in varying)
        labels.append(text if 0 < len(text) <= 60 else (text[:57] + "..." if text else f"unit {i + 1}"))
    return labels


def run_units(
    experiment: Experiment,
    settings: Settings,
    store: RunStore,
    progress: Progress | None = None,
    executor: Executor = Executor(),
    code: str | None = None,
) -> Units:
    """Run the units missing from the store (keys from each unit's configuration and `code`,
    by default `code_hash(experiment.run_unit)`); return every unit's rows."""
    code = code_hash(experiment.run_unit) if code is None else code
    units = experiment.units(settings)
    keys = [unit_key(config, code) for config in units]
    labels = unit_labels(units) if units else []
    found = {key: store.load(key) for key in dict.fromkeys(keys)}
    missing = [i for i, key in enumerate(keys) if found[key] is None]
    done = len(units) - len(missing)

    def report(unit: float, running: str = "") -> None:
        if progress is not None:
            progress(min(unit, len(units)), len(units), running)

    report(done)
    configs = [units[i] for i in missing]

    def on_progress(j: int, fraction: float) -> None:  # reads the live count `done`
        report(done + fraction, labels[missing[j]])

    folders = [store.partial(keys[i]) for i in missing]
    with contextlib.closing(executor.run(experiment, configs, folders, on_progress)) as finished:
        for j, unit_rows, seconds in finished:
            key = keys[missing[j]]
            rows = [{**r, "unit": key} for r in unit_rows]
            store.write(key, rows, seconds)
            shutil.rmtree(folders[j], ignore_errors=True)
            found[key] = (rows, seconds)
            done += 1
            report(done)
    return Units(
        rows=[row for key in keys for row in found[key][0]],
        seconds=sum(found[key][1] for key in keys),
        reused=len(units) - len(missing),
        computed=len(missing),
    )


def stored_units(experiment: Experiment, settings: Settings, out_root: Path) -> tuple[int, int, int]:
    """(units of `settings` already stored under out_root/runs/<id>/ for today's code, units
    begun but not finished (their trainings' state saved in `<key>.partial/`), all units):
    how far a long run that has not finished yet has come."""
    code = code_hash(experiment.run_unit)
    keys = {unit_key(config, code) for config in experiment.units(settings)}
    store = RunStore(Path(out_root) / "runs" / experiment.id)
    done = {key for key in keys if store.path(key).is_file()}
    begun = sum(store.partial(key).is_dir() for key in keys - done)
    return len(done), begun, len(keys)


def profile_label(meta: dict[str, Any]) -> str:
    """ "quick (seed 0)", or "quick (seed 0), reduced by --set steps=100" when overrides
    changed the profile's settings."""
    s = meta["settings"]
    text = f"{s['profile']} (seed {s['seed']}{', as published' if s.get('as_published') else ''})"
    if meta.get("overrides"):
        text += ", reduced by --set " + " ".join(f"{k}={json.dumps(v)}" for k, v in meta["overrides"].items())
    return text


def code_label(meta: dict[str, Any]) -> str:
    code = meta.get("code") or {}
    git = code.get("git")
    where = "not a git checkout"
    if git:
        where = f"git commit {git['commit'][:12]}" + (" with uncommitted changes" if git.get("dirty") else "")
    return f"code {code.get('hash', '?')} ({where})"


def time_label(meta: dict[str, Any]) -> str:
    wall = meta.get("wall_seconds")
    units = f"{meta.get('units_reused', '?')} units reused, {meta.get('units_computed', '?')} computed"
    this = f"{wall:.1f} s wall time of this run ({units}); " if wall is not None else ""
    return f"{this}{meta['seconds']:.1f} s compute time of its units when they ran"


def summary_markdown(experiment: Experiment, meta: dict[str, Any], claims: list[Claim]) -> str:
    lines = [
        f"# {experiment.id}",
        "",
        f"{experiment.description}",
        "",
        f"- Paper: {experiment.paper}, {experiment.figure_label}",
        f"- Profile: {profile_label(meta)}",
        f"- Time: {time_label(meta)}",
        f"- Code: {code_label(meta)}",
        f"- Claims: {tally_text(claims)}",
    ]
    if meta.get("figure_error"):
        lines.append(f"- Figure: could not be drawn ({meta['figure_error']}); figure.png says so")
    lines += [
        "",
        "| claim | expected | measured | verdict | source |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {c.claim} | {c.expected} | {c.measured} | {verdict(c)} | {c.source} |" for c in claims]
    lines += ["", "## Settings", "", "| setting | value |", "| --- | --- |"]
    lines += [
        f"| {k} | `{json.dumps(v)}`{' (--set)' if k in meta.get('overrides', {}) else ''} |"
        for k, v in meta["settings"].items()
    ]
    if experiment.notes:
        lines += ["", "## Notes", "", experiment.notes.strip()]
    return "\n".join(lines) + "\n"


def draw_figure(experiment: Experiment, rows: Rows, settings: Settings, path: Path) -> str | None:
    """Draw the experiment's figure at `path`; if that fails, draw a figure stating the error
    instead and return the error's text (the run goes on)."""
    try:
        experiment.figure(rows, settings, path)
        if not path.is_file():
            raise RuntimeError("the figure function wrote no file")
        return None
    except Exception as error:
        text = f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
        log.warning("%s: the figure could not be drawn (%s); figure.png states the error", experiment.id, text)
        placeholder(path, f"{experiment.id}: the figure could not be drawn", text)
        return text


def reproduce(
    experiment: Experiment,
    settings: Settings,
    out_root: Path,
    progress: Progress | None = None,
    executor: Executor = Executor(),
) -> Outcome:
    """Run `experiment` with validated `settings` into out_root/<id>/ and write its outputs.

    Raises RunFailed when the computation fails: the previous outputs stay as they were."""
    start = time.perf_counter()
    out_root = Path(out_root)
    check_writable(out_root)
    runs = out_root / "runs" / experiment.id
    target = out_root / experiment.id
    with locked(runs / "lock", f"another run of {experiment.id} is writing into {out_root}: waiting for it"):
        _clean_leftovers(out_root, experiment.id)
        try:
            code = code_hash(experiment.run_unit)
            units = run_units(experiment, settings, RunStore(runs), progress, executor, code)
            claims = experiment.claims(units.rows, settings)
            with _staging(out_root, experiment.id) as staging:
                write_rows(staging / "results.parquet", units.rows)
                (staging / "claims.json").write_text(json.dumps([c.to_json() for c in claims], indent=2))
                figure_error = draw_figure(experiment, units.rows, settings, staging / "figure.png")
                overrides = experiment.overrides(settings)
                meta: dict[str, Any] = {
                    "id": experiment.id,
                    "paper": experiment.paper,
                    "figure": experiment.figure_label,
                    "description": experiment.description,
                    "notes": experiment.notes,
                    "settings": settings.to_json(),
                    "overrides": overrides,
                    "reduced": bool(overrides),
                    "seconds": units.seconds,
                    "wall_seconds": time.perf_counter() - start,
                    "units_reused": units.reused,
                    "units_computed": units.computed,
                    "figure_error": figure_error,
                    "code": {"hash": code, "git": git_commit()},
                    "versions": versions(),
                    "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                }
                (staging / "summary.md").write_text(summary_markdown(experiment, meta, claims))
                (staging / "meta.json").write_text(json.dumps(meta, indent=2, default=str))
                swap_in(staging, target)
        except ConfigError:
            raise
        except Exception as error:
            saved = runs / "traceback.txt"
            saved.write_text(traceback.format_exc())
            raise RunFailed(experiment.id, error, saved) from error
    return Outcome(
        experiment,
        settings,
        claims,
        units.seconds,
        target,
        meta["wall_seconds"],
        units.reused,
        units.computed,
        figure_error,
    )


# --- the lock and the one-step swap -----------------------------------------------------------


@contextlib.contextmanager
def locked(path: Path, waiting: str) -> Iterator[None]:
    """Hold an exclusive lock on `path` (fcntl.flock; released when the process dies). If
    another process holds it, log `waiting` once and wait."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning(waiting)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _staging(out_root: Path, experiment_id: str) -> Iterator[Path]:
    """A new hidden folder beside the output set; removed if the block fails."""
    staging = Path(tempfile.mkdtemp(prefix=f".{experiment_id}.", suffix=".new", dir=out_root))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # after swap_in it holds the previous set


def swap_in(staging: Path, target: Path) -> None:
    """Put the folder `staging` at `target` in one step; `staging` then holds the previous
    set (or is gone). The files get the permissions of the user's umask."""
    for path in staging.iterdir():
        os.chmod(path, file_mode())
    os.chmod(staging, folder_mode())
    if not target.exists():
        staging.rename(target)
    elif not _exchange(staging, target):  # no atomic exchange here: two renames, undone if cut
        aside = staging.with_suffix(".old")
        target.rename(aside)
        staging.rename(target)
        aside.rename(staging)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 with RENAME_EXCHANGE); False where the
    system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError, TypeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _clean_leftovers(out_root: Path, experiment_id: str) -> None:
    """Under the lock: restore a previous set left aside by a cut two-rename swap, and remove
    the staging folders of killed runs."""
    target = out_root / experiment_id
    for leftover in sorted(out_root.glob(f".{experiment_id}.*")):
        if leftover.suffix == ".old" and not target.exists():
            leftover.rename(target)
        else:
            shutil.rmtree(leftover, ignore_errors=True)
