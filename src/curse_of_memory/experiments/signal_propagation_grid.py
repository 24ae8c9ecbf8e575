"""What Figs. 5 and 13 of Zucchet & Orvieto (2024) share: deep residual RNNs at initialization
over a grid of memory scales, measured by `diagnostics.signal_propagation`.

A unit is one (recurrent layer, norm, memory scale): the model (`models.deep_rnn` around
`models.recurrent_layer`, parameters from the seed's key, the same key at every scale) runs on
every batch of the inputs. Rows: per batch and layer the mean squares of the residual stream
and hidden states ("activation"); per batch and parameter group the mean squared gradient
entry over the whole model ("gradient") and within each layer ("layer_gradient").
"""

from __future__ import annotations

import numpy as np

from curse_of_memory.diagnostics.signal_propagation import (
    PRECISIONS,
    next_token_loss,
    previous_token_loss,
    signal_propagation,
)
from curse_of_memory.experiments import checks
from curse_of_memory.experiments.embedding_settings import INPUT_SETTINGS, inputs_for, validate_inputs
from curse_of_memory.experiments.table import select
from curse_of_memory.models.memory_scale import RECURRENT_LAYERS, recurrent_layer

MEMORY_SCALES = [1.0, 10**0.5, 10.0, 10**1.5, 100.0]
QUICK_MEMORY_SCALES = [1.0, 10.0, 100.0]
COMMON = {
    **INPUT_SETTINGS,
    "memory_scales": MEMORY_SCALES,
    "d_model": 256,
    "n_layers": 4,
    "T": 512,
    # Float32 for speed (bench/signal_propagation.py --precision float32/float64); float64 on request.
    "precision": "float32",
}
KEEP = ("d_model", "n_layers", "T", "precision", "n_sequences", "batch_size", "inputs", "input_seed", "seed")


def validate(s, models_key: str = "models") -> None:
    for name in ("d_model", "n_layers", "T", "n_sequences", "batch_size"):
        checks.positive_int(name, s[name])
    checks.require(s["T"] >= 2, "T", "at least 2 steps (next-token loss)", s["T"])
    checks.require(
        s["n_sequences"] % s["batch_size"] == 0,
        "n_sequences",
        f"a multiple of batch_size = {s['batch_size']}",
        s["n_sequences"],
    )
    checks.require(
        isinstance(s["memory_scales"], list) and len(s["memory_scales"]) >= 2,
        "memory_scales",
        "a list of at least two memory scales >= 1",
        s["memory_scales"],
    )
    checks.positive_number("memory_scales", s["memory_scales"])
    checks.require(min(s["memory_scales"]) >= 1, "memory_scales", "memory scales >= 1", s["memory_scales"])
    checks.require(
        isinstance(s[models_key], list) and bool(s[models_key]),
        models_key,
        f"a non-empty list of {list(RECURRENT_LAYERS)}",
        s[models_key],
    )
    checks.one_of(models_key, s[models_key], RECURRENT_LAYERS)
    checks.one_of("precision", s["precision"], PRECISIONS)
    validate_inputs(s, s["n_sequences"], s["T"])


def grid_units(s, variants) -> list[dict]:
    """One unit per (model, norm) in `variants` and memory scale."""
    return [
        {
            "model": model,
            "norm": norm,
            "memory": float(t),
            "norm_twice": s["as_published"],
            "loss": "previous_token" if s["as_published"] else "next_token",
            **{k: s[k] for k in KEEP},
        }
        for model, norm in variants
        for t in s["memory_scales"]
    ]


def run_grid_unit(c, progress):
    inputs = inputs_for(c, c["n_sequences"], c["T"])
    result = signal_propagation(
        lambda key, t: recurrent_layer(c["model"], key, c["d_model"], t),
        [c["memory"]],
        inputs,
        seed=c["seed"],
        d_model=c["d_model"],
        n_layers=c["n_layers"],
        norm=c["norm"],
        norm_twice=c["norm_twice"],
        batch_size=c["batch_size"],
        n_sequences=c["n_sequences"],
        loss=previous_token_loss if c["loss"] == "previous_token" else next_token_loss,
        precision=c["precision"],
        on_progress=lambda done, total: progress(done / total),
    )
    meta = {"model": c["model"], "norm": c["norm"], "memory": c["memory"]}
    rows = []
    for b in range(result.loss.shape[1]):
        rows.append({"kind": "loss", **meta, "batch": b, "value": float(result.loss[0, b])})
        for layer in range(result.residual.shape[2]):
            rows.append(
                {
                    "kind": "activation",
                    **meta,
                    "batch": b,
                    "layer": layer,
                    "residual": float(result.residual[0, b, layer]),
                    "hidden": float(result.hidden[0, b, layer]),
                }
            )
        for group, values in result.gradient.items():
            rows.append({"kind": "gradient", **meta, "batch": b, "group": group, "value": float(values[0, b])})
            for layer, v in enumerate(result.layer_gradient[group][0, b]):
                if np.isfinite(v):
                    row = {"kind": "layer_gradient", **meta, "batch": b, "layer": layer, "group": group}
                    rows.append({**row, "value": float(v)})
    return rows


def curve(rows, s, kind: str, field: str, *, last_batch: bool = False, **where) -> np.ndarray:
    """`field` of rows of `kind` matching `where`, averaged over batches (or the last batch),
    at each memory scale of the settings; NaN where nothing was measured."""
    out = []
    for t in s["memory_scales"]:
        found = select(rows, kind=kind, memory=float(t), **where)
        if last_batch and found:
            found = [r for r in found if r["batch"] == max(r["batch"] for r in found)]
        out.append(np.mean([r[field] for r in found]) if found else np.nan)
    return np.array(out)


def groups(rows, model: str, norm: str = "none") -> list[str]:
    return sorted({r["group"] for r in select(rows, kind="gradient", model=model, norm=norm)})


def growth(values: np.ndarray) -> float:
    """Last over first value along the memory grid."""
    return float(values[-1] / values[0])


def spread(values: np.ndarray) -> float:
    """Max over min along the memory grid."""
    return float(np.max(values) / np.min(values))


def memory_axis(a, s) -> None:
    """Log memory axis labelled by the smallest eigenvalue magnitude 1 - 1/t."""
    ticks = [t for t in (1, 10, 100) if min(s["memory_scales"]) <= t <= max(s["memory_scales"])]
    a.set_xscale("log")
    a.set_xticks(ticks, [f"nu={1 - 1 / t:g}" for t in ticks])
    a.set_xlabel("memory scale t (|lambda| in [1-1/t, 1-1/2t])")
