"""Zucchet & Orvieto (2024), Fig. 14: recurrent Jacobians of a chrono-initialized GRU.

J(Delta t) = d h_{Delta t} / d h_0 of a GRU of width 256 (`models.chrono_gru`, parameters from
the seed's key) on one input sequence (sample 42), from a zero carry, for
Delta t = int(2^linspace(0, 9, 20)), computed by `diagnostics.recurrent_jacobians`. Nine
panels (scale_x, scale_h, T range): constant gates (0, 0) with T in [1, 1], [1, 16],
[1, 256]; the full GRU (1, 1) with the same ranges; and scale_x = 1 with scale_h in
{0, 1, 3}, T in [1, 16]. With constant gates J = diag(z)^Delta t exactly, z = T / (1 + T):
a diagonal linear RNN. Off-diagonal terms stay small unless the hidden-to-gate weights are
strong.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from curse_of_memory.diagnostics.jacobians import recurrent_jacobians
from curse_of_memory.experiments.zucchet2024.embedding_inputs import (
    EmbeddingInputSettings,
    check_input_file,
    inputs_for,
)
from curse_of_memory.harness.claims import at_least, at_most, holds
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.plotting import new_figure, save
from curse_of_memory.harness.settings import require, setting
from curse_of_memory.harness.table import column, select
from curse_of_memory.models.chrono import chrono_gru

SOURCE = "Zucchet & Orvieto 2024, Fig. 14 (spec Fig 14)"

# (scale_x, scale_h, T_min, T_max), row by row as in the paper.
PANELS = [
    [0, 0, 1, 1],
    [0, 0, 1, 16],
    [0, 0, 1, 256],
    [1, 1, 1, 1],
    [1, 1, 1, 16],
    [1, 1, 1, 256],
    [1, 0, 1, 16],
    [1, 1, 1, 16],
    [1, 3, 1, 16],
]


@dataclass(frozen=True, kw_only=True)
class Fig14Settings(EmbeddingInputSettings):
    """The paper's nine panels: a GRU of width 256 on sample 42 of 512 steps, 20 time points."""

    d_hidden: int = setting(256, "GRU width", low=1)
    T: int = setting(512, "steps of the input sequence", low=1)
    sample: int = setting(42, "index of the input sequence", low=0)
    time_points: int = setting(20, "points of the grid int(2^linspace(0, 9, time_points)) of steps", low=1)
    off_diagonal_entries: int = setting(512, "random off-diagonal Jacobian entries drawn in the figure", low=1)
    panels: list[list[float]] = setting(
        PANELS,
        "one panel per [scale_x, scale_h, T_min, T_max]: gate weight scales and the chrono timescale range",
        low=0,
    )

    def check(self) -> None:
        require(
            all(len(p) == 4 and 0 < p[2] <= p[3] for p in self.panels),
            "panels",
            "a list of [scale_x, scale_h, T_min, T_max] with scales >= 0 and 0 < T_min <= T_max",
            self.panels,
        )
        require(
            self.off_diagonal_entries <= self.d_hidden * (self.d_hidden - 1),
            "off_diagonal_entries",
            "at most d_hidden (d_hidden - 1)",
            self.off_diagonal_entries,
        )
        super().check()

    def input_shape(self) -> tuple[int, int]:
        return self.sample + 1, self.T


PROFILES = {"quick": Fig14Settings(), "full": Fig14Settings()}

EXACT_RTOL = 1e-12
# Off-diagonal entries: "near 0" on the scale of the diagonal (which starts at T / (1 + T) >= 1/2)
# and "clearly visible" (VISIBLE, and VISIBLE_RATIO times larger than at scale_h = 1).
NEAR_ZERO = 0.1
VISIBLE = 0.1
VISIBLE_RATIO = 2.0


def times(time_points: int, T: int) -> list[int]:
    """The distinct steps int(2^linspace(0, 9, time_points)) (the paper's grid) up to T."""
    grid = np.unique((2 ** np.linspace(0, 9, time_points)).astype(int))
    return [int(t) for t in grid if t <= T]


