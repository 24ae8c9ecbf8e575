"""Zucchet & Orvieto (2024), Fig. 13: the gradient magnitudes of Fig. 5B, layer by layer.

The same networks and measurements as `zucchet2024-fig5` (no norm), with the mean squared
gradient entry per parameter group restricted to the parameters of each block (encoder and
decoder excluded). Claim: every layer shows the trends of the whole network, and for the
complex diagonal RNN at long memory the eigenvalue gradient is largest in the deeper layers.
The published GRU panel is empty (Sec. 7, issue 17); it is drawn here.
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
    growth,
    memory_axis,
    run_grid_unit,
    spread,
)
from curse_of_memory.harness.claims import at_least, at_most, holds
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.plotting import colors, new_figure, save
from curse_of_memory.harness.table import select
from curse_of_memory.models.memory_scale import LABELS

SOURCE = "Zucchet & Orvieto 2024, Fig. 13 (spec Fig 13)"


@dataclass(frozen=True, kw_only=True)
class Fig13Settings(SignalGridSettings):
    """Fig. 5's grid and models, all without norm."""


PROFILES = {"quick": Fig13Settings(**QUICK_GRID, models=["complex", "lru", "gru"]), "full": Fig13Settings()}

# Per layer, the direction of each Fig. 5B trend, with the Fig. 5 check's value ("the same trends
# hold in every layer"): (model, group) -> ("grows", minimum growth) or ("flat", maximum spread).
TRENDS = {
    ("complex", "lambda"): ("grows", 1e12),
    ("complex", "other"): ("grows", 1e10),
    ("lru", "lambda angle"): ("grows", 1e3),
    ("lru", "lambda magnitude"): ("flat", 20.0),
    ("lru", "other"): ("flat", 2.0),
    ("gru", "recurrent cell"): ("flat", 3.0),
    ("gru", "other"): ("flat", 3.0),
    ("lstm", "recurrent cell"): ("flat", 3.0),
    ("lstm", "other"): ("flat", 3.0),
}


def units(s):
    return grid_units(s, [(m, "none") for m in s.models])


def layer_curve(rows, s, model, group, layer):
    return curve(rows, s, "layer_gradient", "value", model=model, norm="none", group=group, layer=layer)


def layer_groups(rows, model):
    return sorted({r["group"] for r in select(rows, kind="layer_gradient", model=model)})


def claims(rows, s):
    out = []
    layers = range(s.n_layers)
    for (model, group), (trend, bound) in TRENDS.items():
        if model not in s.models:
            continue
        if trend == "grows":
            worst = min(growth(layer_curve(rows, s, model, group, k)) for k in layers)
            out.append(
                at_least(
                    f"{LABELS[model]}: {group} gradient grows in every layer (smallest growth)",
                    worst,
                    bound,
                    source=SOURCE,
                )
            )
        else:
            worst = max(spread(layer_curve(rows, s, model, group, k)) for k in layers)
            out.append(
                at_most(
                    f"{LABELS[model]}: {group} gradient flat in every layer (largest max/min)",
                    worst,
                    bound,
                    source=SOURCE,
                )
            )
    if "complex" in s.models:
        at_end = [layer_curve(rows, s, "complex", "lambda", k)[-1] for k in layers]
        out.append(
            holds(
                "complex diagonal RNN at the longest memory: lambda gradient largest in the deeper half of the layers",
                bool(np.argmax(at_end) >= s.n_layers // 2),
                source=SOURCE,
                expected=f"argmax in layers {s.n_layers // 2}..{s.n_layers - 1}",
                measured=f"layer {int(np.argmax(at_end))} ({', '.join(f'{v:.3g}' for v in at_end)})",
            )
        )
    return out


def figure(rows, s, path):
    t = np.array(s.memory_scales)
    models = s.models
    fig, ax = new_figure(1, len(models), width=4, height=3.4)
    shades = colors(s.n_layers, "Blues")
    styles = {"lambda": "-", "lambda magnitude": "--", "lambda angle": "-", "recurrent cell": "-", "other": ":"}
    for j, m in enumerate(models):
        a = ax[0, j]
        for group in layer_groups(rows, m):
            for k in range(s.n_layers):
                a.plot(
                    t,
                    layer_curve(rows, s, m, group, k),
                    styles[group],
                    color=shades[k],
                    label=group if k == s.n_layers - 1 else None,
                )
        a.set(yscale="log", ylabel="mean squared gradient", title=f"{LABELS[m]} (light: first layer)")
        memory_axis(a, s)
        a.legend(fontsize=7)
    save(fig, path)


EXPERIMENT = Experiment(
    id="zucchet2024-fig13",
    paper="Zucchet & Orvieto, NeurIPS 2024",
    figure_label="Fig. 13",
    description="Fig. 5B layer by layer: every layer shows the same gradient trends (complex diagonal RNN "
    "explodes, LRU only in its angle, chrono GRU flat).",
    profiles=PROFILES,
    minutes={"quick": 1, "full": 20},
    units=units,
    run_unit=run_grid_unit,
    claims=claims,
    figure=figure,
    validate=check_input_file,
    has_as_published=True,
    notes=(
        "Same networks, inputs and precision as zucchet2024-fig5 (float32 by default, synthetic inputs of "
        "Sec. 3.8). Per layer, a trend 'grows' means >= 100x from t = 1 to t = 100 and 'flat' means max/min "
        "across the grid <= 30x (LRU) or 10x (GRU, LSTM), as in the Fig. 5 claims. --as-published: previous-"
        "input loss and the double norm (no effect without norm). The GRU panel, empty in the paper, is "
        "drawn."
    ),
)
