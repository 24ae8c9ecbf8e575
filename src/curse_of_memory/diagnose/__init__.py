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

from typing import Callable

from curse_of_memory.diagnose import hessian, memory, sensitivity, signal
from curse_of_memory.diagnose.curves import GROWTH_LIMIT
from curse_of_memory.diagnose.layer import check_layer, load_factory
from curse_of_memory.experiments import checks as setting_checks
from curse_of_memory.experiments.experiment import Experiment
from curse_of_memory.experiments.plotting import new_figure, save

__all__ = ["CHECKS", "check_layer", "diagnosis", "load_factory"]

# Each check: rows(factory, unit config) -> rows, claims(rows, settings), draw(ax, rows).
CHECKS = {"sensitivity": sensitivity, "signal": signal, "memory": memory, "hessian": hessian}
PAPER_MEMORY_SCALES = [1.0, 10**0.5, 10.0, 10**1.5, 100.0]
QUICK = {"checks": list(CHECKS), "memory_scales": PAPER_MEMORY_SCALES, "width": 16, "T": 1024, "batch": 8,
         "probes": 8, "layers": 4, "eigenvalues": 4}
INTEGERS = ("width", "T", "batch", "probes", "layers", "eigenvalues")


def diagnosis(factory: Callable, name: str, source_hash: str = "") -> Experiment:
    """The diagnosis of one layer as an Experiment (run it with `sweep.reproduce`).

    Settings: checks (a subset of CHECKS), memory_scales, width (the layer's), T (sequence
    length), batch (sequences), probes (random probes or input directions), layers (depth of
    the `signal` stack), eigenvalues (how many of the Hessian's top ones)."""

    def validate(s):
        setting_checks.one_of("checks", s["checks"], CHECKS)
        for field in INTEGERS:
            setting_checks.positive_int(field, s[field])
        setting_checks.positive_number("memory_scales", s["memory_scales"])
        setting_checks.require(len(s["memory_scales"]) >= 2, "memory_scales", "at least two values", s["memory_scales"])
        check_layer(factory, s["width"])

    def units(s):
        return [{"check": check, "memory_scale": m, "seed": s["seed"], "layer": name, "source": source_hash,
                 **{k: s[k] for k in INTEGERS}} for check in s["checks"] for m in s["memory_scales"]]

    def run_unit(config, progress):
        return CHECKS[config["check"]].rows(factory, config)

    def claims(rows, s):
        return [c for check in s["checks"] for c in CHECKS[check].claims(rows, s)]

    def figure(rows, s, path):
        fig, ax = new_figure(1, len(s["checks"]))
        for a, check in zip(ax[0], s["checks"]):
            CHECKS[check].draw(a, rows)
        save(fig, path)

    return Experiment(
        id=f"diagnose-{name}",
        paper="your layer",
        figure_label="diagnosis",
        description=f"Diagnosis of {name} against memory scale: the selected checks among " + ", ".join(CHECKS) + ".",
        profiles={"quick": QUICK, "full": {**QUICK, "batch": 32, "probes": 32, "eigenvalues": 8}},
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
