"""Ribeiro, Tiels, Aguirre & Schön (2020): the chaotic 2-unit LSTM (the slides' figure;
Sec. 4 of the spec).

The zero-input LSTM with recurrent weights theta(s) = s theta* (theta* chaotic), started
from h0 = c0 = (0.5, 0.5). Along s in [0.5, 2] its attractor goes from the stable origin
through period 3 and period doubling into chaos and on to period 4 (bifurcation diagram),
and the cost V(s), the MSE against the s = 1 trajectory over steps 100-199 of 200, is flat
on the fixed point, smooth on periodic orbits and jagged, full of local minima, in chaos.

Units: "slice" (float32 as in the figure: V(s) and the steady states on the grid, each
point's period and lambda_1 in float64) and "points" (float64: the attractor at chosen s
from a long run, its Lyapunov spectrum by QR, fixed points by Newton; the attractor scatter
at s = 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from curse_of_memory.diagnostics import (
    attractor_kind,
    detect_period,
    fixed_points,
    loss_slice,
    lyapunov_spectrum,
)
from curse_of_memory.experiments.ribeiro2020.chaotic_lstm_dynamics import largest_exponents, trajectory
from curse_of_memory.harness.claims import at_least, at_most, close, fmt, holds
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.plotting import new_figure, save
from curse_of_memory.harness.settings import Settings, require, setting
from curse_of_memory.harness.table import column, select
from curse_of_memory.tasks import chaotic_lstm_map, chaotic_lstm_outputs, chaotic_weight_hh
from curse_of_memory.tasks.chaotic_lstm import INITIAL_STATE

SOURCE = "Ribeiro et al. 2020, chaotic LSTM (spec Sec. 4)"

KINDS = ("fixed point", "periodic", "quasi-periodic", "chaotic")
COLORS = {"fixed point": "tab:blue", "periodic": "tab:green", "quasi-periodic": "tab:orange", "chaotic": "tab:red"}


@dataclass(frozen=True, kw_only=True)
class ChaoticLSTMSettings(Settings):
    """The figure's slice (full profile): 4999 points of s in [0.5, 2], V(s) over steps
    100-199 of 200; lambda_1 of every grid point from 5000 steps after a 1000-step burn-in."""

    s_min: float = setting(0.5, "smallest s of the slice theta(s) = s theta*")
    s_max: float = setting(2.0, "largest s of the slice")
    grid_points: int = setting(4999, "grid points of s in [s_min, s_max] (s = 1 is added)", low=1)
    n_steps: int = setting(200, "steps of each slice trajectory", low=1)
    burn_in: int = setting(100, "first steps of a slice trajectory left out of V(s) and the steady states", low=0)
    period_tol: float = setting(1e-5, "tolerance of the period detection", low=0, low_open=True)
    max_period: int = setting(32, "longest period detected", low=1)
    chaos_threshold: float = setting(0.05, "lambda_1 above which an aperiodic attractor is called chaotic")
    check_points: dict[str, list[float]] = setting(
        {"fixed point": [0.6], "periodic": [0.8, 2.0], "chaotic": [1.0]},
        's at which the attractor\'s class from (0.5, 0.5) is claimed, by expected class (e.g. {"chaotic": [1.0]})',
        choices=KINDS,
    )
    attractor_steps: int = setting(5000, "steps of the long run at each check point (and of the s = 1 scatter)", low=1)
    attractor_burn_in: int = setting(100, "first steps of the long run left out", low=0)
    newton_starts: int = setting(64, "starts of the Newton search for fixed points at each check point", low=1)
    spectrum_steps: int = setting(5000, "QR steps of the Lyapunov spectrum at the check points", low=1)
    lyapunov_burn_in: int = setting(1000, "steps before the Lyapunov exponents are measured", low=0)
    lyapunov_steps: int = setting(5000, "QR steps of lambda_1 at every grid point", low=1)

    def check(self) -> None:
        require(self.burn_in < self.n_steps, "burn_in", f"smaller than n_steps ({self.n_steps})", self.burn_in)
        require(
            self.attractor_burn_in < self.attractor_steps,
            "attractor_burn_in",
            f"smaller than attractor_steps ({self.attractor_steps})",
            self.attractor_burn_in,
        )
        require(
            self.n_steps - self.burn_in >= 2,
            "n_steps - burn_in",
            "at least 2 (to detect periods)",
            self.n_steps - self.burn_in,
        )
        require(self.s_min < self.s_max, "s_min", f"smaller than s_max ({self.s_max})", self.s_min)

    def check_pairs(self) -> list[list]:
        """The check points as [s, expected class] pairs, by increasing s (what the "points" unit holds)."""
        return sorted([s, kind] for kind, values in self.check_points.items() for s in values)


# quick: lambda_1 of every grid point from 2000 steps instead of 5000.
PROFILES = {"quick": ChaoticLSTMSettings(lyapunov_steps=2000), "full": ChaoticLSTMSettings()}


def units(s):
    keep = (
        "s_min",
        "s_max",
        "grid_points",
        "n_steps",
        "burn_in",
        "period_tol",
        "max_period",
        "chaos_threshold",
        "lyapunov_burn_in",
        "lyapunov_steps",
    )
    points = (
        "attractor_steps",
        "attractor_burn_in",
        "period_tol",
        "max_period",
        "chaos_threshold",
        "lyapunov_burn_in",
        "spectrum_steps",
        "newton_starts",
        "seed",
    )
    return [{"kind": "slice", **s.pick(*keep)}, {"kind": "points", "check_points": s.check_pairs(), **s.pick(*points)}]


def _slice_rows(c, progress):
    W = chaotic_weight_hh(jnp.float32)
    grid = np.linspace(c["s_min"], c["s_max"], c["grid_points"])
    sl = loss_slice(chaotic_lstm_outputs, jnp.zeros_like(W), W, grid, n_steps=c["n_steps"], burn_in=c["burn_in"])
    progress(0.3)
    periods = detect_period(sl.steady, max_period=c["max_period"], tol=c["period_tol"])
    lam = largest_exponents(sl.s, c["lyapunov_burn_in"], c["lyapunov_steps"])
    return [
        {
            "kind": "slice",
            "s": float(s),
            "loss": float(v),
            "period": int(p),
            "lambda1": float(lam1),
            "attractor": attractor_kind(int(p), float(lam1), chaos_threshold=c["chaos_threshold"]),
            "is_reference": i == sl.reference_index,
            "steady_h1": sl.steady[i, :, 0].tolist(),
        }
        for i, (s, v, p, lam1) in enumerate(zip(sl.s, sl.loss, periods, lam, strict=True))
    ]


def origin_exponent(s):
    """log rho((s/4) W_hg + I/2): lambda_1 = lambda_2 at the stable origin (Sec. 4.2)."""
    W_hg = np.asarray(chaotic_weight_hh(jnp.float64))[4:6]
    return float(np.log(np.max(np.abs(np.linalg.eigvals(s / 4 * W_hg + np.eye(2) / 2)))))


def _point_rows(c):
    rows = []
    key = jax.random.PRNGKey(c["seed"])
    with jax.enable_x64(True):
        W = chaotic_weight_hh(jnp.float64)
        x0 = jnp.full(4, INITIAL_STATE, jnp.float64)
        for (s, expected), k in zip(c["check_points"], jax.random.split(key, len(c["check_points"])), strict=True):
            F = chaotic_lstm_map(s * W)
            kept = np.asarray(trajectory(F, x0, c["attractor_steps"]))[c["attractor_burn_in"] :]
            period = int(detect_period(kept, max_period=c["max_period"], tol=c["period_tol"]))
            spectrum = np.asarray(
                jax.jit(partial(lyapunov_spectrum, F, burn_in=c["lyapunov_burn_in"], steps=c["spectrum_steps"]))(x0)
            )
            starts = jnp.concatenate([jax.random.normal(k, (c["newton_starts"] - 1, 4)), jnp.asarray(kept[-1:])])
            fps = fixed_points(F, starts)
            rows.append(
                {
                    "kind": "point",
                    "s": float(s),
                    "expected": expected,
                    "period": period,
                    "attractor": attractor_kind(period, float(spectrum[0]), chaos_threshold=c["chaos_threshold"]),
                    "lyapunov": spectrum.tolist(),
                    "origin_exponent": origin_exponent(s),
                    "fixed_points": len(fps.points),
                    "stable_fixed_points": int(np.sum(fps.stable)),
                }
            )
    attractor = np.asarray(chaotic_lstm_outputs(chaotic_weight_hh(jnp.float32), c["attractor_steps"]))[
        c["attractor_burn_in"] :
    ]
    rows.append({"kind": "attractor", "s": 1.0, "h1": attractor[:, 0].tolist(), "h2": attractor[:, 1].tolist()})
    return rows


def run_unit(config, progress):
    return _slice_rows(config, progress) if config["kind"] == "slice" else _point_rows(config)


def local_minima(loss, tol):
    """Grid-local minima: V[i] below both neighbours by more than tol (endpoints excluded)."""
    loss = np.asarray(loss)
    if loss.size < 3:  # no interior point
        return np.zeros(loss.size, bool)
    inner = (loss[1:-1] < loss[:-2] - tol) & (loss[1:-1] < loss[2:] - tol)
    return np.concatenate([[False], inner, [False]])


def claims(rows, s):
    out = []
    grid = sorted(select(rows, kind="slice"), key=lambda r: r["s"])
    loss = column(grid, "loss")
    reference = [r["loss"] for r in grid if r["is_reference"]]
    out.append(
        holds(
            "V(1) = 0 exactly (reference in the same batch)",
            bool(reference and reference[0] == 0.0),
            source=SOURCE,
            expected="0",
            measured=fmt(reference[0]) if reference else "missing",
        )
    )
    for row in sorted(select(rows, kind="point"), key=lambda r: r["s"]):
        measured = f"{row['attractor']} (period {row['period']}, lambda_1 = {row['lyapunov'][0]:.3f})"
        out.append(
            holds(
                f"attractor from (0.5, 0.5) at s = {row['s']}",
                row["attractor"] == row["expected"],
                source=SOURCE,
                expected=row["expected"],
                measured=measured,
            )
        )
        if row["expected"] == "chaotic":
            out.append(
                at_least(
                    f"largest Lyapunov exponent at s = {row['s']}", row["lyapunov"][0], s.chaos_threshold, source=SOURCE
                )
            )
        if row["expected"] == "fixed point":
            out.append(
                close(
                    f"lambda_1 at s = {row['s']} vs log rho((s/4) W_hg + I/2) at the origin",
                    row["lyapunov"][0],
                    row["origin_exponent"],
                    0.01,
                    source=SOURCE,
                )
            )
    kinds = np.array([r["attractor"] for r in grid])
    fixed = kinds == "fixed point"
    level = np.mean(loss[fixed]) if fixed.any() else np.nan
    spread = np.ptp(loss[fixed]) / level if fixed.any() else np.nan
    out.append(
        at_most(
            f"cost flat where the attractor is a fixed point: range / level over {fixed.sum()} points",
            float(spread),
            1e-5,
            source=SOURCE,
        )
    )
    minima = local_minima(loss, 1e-6 * np.max(np.abs(loss), initial=0.0))
    chaotic, regular = kinds == "chaotic", np.isin(kinds, ["fixed point", "periodic"])
    density = minima[chaotic].mean() if chaotic.any() else np.nan
    regular_density = minima[regular].mean() if regular.any() else np.nan
    out.append(
        at_least(
            f"cost jagged in chaos: local minima per grid point over {chaotic.sum()} chaotic points",
            float(density),
            0.1,
            source=SOURCE,
        )
    )
    out.append(
        holds(
            "local minima: chaotic vs fixed-point and periodic points",
            bool(density >= 10 * regular_density),
            source=SOURCE,
            expected=">= 10x denser",
            measured=f"{density:.3g} vs {regular_density:.3g} per grid point",
        )
    )
    return out


def figure(rows, s, path):
    fig, ax = new_figure(2, 2, width=5.2)
    (a, b), (c, d) = ax
    att = select(rows, kind="attractor")
    if att:
        a.scatter(att[0]["h1"], att[0]["h2"], s=0.3, color="k", alpha=0.5)
    a.set(xlabel="h1", ylabel="h2", title="attractor at s = 1 (theta*)")
    grid = sorted(select(rows, kind="slice"), key=lambda r: r["s"])
    sv = column(grid, "s")
    for kind in KINDS:
        sel = [r for r in grid if r["attractor"] == kind]
        if sel:
            x = np.repeat(column(sel, "s"), len(sel[0]["steady_h1"]))
            b.scatter(x, np.concatenate([r["steady_h1"] for r in sel]), s=0.05, color=COLORS[kind], label=kind)
    b.set(xlabel="s", ylabel="h1 (steps 100-199)", title="bifurcation diagram")
    b.legend(markerscale=40, fontsize=7, loc="lower left")
    c.plot(sv, column(grid, "loss"), lw=0.5, color="k")
    c.plot([1.0], [0.0], "o", color="tab:red")
    c.set(xlabel="s", ylabel="V(s)", title="MSE against the s = 1 trajectory")
    d.plot(sv, column(grid, "lambda1"), lw=0.5, color="k")
    d.axhline(0, color="grey", lw=0.5)
    d.set(xlabel="s", ylabel="lambda_1 (nats / step)", title="largest Lyapunov exponent")
    save(fig, path)


EXPERIMENT = Experiment(
    id="ribeiro2020-chaotic-lstm",
    paper="Ribeiro, Tiels, Aguirre & Schön, AISTATS 2020",
    figure_label="chaotic LSTM (slides)",
    description="The zero-input 2-unit LSTM along theta(s) = s theta*: fixed point, period 3, chaos, period 4; "
    "the simulation-error cost is flat on the fixed point and jagged, full of local minima, in chaos.",
    profiles=PROFILES,
    minutes={"quick": 1, "full": 1},
    units=units,
    run_unit=run_unit,
    claims=claims,
    figure=figure,
    notes="The paper's text was not available: the figure is described from the first author's slides and the "
    "official code. The slice is computed in float32 (as the figure), with the reference trajectory in the same "
    "vmapped batch; periods, Lyapunov exponents (float64) and Newton fixed points are added checks, not in the "
    "paper. A grid point is chaotic if no period <= max_period is found in the 100 kept steps and lambda_1 > "
    "chaos_threshold; aperiodic points with smaller lambda_1 (slow transients near bifurcations, long periodic "
    "windows) are called quasi-periodic.",
)
