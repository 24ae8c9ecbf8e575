"""Diagnose your own recurrent layer: `curse-of-memory diagnose MODULE:FACTORY`.

The user's layer comes as a factory f(key, memory_scale) -> equinox.Module whose call maps
inputs (T, width) to outputs (T, width); `memory_scale` is the layer's own notion of how long
it remembers at initialization (for the paper's layers: 1 / (1 - |lambda|), or the chrono
timescale of a GRU). A `hidden_states(x)` method, if present, gives the states the
sensitivity check looks at (the outputs otherwise). Each check runs over the memory scales
and states its verdict as claims, so a diagnosis is an `Experiment` like the reproduced
ones and writes the same folder (results.parquet, claims.json, figure.png, summary.md) and
the same HTML report.

Checks:
- ``sensitivity``: mean squared sensitivity of the hidden state to each parameter group
  (`diagnostics.group_sensitivity`), and the state's variance, against memory scale: the
  curse of memory of Zucchet & Orvieto (2024) shows as growth with memory.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import sys
from pathlib import Path
from typing import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from curse_of_memory.diagnostics import group_sensitivity
from curse_of_memory.errors import ConfigError
from curse_of_memory.experiments import checks as setting_checks
from curse_of_memory.experiments.claims import at_most
from curse_of_memory.experiments.experiment import Experiment
from curse_of_memory.experiments.plotting import colors, new_figure, save
from curse_of_memory.experiments.table import column, distinct, select
from curse_of_memory.tasks import white_noise

# Growth across the memory grid above which a quantity is flagged (the paper's LRU keeps all
# but its angle sensitivity within ~30x; the complex diagonal RNN grows by 1e8).
GROWTH_LIMIT = 100.0
PAPER_MEMORY_SCALES = [1.0, 10**0.5, 10.0, 10**1.5, 100.0]


def load_factory(spec: str) -> tuple[Callable, str]:
    """MODULE:FACTORY, MODULE a dotted module name or a path to a .py file. Returns the
    factory and a hash of its module's source (so edits invalidate stored results)."""
    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(f"the layer must be given as MODULE:FACTORY (e.g. examples/custom_layer.py:min_gru), got {spec!r}")
    try:
        if module_name.endswith(".py") or "/" in module_name:
            path = Path(module_name)
            if not path.is_file():
                raise ConfigError(f"no such file {str(path)!r} (from {spec!r})")
            loaded = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(loaded)
            sys.modules[path.stem] = module
            loaded.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except ConfigError:
        raise
    except Exception as error:
        raise ConfigError(f"cannot import {module_name!r}: {type(error).__name__}: {error}") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ConfigError(f"{module_name!r} has no callable {attr!r}")
    source = inspect.getsource(module) if hasattr(module, "__file__") else spec
    return factory, hashlib.sha256(source.encode()).hexdigest()[:16]


def check_layer(factory: Callable, width: int, T: int = 8) -> None:
    """The factory returns an Equinox module mapping (T, width) to (T, width)."""
    try:
        layer = factory(jax.random.PRNGKey(0), 1.0)
    except Exception as error:
        raise ConfigError(f"calling the factory as f(key, memory_scale) failed: {type(error).__name__}: {error}; "
                          "expected a function (key, memory_scale) -> equinox.Module") from None
    if not isinstance(layer, eqx.Module):
        raise ConfigError(f"the factory must return an equinox.Module, got {type(layer).__name__}")
    try:
        out = jax.eval_shape(layer, jax.ShapeDtypeStruct((T, width), jnp.float32))
    except Exception as error:
        raise ConfigError(f"calling the layer on inputs of shape ({T}, {width}) failed: {type(error).__name__}: "
                          f"{error}; expected a map (T, width) -> (T, width) (set the width with --width)") from None
    if getattr(out, "shape", None) != (T, width):
        raise ConfigError(f"the layer maps inputs ({T}, {width}) to {getattr(out, 'shape', type(out).__name__)}; "
                          f"expected ({T}, {width}): (T, width) -> (T, width) (set the width with --width)")


def _hidden_fn(static):
    """(params, x (batch, T, width)) -> the layer's hidden states, or its outputs."""

    def hidden(params, x):
        module = eqx.combine(params, static)
        return jax.vmap(getattr(module, "hidden_states", module))(x)

    return hidden


