"""What Figs. 5 and 13 of Zucchet & Orvieto (2024) share: deep residual RNNs at initialization
over a grid of memory scales, measured by `diagnostics.signal_propagation`.

A unit is one (recurrent layer, norm, memory scale): the model (`models.deep_rnn` around
`models.recurrent_layer`, parameters from the seed's key, the same key at every scale) runs on
every batch of the inputs. Rows: per batch and layer the mean squares of the residual stream
and hidden states ("activation"); per batch and parameter group the mean squared gradient
entry over the whole model ("gradient") and within each layer ("layer_gradient").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from curse_of_memory.diagnostics.signal_propagation import (
    PRECISIONS,
    next_token_loss,
    previous_token_loss,
    signal_propagation,
)
from curse_of_memory.experiments.zucchet2024.embedding_inputs import EmbeddingInputSettings, inputs_for
from curse_of_memory.harness.settings import require, setting
from curse_of_memory.harness.table import select
from curse_of_memory.models.memory_scale import RECURRENT_LAYERS, recurrent_layer

MEMORY_SCALES = [1.0, 10**0.5, 10.0, 10**1.5, 100.0]
# What the quick profiles change: three of the five memory scales and one batch of 4 sequences
# (Fig. 5 in under 2 minutes on 2 cores).
QUICK_GRID = {"memory_scales": [1.0, 10.0, 100.0], "n_sequences": 4, "batch_size": 4}
KEEP = ("d_model", "n_layers", "T", "precision", "n_sequences", "batch_size", "inputs", "input_seed", "seed")


@dataclass(frozen=True, kw_only=True)
class SignalGridSettings(EmbeddingInputSettings):
    """The paper's grid (Sec. 5.4): 4 residual blocks of width 256 on 128 sequences of 512 steps,
    in batches of 16, at 5 memory scales from 1 to 100."""

    models: list[str] = setting(
        ["complex", "lru", "gru", "lstm", "rglru"], "recurrent layers measured without norm", choices=RECURRENT_LAYERS
    )
    memory_scales: list[float] = setting(
        MEMORY_SCALES,
        "memory scales t: eigenvalue magnitudes in [1 - 1/t, 1 - 1/(2t)], chrono timescales in [t, 2t]",
        low=1,
        min_items=2,
    )
    d_model: int = setting(256, "width of the residual stream", low=1)
    n_layers: int = setting(4, "residual blocks", low=1)
    T: int = setting(512, "steps per sequence (at least 2 for the next-token loss)", low=2)
    n_sequences: int = setting(128, "input sequences measured", low=1)
    batch_size: int = setting(16, "sequences per batch (one measurement each)", low=1)
    # Float32 for speed (bench/signal_propagation.py --precision float32/float64); float64 on request.
    precision: str = setting("float32", "floating-point precision of the networks", choices=PRECISIONS)

    def check(self) -> None:
        require(
            self.n_sequences % self.batch_size == 0,
            "n_sequences",
            f"a multiple of batch_size = {self.batch_size}",
            self.n_sequences,
        )
        super().check()

    def input_shape(self) -> tuple[int, int]:
        return self.n_sequences, self.T


def grid_units(s: SignalGridSettings, variants: list[tuple[str, str]]) -> list[dict]:
    """One unit per (model, norm) in `variants` and memory scale."""
    return [
        {
            "model": model,
            "norm": norm,
            "memory": float(t),
            "norm_twice": s.as_published,
            "loss": "previous_token" if s.as_published else "next_token",
            **s.pick(*KEEP),
        }
        for model, norm in variants
        for t in s.memory_scales
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
    for t in s.memory_scales:
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
    ticks = [t for t in (1, 10, 100) if min(s.memory_scales) <= t <= max(s.memory_scales)]
    a.set_xscale("log")
    a.set_xticks(ticks, [f"nu={1 - 1 / t:g}" for t in ticks])
    a.set_xlabel("memory scale t (|lambda| in [1-1/t, 1-1/2t])")
