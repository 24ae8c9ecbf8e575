"""Check `signal`: signal propagation through a deep stack of the layer at initialization.

The layer goes into the deep residual network of Zucchet & Orvieto (2024, Sec. 5.4; dense
encoder, `layers` blocks of norm -> layer -> GELU -> GLU -> skip, dense decoder, no norm),
fed inputs with the autocorrelation of the paper's text embeddings (`tasks.SyntheticEmbeddings`),
next-token loss (`diagnostics.signal_propagation`). Measured: the mean squared gradient per
parameter group of the layer (everything outside the layers is "other"), and the variance of
the residual stream and of the hidden states after the last block. Fig. 5: with long memory
these explode in the complex diagonal RNN, and stay put in the LRU (except its angles) and
gated RNNs.
"""

from __future__ import annotations

import numpy as np

from curse_of_memory.diagnose.curves import growth_claims, plot_groups
from curse_of_memory.diagnostics import signal_propagation
from curse_of_memory.tasks import SyntheticEmbeddings


def rows(factory, config) -> list[dict]:
    inputs = SyntheticEmbeddings(config["batch"], T=config["T"], d=config["width"], seed=config["seed"])
    measured = signal_propagation(
        factory,
        [config["memory_scale"]],
        inputs,
        seed=config["seed"],
        d_model=config["width"],
        n_layers=config["layers"],
        batch_size=config["batch"],
    )
    base = {"check": "signal", "memory_scale": config["memory_scale"]}
    values = {f"gradient {g}": np.nanmean(v) for g, v in measured.gradient.items()}
    values["(residual variance, last block)"] = np.mean(measured.residual[..., -1])
    values["(hidden variance, last block)"] = np.mean(measured.hidden[..., -1])
    return [{**base, "group": g, "value": float(v)} for g, v in values.items()]


def claims(rows, settings):
    return growth_claims(rows, "signal")


def draw(ax, rows):
    plot_groups(ax, rows, "signal", "mean square at initialization", "deep stack: gradients and variances")
