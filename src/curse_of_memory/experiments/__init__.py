"""Reproduced experiments, by paper (`zucchet2024`, `ribeiro2020`, `li2022`, `wang2024`),
registered by id. Every module that defines `EXPERIMENT` is an experiment; adding one is
adding a file. Figure modules never import each other: what figures of a paper share lives
in a module of its own in the paper's package."""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re

from curse_of_memory.errors import ConfigError
from curse_of_memory.harness.experiment import Experiment


def _natural(text: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


@functools.cache
def registry() -> dict[str, Experiment]:
    """All experiments by id, in natural order (fig2 before fig10)."""
    found = {}
    for info in pkgutil.walk_packages(__path__, prefix=f"{__name__}."):
        experiment = getattr(importlib.import_module(info.name), "EXPERIMENT", None)
        if isinstance(experiment, Experiment):
            found[experiment.id] = experiment
    return {k: found[k] for k in sorted(found, key=_natural)}


def get_experiment(experiment_id: str) -> Experiment:
    experiments = registry()
    if experiment_id not in experiments:
        raise ConfigError(f"unknown experiment id {experiment_id!r}; known ids: {', '.join(experiments)}")
    return experiments[experiment_id]


__all__ = ["get_experiment", "registry"]
