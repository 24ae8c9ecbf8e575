"""Zucchet & Orvieto (2024), Fig. 5: signal propagation in deep recurrent networks at
initialization.

Deep residual networks (Sec. 5.4: 4 blocks of width 256, dense encoder and decoder) around
each recurrent layer, initialized at memory scales t in {1, 10^0.5, 10, 10^1.5, 100}
(eigenvalue magnitudes in [1 - 1/t, 1 - 1/(2t)], chrono timescales in [t, 2t]), and fed
input embeddings (synthetic by default, Sec. 3.8) with a next-token loss.
A: mean square of the residual stream after the first and the last block. B: mean squared
gradient entry per parameter group (lambda magnitude, lambda angle, lambda, recurrent cell,
other). C: the complex diagonal RNN without and with layer norm (and batch norm in the full
profile). The unnormalized complex diagonal RNN explodes with memory; the LRU, GRU and LSTM
stay flat except the LRU's angle gradients; layer norm fixes the overall scale but not the
eigenvalue gradients. The RG-LRU of Griffin is measured as a further layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from curse_of_memory.experiments.zucchet2024.embedding_inputs import check_input_file
from curse_of_memory.experiments.zucchet2024.signal_grid import (
    QUICK_GRID,
    SignalGridSettings,
    curve,
    grid_units,
    groups,
    growth,
    memory_axis,
    run_grid_unit,
    spread,
)
from curse_of_memory.harness.claims import at_least, at_most, within_factor
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.plotting import new_figure, save
from curse_of_memory.harness.settings import setting
from curse_of_memory.models.deep_rnn import NORMS
from curse_of_memory.models.memory_scale import LABELS

SOURCE = "Zucchet & Orvieto 2024, Fig. 5 (spec Sec. 5.4, Fig 5)"


@dataclass(frozen=True, kw_only=True)
class Fig5Settings(SignalGridSettings):
    """The paper's grid and models (plus the RG-LRU), with layer and batch norm in panel C."""

    panel_c_norms: list[str] = setting(
        ["layer", "batch"],
        "norms around the complex diagonal RNN in panel C",
        choices=[n for n in NORMS if n != "none"],
        min_items=0,
    )


PROFILES = {
    "quick": Fig5Settings(**QUICK_GRID, models=["complex", "lru", "gru", "lstm"], panel_c_norms=["layer"]),
    "full": Fig5Settings(),
}

# The paper's values (spec Fig 5, Checks; growth: largest over smallest memory scale, spread:
# max over min across the grid t = 1..100, which the quick profile spans too).
COMPLEX_ACTIVATION_GROWTH = 1e3
COMPLEX_LAMBDA_GROWTH = 1e12
COMPLEX_OTHER_GROWTH = 1e10
LRU_ANGLE_GROWTH = 1e3
LRU_ACTIVATION_FLAT = 3.0  # "activations vary < 3x"
LRU_MAGNITUDE_FLAT = 20.0  # "no systematic trend (within about 20x)"
LRU_OTHER_FLAT = 2.0  # "all-but-lambda stays within about 2x"
GATED_FLAT = 3.0  # "activations vary < 3x; both gradient groups are flat"
NORMED_LAMBDA_GROWTH = 1e3  # "roughly three orders of magnitude" (factor 3 either way)
NORMED_FLAT = GATED_FLAT  # "the other groups do not grow"


def variants(s):
    """(model, norm) pairs: every model without norm, and the complex diagonal RNN with each
    norm of panel C (and without, its reference)."""
    pairs = [(m, "none") for m in s.models]
    if s.panel_c_norms and ("complex", "none") not in pairs:
        pairs.append(("complex", "none"))
    return pairs + [("complex", n) for n in s.panel_c_norms]


def units(s):
    return grid_units(s, variants(s))


def last_layer(rows, s, model, norm="none", last_batch=False):
    n = s.n_layers - 1
    return curve(rows, s, "activation", "residual", model=model, norm=norm, layer=n, last_batch=last_batch)


def gradient(rows, s, model, group, norm="none", last_batch=False):
    return curve(rows, s, "gradient", "value", model=model, norm=norm, group=group, last_batch=last_batch)