def panels_as_written(s) -> list[list[int | float]]:
    """`s.panels` with whole numbers as ints, as the profiles have always written them, so that
    unit configs (hence the store keys of earlier runs) and claim texts stay the same now that
    the settings hold floats."""
    return [[int(v) if v.is_integer() else v for v in p] for p in s.panels]


def units(s):
    keep = ("d_hidden", "T", "sample", "time_points", "off_diagonal_entries", "inputs", "input_seed", "seed")
    return [
        {"panel": i, "scale_x": p[0], "scale_h": p[1], "T_min": p[2], "T_max": p[3], **s.pick(*keep)}
        for i, p in enumerate(panels_as_written(s))
    ]


def run_unit(c, progress):
    x = inputs_for(c, c["sample"] + 1, c["T"])[c["sample"]]
    H = c["d_hidden"]
    # The same off-diagonal entries in every panel.
    pick = np.random.default_rng(c["seed"]).choice(H * H - H, c["off_diagonal_entries"], replace=False)
    off = np.flatnonzero(~np.eye(H, dtype=bool))[pick]
    with jax.enable_x64(True):
        cell = chrono_gru(
            jax.random.PRNGKey(c["seed"]),
            x.shape[-1],
            H,
            T_min=c["T_min"],
            T_max=c["T_max"],
            scale_x=c["scale_x"],
            scale_h=c["scale_h"],
        )
        steps = times(c["time_points"], c["T"])
        J = np.asarray(recurrent_jacobians(cell.step, jnp.zeros(H), jnp.asarray(x, jnp.float64), steps))
        gate = np.asarray(jax.nn.sigmoid(cell.bias_ih[H : 2 * H] + cell.bias_hh[H : 2 * H]))
    meta = {k: c[k] for k in ("panel", "scale_x", "scale_h", "T_min", "T_max")}
    return [
        {
            "kind": "jacobian",
            **meta,
            "dt": t,
            "diagonal": np.diagonal(J[k]).tolist(),
            "off_diagonal": J[k].ravel()[off].tolist(),
            "max_abs_off_diagonal": float(np.max(np.abs(J[k][~np.eye(H, dtype=bool)]))),
            "constant_gate": gate.tolist(),
        }
        for k, t in enumerate(steps)
    ]


def _panel(rows, scale_x, scale_h, T_min, T_max):
    return select(rows, kind="jacobian", scale_x=scale_x, scale_h=scale_h, T_min=T_min, T_max=T_max)