def _sensitivity_rows(factory, config) -> list[dict]:
    key = jax.random.PRNGKey(config["seed"])
    k_layer, k_x, k_probe = jax.random.split(key, 3)
    layer = factory(k_layer, config["memory_scale"])
    params, static = eqx.partition(layer, eqx.is_inexact_array)
    hidden = _hidden_fn(static)
    x = white_noise(k_x, (config["batch"], config["T"], config["width"]))
    burn_in = config["T"] // 2
    sens = group_sensitivity(hidden, params, x, k_probe, probes=config["probes"], burn_in=burn_in)
    h = jax.jit(hidden)(params, x)[:, burn_in:]
    base = {"check": "sensitivity", "memory_scale": config["memory_scale"]}
    rows = [{**base, "group": g, "value": v} for g, v in sens.items()]
    return rows + [{**base, "group": "(hidden variance)", "value": float(jnp.mean(jnp.abs(h) ** 2))}]


def _growth(rows, check, group):
    """Value at the longest memory scale over value at the shortest."""
    values = column(sorted(select(rows, check=check, group=group), key=lambda r: r["memory_scale"]), "value")
    return float(values[-1] / values[0]) if values[0] > 0 else float("inf")


def _sensitivity_claims(rows, settings):
    out = []
    for group in distinct(select(rows, check="sensitivity"), "group"):
        if max(column(select(rows, check="sensitivity", group=group), "value")) == 0:
            continue  # parameters the hidden state does not depend on (e.g. a readout)
        out.append(at_most(f"sensitivity: growth of {group} across memory scales", _growth(rows, "sensitivity", group), GROWTH_LIMIT))
    return out


def _sensitivity_figure(ax, rows):
    groups = distinct(select(rows, check="sensitivity"), "group")
    for group, color in zip(groups, colors(len(groups), "tab10")):
        curve = sorted(select(rows, check="sensitivity", group=group), key=lambda r: r["memory_scale"])
        values = column(curve, "value")
        if np.any(values > 0):
            ax.plot(column(curve, "memory_scale"), values, "o-", color=color, label=group,
                    ls="--" if group.startswith("(") else "-")
    ax.set(xscale="log", yscale="log", xlabel="memory scale", ylabel="E ||dh/dtheta||^2 per parameter",
           title="hidden-state sensitivity")
    ax.legend(fontsize=7)


CHECKS = {
    "sensitivity": (_sensitivity_rows, _sensitivity_claims, _sensitivity_figure),
}


def diagnosis(factory: Callable, name: str, source_hash: str = "") -> Experiment:
    """The diagnosis of one layer as an Experiment (run it with `sweep.reproduce`)."""

    def validate(s):
        setting_checks.one_of("checks", s["checks"], CHECKS)
        for field in ("width", "T", "batch", "probes"):
            setting_checks.positive_int(field, s[field])
        setting_checks.positive_number("memory_scales", s["memory_scales"])
        check_layer(factory, s["width"])

    def units(s):
        keep = ("width", "T", "batch", "probes")
        return [{"check": check, "memory_scale": m, "seed": s["seed"], "layer": name, "source": source_hash,
                 **{k: s[k] for k in keep}} for check in s["checks"] for m in s["memory_scales"]]

    def run_unit(config, progress):
        return CHECKS[config["check"]][0](factory, config)

    def claims(rows, s):
        return [c for check in s["checks"] for c in CHECKS[check][1](rows, s)]

    def figure(rows, s, path):
        fig, ax = new_figure(1, len(s["checks"]))
        for a, check in zip(ax[0], s["checks"]):
            CHECKS[check][2](a, rows)
        save(fig, path)

    settings = {"checks": list(CHECKS), "memory_scales": PAPER_MEMORY_SCALES, "width": 16, "T": 1024,
                "batch": 8, "probes": 8}
    return Experiment(
        id=f"diagnose-{name}",
        paper="your layer",
        figure_label="diagnosis",
        description=f"Diagnosis of {name}: " + ", ".join(CHECKS) + " against memory scale.",
        profiles={"quick": settings, "full": {**settings, "batch": 32, "probes": 32}},
        minutes={"quick": 1, "full": 3},
        units=units,
        run_unit=run_unit,
        claims=claims,
        figure=figure,
        validate=validate,
        notes=f"Growth limit {GROWTH_LIMIT:g}x across the memory scales: above it a quantity explodes with "
        "memory (the curse of memory); the paper's LRU stays within it except for its eigenvalue angles.",
    )