def claims(rows, s):
    out = []
    models = s.models
    if "complex" in models:
        out.append(
            at_least(
                "complex diagonal RNN: growth of the last-layer activation across the grid",
                growth(last_layer(rows, s, "complex")),
                COMPLEX_ACTIVATION_GROWTH,
                source=SOURCE,
            )
        )
        out.append(
            at_least(
                "complex diagonal RNN: growth of the lambda gradient across the grid",
                growth(gradient(rows, s, "complex", "lambda")),
                COMPLEX_LAMBDA_GROWTH,
                source=SOURCE,
            )
        )
        out.append(
            at_least(
                "complex diagonal RNN: growth of the other (non-lambda) gradients across the grid",
                growth(gradient(rows, s, "complex", "other")),
                COMPLEX_OTHER_GROWTH,
                source=SOURCE,
            )
        )
    if "lru" in models:
        out.append(
            at_least(
                "LRU: growth of the lambda-angle gradient across the grid",
                growth(gradient(rows, s, "lru", "lambda angle")),
                LRU_ANGLE_GROWTH,
                source=SOURCE,
            )
        )
        for group, bound in (("lambda magnitude", LRU_MAGNITUDE_FLAT), ("other", LRU_OTHER_FLAT)):
            out.append(
                at_most(
                    f"LRU: {group} gradient max/min across the grid",
                    spread(gradient(rows, s, "lru", group)),
                    bound,
                    source=SOURCE,
                )
            )
        out.append(
            at_most(
                "LRU: last-layer activation max/min across the grid",
                spread(last_layer(rows, s, "lru")),
                LRU_ACTIVATION_FLAT,
                source=SOURCE,
            )
        )
    for model in [m for m in ("gru", "lstm") if m in models]:
        out.append(
            at_most(
                f"{LABELS[model]}: last-layer activation max/min across the grid",
                spread(last_layer(rows, s, model)),
                GATED_FLAT,
                source=SOURCE,
            )
        )
        for group in groups(rows, model):
            out.append(
                at_most(
                    f"{LABELS[model]}: {group} gradient max/min across the grid",
                    spread(gradient(rows, s, model, group)),
                    GATED_FLAT,
                    source=SOURCE,
                )
            )
    last = s.as_published  # the notebook kept only the last batch in panel C
    for norm in s.panel_c_norms:
        out.append(
            at_most(
                f"complex diagonal RNN + {norm} norm: last-layer activation max/min across the grid "
                "(the overall explosion is removed)",
                spread(last_layer(rows, s, "complex", norm, last)),
                NORMED_FLAT,
                source=SOURCE,
            )
        )
        out.append(
            within_factor(
                f"complex diagonal RNN + {norm} norm: growth of the lambda gradient across the grid",
                growth(gradient(rows, s, "complex", "lambda", norm, last)),
                NORMED_LAMBDA_GROWTH,
                source=SOURCE,
            )
        )
        out.append(
            at_most(
                f"complex diagonal RNN + {norm} norm: other (non-lambda) gradient max/min across the grid",
                spread(gradient(rows, s, "complex", "other", norm, last)),
                NORMED_FLAT,
                source=SOURCE,
            )
        )
    return out


STYLES = {"lambda": "-", "lambda magnitude": "--", "lambda angle": "-", "recurrent cell": "-", "other": ":"}
COLORS = {"complex": "tab:red", "lru": "tab:blue", "gru": "tab:green", "lstm": "tab:purple", "rglru": "tab:orange"}
NORM_COLORS = {"none": "tab:red", "layer": "tab:gray", "batch": "tab:brown"}


def figure(rows, s, path):
    t = np.array(s.memory_scales)
    models = s.models
    fig, ax = new_figure(2, max(3, len(models)), width=3.9, height=3.2)
    a = ax[0, 0]
    for m in models:
        a.plot(t, curve(rows, s, "activation", "residual", model=m, norm="none", layer=0), "--", color=COLORS[m])
        a.plot(t, last_layer(rows, s, m), "-", color=COLORS[m], label=LABELS[m])
    a.set(
        yscale="log",
        ylabel="mean square of the residual stream",
        title="A: activations (dashed: first, solid: last layer)",
    )
    a.legend(fontsize=7)
    last = s.as_published
    for norm in ["none", *s.panel_c_norms]:
        ax[0, 1].plot(t, last_layer(rows, s, "complex", norm, last), color=NORM_COLORS[norm], label=f"norm: {norm}")
        for group in groups(rows, "complex", norm):
            ax[0, 2].plot(
                t,
                gradient(rows, s, "complex", group, norm, last),
                STYLES[group],
                color=NORM_COLORS[norm],
                label=f"{norm}: {group}",
            )
    ax[0, 1].set(yscale="log", ylabel="last-layer mean square", title="C: complex diagonal RNN, activations")
    ax[0, 2].set(yscale="log", ylabel="mean squared gradient", title="C: complex diagonal RNN, gradients")
    for a in ax[0, 1:3]:
        a.legend(fontsize=7)
    for j, m in enumerate(models):
        a = ax[1, j]
        for group in groups(rows, m):
            a.plot(t, gradient(rows, s, m, group), STYLES[group], color=COLORS[m], label=group)
        a.set(yscale="log", ylabel="mean squared gradient", title=f"B: {LABELS[m]}")
        a.legend(fontsize=7)
    for a in ax.flat:
        if a.has_data():
            memory_axis(a, s)
        else:
            a.set_visible(False)
    save(fig, path)


EXPERIMENT = Experiment(
    id="zucchet2024-fig5",
    paper="Zucchet & Orvieto, NeurIPS 2024",
    figure_label="Fig. 5",
    description="Deep RNNs at initialization as memory grows: the unnormalized complex diagonal RNN explodes "
    "(activations and eigenvalue gradients), the LRU and chrono GRU/LSTM stay flat except the LRU's angle "
    "gradient; layer norm fixes the scale but not the eigenvalue gradients.",
    profiles=PROFILES,
    minutes={"quick": 2, "full": 25},
    units=units,
    run_unit=run_grid_unit,
    claims=claims,
    figure=figure,
    validate=check_input_file,
    has_as_published=True,
    notes=(
        "Inputs are synthetic embeddings with the paper's autocorrelation (Sec. 3.8) unless --set "
        "inputs=PATH. Float32 by default (the paper used float64; tests check float32 against float64 at toy "
        "scale); --set precision=float64 for the paper's precision. The quick profile measures three of the "
        "five memory scales (t = 1, 10, 100) on one batch of 4 sequences. --as-published: the notebook's "
        "previous-input loss, its double application of the norm in each block, and panel C from the last "
        "batch only. The LSTM (chrono forget gate, Tallec & Ollivier) and the RG-LRU (Griffin) were not in "
        "the paper."
    ),
)