def claims(rows, s):
    out = []
    panels = panels_as_written(s)
    constant = [p for p in panels if p[0] == 0 and p[1] == 0]
    for p in constant:
        panel = _panel(rows, *p)
        z = np.array(panel[0]["constant_gate"])
        err = max(float(np.max(np.abs(np.array(r["diagonal"]) / z ** r["dt"] - 1))) for r in panel)
        out.append(
            at_most(
                f"constant gates, T in [{p[2]:g}, {p[3]:g}]: diagonal vs z^dt, z = T/(1+T) (max relative error)",
                err,
                EXACT_RTOL,
                source=SOURCE,
            )
        )
        out.append(
            at_most(
                f"constant gates, T in [{p[2]:g}, {p[3]:g}]: largest off-diagonal |J| (all entries)",
                max(r["max_abs_off_diagonal"] for r in panel),
                0.0,
                source=SOURCE,
            )
        )
        if p[2] == p[3] == 1:
            err = max(float(np.max(np.abs(np.array(r["diagonal"]) / 0.5 ** r["dt"] - 1))) for r in panel)
            out.append(
                at_most(
                    "constant gates, T = 1: diagonal vs 0.5^dt (max relative error)", err, EXACT_RTOL, source=SOURCE
                )
            )
    # Larger T_max decays more slowly: the median diagonal entry at the step nearest 16 rises with T_max.
    for scales in {(p[0], p[1]) for p in panels}:
        ranges = sorted({p[3] for p in panels if (p[0], p[1]) == scales and p[2] == 1})
        if len(ranges) < 2:
            continue
        medians = []
        for T_max in ranges:
            panel = _panel(rows, *scales, 1, T_max)
            nearest = min(panel, key=lambda r: abs(r["dt"] - 16))
            medians.append(float(np.median(nearest["diagonal"])))
        out.append(
            holds(
                f"scale_x={scales[0]:g}, scale_h={scales[1]:g}: median diagonal at dt ~ 16 rises with T_max {ranges}",
                bool(np.all(np.diff(medians) > 0)),
                source=SOURCE,
                expected="increasing",
                measured=", ".join(f"{m:.3g}" for m in medians),
            )
        )
    gated = {p[1]: max(r["max_abs_off_diagonal"] for r in _panel(rows, *p)) for p in panels if p[0] > 0 and p[3] == 16}
    for scale_h, value in sorted(gated.items()):
        if scale_h <= 1:
            out.append(
                at_most(
                    f"scale_x=1, scale_h={scale_h:g}, T in [1, 16]: largest off-diagonal |J| (near 0)",
                    value,
                    NEAR_ZERO,
                    source=SOURCE,
                )
            )
    if 3 in gated:
        out.append(at_least("scale_h=3: largest off-diagonal |J| (clearly visible)", gated[3], VISIBLE, source=SOURCE))
        if 1 in gated:
            out.append(
                at_least(
                    "scale_h=3 / scale_h=1: largest off-diagonal |J|", gated[3] / gated[1], VISIBLE_RATIO, source=SOURCE
                )
            )
    return out


def figure(rows, s, path):
    n = len(s.panels)
    fig, ax = new_figure((n + 2) // 3, 3, width=3.6, height=2.9)
    for i, p in enumerate(s.panels):
        a = ax.flat[i]
        panel = sorted(_panel(rows, *p), key=lambda r: r["dt"])
        dt = column(panel, "dt")
        off = np.array([r["off_diagonal"] for r in panel])
        diag = np.array([r["diagonal"] for r in panel])
        a.plot(dt, off, color="grey", alpha=0.15, lw=0.6)
        a.plot(dt, diag, color="tab:blue", alpha=0.15, lw=0.6)
        a.set(
            xscale="log", ylim=(-0.25, 1.05), xlabel="dt", title=f"sx={p[0]:g}, sh={p[1]:g}, T in [{p[2]:g}, {p[3]:g}]"
        )
        if i % 3 == 0:
            a.set_ylabel("dh_dt / dh_0 (blue: diagonal)")
    for a in ax.flat[n:]:
        a.set_visible(False)
    save(fig, path)


EXPERIMENT = Experiment(
    id="zucchet2024-fig14",
    paper="Zucchet & Orvieto, NeurIPS 2024",
    figure_label="Fig. 14",
    description="Recurrent Jacobians dh_t/dh_0 of a chrono GRU: with constant gates exactly diag(z)^t; "
    "off-diagonal terms stay small unless hidden-to-gate weights are strong, so at init a GRU acts "
    "like a diagonal linear RNN.",
    profiles=PROFILES,
    minutes={"quick": 2, "full": 2},
    units=units,
    run_unit=run_unit,
    claims=claims,
    figure=figure,
    validate=check_input_file,
    notes="Float64. The input is sample 42 of the synthetic inputs of Sec. 3.8 by default (the paper used a BERT "
    "embedding sequence). Off-diagonal claims use the largest |J| over all off-diagonal entries and steps; "
    "the figure shows 512 fixed random off-diagonal entries. Thresholds: 'near 0' is <= 0.1 and 'clearly "
    "visible' >= 0.1 and >= 2x the scale_h = 1 value, on the scale of the diagonal (>= 1/2 at dt = 1).",
)
