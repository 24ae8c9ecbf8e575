"""Run an experiment's units (skipping finished ones), check its claims, write its outputs.

Output folder OUT/<experiment id>/:
    runs/<key>.parquet   one per finished unit (the resumable store)
    results.parquet      all rows, one tidy row per run or measurement
    claims.json          [{"claim", "expected", "measured", "passed"}, ...]
    figure.png, summary.md, meta.json (settings, versions, compute time)
Every file is written atomically, so an interrupted run leaves only complete files and a
restart redoes only the units that had not finished.
"""

from __future__ import annotations

import datetime
import json
import platform
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax

from curse_of_memory import __version__
from curse_of_memory.errors import ConfigError
from curse_of_memory.harness.experiment import Claim, Experiment, Rows
from curse_of_memory.harness.settings import Settings
from curse_of_memory.runner.executors import Executor
from curse_of_memory.runner.store import RunStore, atomic_write, unit_key, write_rows


@dataclass(frozen=True)
class Outcome:
    experiment: Experiment
    settings: Settings
    claims: list[Claim]
    seconds: float
    out_dir: Path


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


def run_units(
    experiment: Experiment, settings: Settings, store: RunStore, progress=None, executor: Executor = Executor()
) -> tuple[Rows, float]:
    """Run the units missing from the store; return all rows and the total compute seconds.

    progress: optional callable (units done as a float, total units) for a progress bar.
    """
    units = experiment.units(settings)
    keys = [unit_key(config) for config in units]
    missing = [i for i, key in enumerate(keys) if not store.has(key)]
    done = len(units) - len(missing)

    def report(unit: float) -> None:
        if progress is not None:
            progress(min(unit, len(units)), len(units))

    report(done)
    configs = [units[i] for i in missing]
    for j, unit_rows, seconds in executor.run(experiment, configs, lambda j, f: report(done + f)):  # noqa: B023 (reads the live count)
        store.write(keys[missing[j]], [{**r, "unit": keys[missing[j]]} for r in unit_rows], seconds)
        done += 1
        report(done)
    rows = [row for key in keys for row in store.read(key)]
    return rows, sum(store.seconds(key) for key in keys)


def summary_markdown(experiment: Experiment, settings: Settings, claims: list[Claim], seconds: float) -> str:
    passed = sum(c.passed for c in claims)
    lines = [
        f"# {experiment.id}",
        "",
        f"{experiment.description}",
        "",
        f"- Paper: {experiment.paper}, {experiment.figure_label}",
        f"- Profile: {settings.profile} (seed {settings.seed}"
        + (", as published" if settings.as_published else "")
        + ")",
        f"- Compute time: {seconds:.1f} s",
        f"- Claims passed: {passed} of {len(claims)}",
        "",
        "| claim | expected | measured | verdict |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {c.claim} | {c.expected} | {c.measured} | {'pass' if c.passed else 'FAIL'} |" for c in claims]
    lines += ["", "## Settings", "", "```json", json.dumps(settings.to_json(), indent=2), "```"]
    if experiment.notes:
        lines += ["", "## Notes", "", experiment.notes.strip()]
    return "\n".join(lines) + "\n"


def reproduce(
    experiment: Experiment, settings: Settings, out_root: Path, progress=None, executor: Executor = Executor()
) -> Outcome:
    """Run `experiment` with validated `settings` into out_root/<id>/ and write its outputs."""
    out_dir = Path(out_root) / experiment.id
    check_writable(out_dir)
    rows, seconds = run_units(experiment, settings, RunStore(out_dir / "runs"), progress, executor)
    claims = experiment.claims(rows, settings)
    write_rows(out_dir / "results.parquet", rows)
    _write_text(out_dir / "claims.json", json.dumps([c.to_json() for c in claims], indent=2))
    atomic_write(out_dir / "figure.png", lambda tmp: experiment.figure(rows, settings, tmp))
    _write_text(out_dir / "summary.md", summary_markdown(experiment, settings, claims, seconds))
    meta: dict[str, Any] = {
        "id": experiment.id,
        "paper": experiment.paper,
        "figure": experiment.figure_label,
        "description": experiment.description,
        "notes": experiment.notes,
        "settings": settings.to_json(),
        "seconds": seconds,
        "versions": versions(),
        "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    _write_text(out_dir / "meta.json", json.dumps(meta, indent=2, default=str))
    return Outcome(experiment, settings, claims, seconds, out_dir)


def _write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text))
