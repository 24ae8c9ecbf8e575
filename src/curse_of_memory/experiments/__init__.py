"""Reproduced experiments, registered by id. Every module here that defines `EXPERIMENT`
is an experiment; adding one is adding a file."""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re

from curse_of_memory.errors import ConfigError
from curse_of_memory.experiments.experiment import PROFILES, Claim, Experiment


def _natural(text: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


@functools.cache
def registry() -> dict[str, Experiment]:
    """All experiments by id, in natural order (fig2 before fig10)."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        experiment = getattr(module, "EXPERIMENT", None)
        if isinstance(experiment, Experiment):
            found[experiment.id] = experiment
    return {k: found[k] for k in sorted(found, key=_natural)}


def get_experiment(experiment_id: str) -> Experiment:
    experiments = registry()
    if experiment_id not in experiments:
        raise ConfigError(f"unknown experiment id {experiment_id!r}; known ids: {', '.join(experiments)}")
    return experiments[experiment_id]


__all__ = ["PROFILES", "Claim", "Experiment", "get_experiment", "registry"]
