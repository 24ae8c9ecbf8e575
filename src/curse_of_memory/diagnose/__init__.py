"""Diagnose your own recurrent layer: `curse-of-memory diagnose MODULE:FACTORY`.

The user's layer comes as a factory f(key, memory_scale) -> equinox.Module mapping inputs
(T, width) to outputs (T, width) (`diagnose.layer`). Each check measures, at every memory
scale of a grid, quantities of the paper's diagnostics and states its verdict as claims, so
a diagnosis is an `Experiment` like the reproduced ones: it writes the same folder
(results.parquet, claims.json, figure.png, summary.md) and the same HTML report.

Checks (one module each): `sensitivity` (hidden-state sensitivity per parameter group),
`signal` (a deep stack at initialization), `memory` (the memory function), `hessian` (top
Hessian eigenvalues of a teacher-student loss at its optimum).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from curse_of_memory.diagnose import hessian, memory, sensitivity, signal
from curse_of_memory.diagnose.curves import GROWTH_LIMIT
from curse_of_memory.diagnose.layer import check_layer, load_factory
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.plotting import new_figure, save
from curse_of_memory.harness.settings import Settings, setting

__all__ = ["CHECKS", "check_layer", "diagnosis", "load_factory"]

# Each check: rows(factory, unit config) -> rows, claims(rows, settings), draw(ax, rows).
CHECKS = {"sensitivity": sensitivity, "signal": signal, "memory": memory, "hessian": hessian}
PAPER_MEMORY_SCALES = [1.0, 10**0.5, 10.0, 10**1.5, 100.0]
INTEGERS = ("width", "T", "batch", "probes", "layers", "eigenvalues")


@dataclass(frozen=True, kw_only=True)
class DiagnoseSettings(Settings):
    """A diagnosis: which checks, at which memory scales, at what statistical effort."""

    checks: list[str] = setting(list(CHECKS), "the checks to run", choices=CHECKS)
    memory_scales: list[float] = setting(
        PAPER_MEMORY_SCALES, "memory scales the layer is built at", low=0, low_open=True, min_items=2
    )
    width: int = setting(16, "the layer's input and output width", low=1)
    T: int = setting(1024, "sequence length", low=1)
    batch: int = setting(32, "sequences per measurement", low=1)
    probes: int = setting(32, "random probes (sensitivity) or input directions (memory)", low=1)
    layers: int = setting(4, "depth of the deep stack of the signal check", low=1)
    eigenvalues: int = setting(8, "top Hessian eigenvalues computed", low=1)


PROFILES = {"quick": DiagnoseSettings(batch=8, probes=8, eigenvalues=4), "full": DiagnoseSettings()}


def diagnosis(factory: Callable, name: str, source_hash: str = "") -> Experiment:
    """The diagnosis of one layer as an Experiment (run it with `runner.sweep.reproduce`);
    its settings are `DiagnoseSettings`."""

    def validate(s):  # every memory scale the run will use, before anything runs
        for memory_scale in s.memory_scales:
            check_layer(factory, s.width, memory_scale=memory_scale)

    def units(s):
        return [
            {
                "check": check,
                "memory_scale": m,
                "seed": s.seed,
                "layer": name,
                "source": source_hash,
                **s.pick(*INTEGERS),
            }
            for check in s.checks
            for m in s.memory_scales
        ]

    def run_unit(config, progress):
        return CHECKS[config["check"]].rows(factory, config)

    def claims(rows, s):
        return [c for check in s.checks for c in CHECKS[check].claims(rows, s)]

    def figure(rows, s, path):
        fig, ax = new_figure(1, len(s.checks))
        for a, check in zip(ax[0], s.checks, strict=True):
            CHECKS[check].draw(a, rows)
        save(fig, path)

    return Experiment(
        id=f"diagnose-{name}",
        paper="your layer",
        figure_label="diagnosis",
        description=f"Diagnosis of {name} against memory scale: the selected checks among " + ", ".join(CHECKS) + ".",
        profiles=PROFILES,
        minutes={"quick": 3, "full": 10},
        units=units,
        run_unit=run_unit,
        claims=claims,
        figure=figure,
        validate=validate,
        notes=f"Growth limit {GROWTH_LIMIT:g}x across the memory scales: above it a quantity explodes with "
        "memory (the curse of memory); the paper's LRU stays within it except for its eigenvalue angles. "
        "The memory check asks that the layer's effective memory grow with its memory scale.",
    )
