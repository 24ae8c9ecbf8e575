"""Ribeiro, Tiels, Aguirre & Schön (2020): smoothness of the cost against the simulation
length N (Sec. 2.4 and 4.5 of the spec; the measurement is added, the claim is the paper's).

For the chaotic 2-unit LSTM along theta(s) = s theta*, V_N(s) is the MSE between h(s) and
the s = 1 trajectory over all N steps. Its local Lipschitz constant L_N = max |dV_N/ds| and
beta-smoothness beta_N = max |d^2V_N/ds^2| over [s0 +- 0.01] (float64 autodiff) stay
bounded in N where the attractor is a stable fixed point or orbit, and grow like
e^{lambda_1 N} and e^{2 lambda_1 N} where it is chaotic: exploding gradients as
non-smoothness. Also recorded: the sensitivity max_t |dh_t/ds| at s0 itself, the Jacobian
product that grows like e^{lambda_1 t}; and lambda_1 at s0 and over the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from curse_of_memory.diagnostics import attractor_kind, detect_period, lyapunov_spectrum, smoothness_vs_length
from curse_of_memory.experiments.ribeiro2020.chaotic_lstm_dynamics import largest_exponents, trajectory
from curse_of_memory.harness.claims import at_least, close, fmt, holds
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.plotting import colors, new_figure, save
from curse_of_memory.harness.settings import Settings, require, setting
from curse_of_memory.harness.table import column, select
from curse_of_memory.tasks import chaotic_lstm_map, chaotic_lstm_outputs, chaotic_weight_hh
from curse_of_memory.tasks.chaotic_lstm import INITIAL_STATE

SOURCE = "Ribeiro et al. 2020, Sec. 2 (spec Sec. 2.3, 4.5, 5.2)"


@dataclass(frozen=True, kw_only=True)
class SmoothnessSettings(Settings):
    """Both profiles: 4 centers (fixed point, two chaotic, period 4), N from 25 to 200, 41
    points in each window s0 +- 0.01."""

    centers: list[float] = setting([0.6, 1.0, 1.2, 2.0], "centers s0 of the windows where L_N and beta_N are taken")
    lengths: list[int] = setting([25, 50, 100, 200], "simulation lengths N", low=1)
    half_width: float = setting(0.01, "half width of each window s0 +- half_width", low=0)
    points: int = setting(41, "grid points of each window", low=1)
    slope_point: float = setting(
        1.0, "the center where the growth rate is compared with lambda_1 (a uniform chaotic band)"
    )
    slope_rtol: float = setting(0.3, "relative tolerance of that comparison", low=0, low_open=True)
    min_chaotic_rate: float = setting(
        0.02, "least growth rate of log max|dV/ds| per step at a chaotic center", low=0, low_open=True
    )
    chaos_threshold: float = setting(0.05, "lambda_1 above which an aperiodic attractor is called chaotic")
    lyapunov_burn_in: int = setting(
        1000, "steps before the Lyapunov exponents are measured (and before the period is detected)", low=0
    )
    lyapunov_steps: int = setting(5000, "steps of the Lyapunov exponents", low=1)
    period_steps: int = setting(5000, "steps of the run whose tail (after lyapunov_burn_in) gives the period", low=1)
    period_tol: float = setting(1e-6, "tolerance of the period detection", low=0, low_open=True)
    max_period: int = setting(32, "longest period detected", low=1)

    def check(self) -> None:
        require(len(set(self.lengths)) >= 2, "lengths", "at least two distinct simulation lengths", self.lengths)
        require(
            self.period_steps > self.lyapunov_burn_in,
            "period_steps",
            f"longer than lyapunov_burn_in ({self.lyapunov_burn_in}), which is also the period detection's burn-in",
            self.period_steps,
        )
        require(self.slope_point in self.centers, "slope_point", f"one of the centers {self.centers}", self.slope_point)


PROFILES = {"quick": SmoothnessSettings(), "full": SmoothnessSettings()}
UNIT_SETTINGS = (
    "centers",
    "lengths",
    "half_width",
    "points",
    "slope_point",
    "slope_rtol",
    "min_chaotic_rate",
    "chaos_threshold",
    "lyapunov_burn_in",
    "lyapunov_steps",
    "period_steps",
    "period_tol",
    "max_period",
)


def units(s):
    """One unit: every center and length in one compiled program."""
    return [s.pick(*UNIT_SETTINGS)]


def run_unit(c, progress):
    W = chaotic_weight_hh()  # smoothness_vs_length works in float64
    sm = smoothness_vs_length(
        chaotic_lstm_outputs,
        jnp.zeros_like(W),
        W,
        c["centers"],
        c["lengths"],
        half_width=c["half_width"],
        points=c["points"],
    )
    progress(0.5)
    rows = []
    for i, s0 in enumerate(c["centers"]):
        window = np.linspace(s0 - c["half_width"], s0 + c["half_width"], c["points"])
        window_lambda = largest_exponents(window, c["lyapunov_burn_in"], c["lyapunov_steps"])
        with jax.enable_x64(True):
            F = chaotic_lstm_map(s0 * chaotic_weight_hh(jnp.float64))
            x0 = jnp.full(4, INITIAL_STATE, jnp.float64)
            spectrum = np.asarray(
                jax.jit(partial(lyapunov_spectrum, F, burn_in=c["lyapunov_burn_in"], steps=c["lyapunov_steps"]))(x0)
            )
            kept = np.asarray(trajectory(F, x0, c["period_steps"]))[c["lyapunov_burn_in"] :]
        period = int(detect_period(kept, max_period=c["max_period"], tol=c["period_tol"]))
        rows.append(
            {
                "kind": "center",
                "s": float(s0),
                "lyapunov": spectrum.tolist(),
                "period": period,
                "attractor": attractor_kind(period, float(spectrum[0]), chaos_threshold=c["chaos_threshold"]),
                "window_lambda1_max": float(np.max(window_lambda)),
                "window_lambda1_min": float(np.min(window_lambda)),
                "lipschitz_rate": float(sm.lipschitz_rate[i]),
                "beta_rate": float(sm.beta_rate[i]),
                "sensitivity_rate": float(sm.sensitivity_rate[i]),
            }
        )
        rows += [
            {
                "kind": "estimate",
                "s": float(s0),
                "N": int(n),
                "lipschitz": float(sm.lipschitz[i, j]),
                "beta": float(sm.beta[i, j]),
                "sensitivity": float(sm.sensitivity[i, j]),
            }
            for j, n in enumerate(sm.lengths)
        ]
    return rows


def claims(rows, s):
    out = []
    centers = {r["s"]: r for r in select(rows, kind="center")}
    # A missing point measures NaN, so its claims fail.
    missing = dict.fromkeys(("lipschitz_rate", "sensitivity_rate", "window_lambda1_min", "window_lambda1_max"), np.nan)
    point = {**missing, "s": s.slope_point, "lyapunov": [np.nan], **centers.get(s.slope_point, {})}
    lam = point["lyapunov"][0]
    out.append(
        close(
            f"s = {point['s']}: growth rate of log max|dV/ds| in N vs lambda_1 there "
            f"({lam:.3f}; {point['window_lambda1_min']:.3f} to {point['window_lambda1_max']:.3f} "
            "over the window)",
            point["lipschitz_rate"],
            lam,
            s.slope_rtol,
            source=SOURCE,
        )
    )
    out.append(
        close(
            f"s = {point['s']}: growth rate of log max_t |dh_t/ds| (sensitivity at the point) vs lambda_1",
            point["sensitivity_rate"],
            lam,
            s.slope_rtol,
            source=SOURCE,
        )
    )
    for row in sorted(centers.values(), key=lambda r: r["s"]):
        est = select(rows, kind="estimate", s=row["s"])
        if row["attractor"] == "chaotic":
            out.append(
                at_least(
                    f"s = {row['s']} (chaotic, lambda_1 = {row['lyapunov'][0]:.3f}): growth rate of "
                    "log max|dV/ds| (per step)",
                    row["lipschitz_rate"],
                    s.min_chaotic_rate,
                    source=SOURCE,
                )
            )
            ratio = row["beta_rate"] / row["lipschitz_rate"]
            out.append(
                holds(
                    f"s = {row['s']}: beta grows about twice as fast as L (rate ratio)",
                    bool(1.5 <= ratio <= 2.5),
                    source=SOURCE,
                    expected="1.5 to 2.5",
                    measured=fmt(ratio),
                )
            )
        elif row["attractor"] in ("fixed point", "periodic"):
            worst = float(max(np.max(column(est, "lipschitz")), np.max(column(est, "beta"))))
            out.append(
                holds(
                    f"s = {row['s']} ({row['attractor']}): max|dV/ds| and max|d2V/ds2| for every N in {s.lengths}",
                    bool(worst < 1),
                    source=SOURCE,
                    expected="< 1",
                    measured=fmt(worst),
                )
            )
        else:
            out.append(
                holds(
                    f"s = {row['s']}: attractor class",
                    False,
                    source=SOURCE,
                    expected="fixed point, periodic or chaotic",
                    measured=row["attractor"],
                )
            )
    return out


def figure(rows, s, path):
    fig, ax = new_figure(1, 3, width=4.4)
    a, b, c = ax[0]
    centers = sorted(select(rows, kind="center"), key=lambda r: r["s"])
    for row, color in zip(centers, colors(len(centers), "plasma"), strict=True):
        est = sorted(select(rows, kind="estimate", s=row["s"]), key=lambda r: r["N"])
        N = column(est, "N")
        label = f"s = {row['s']} ({row['attractor']}, lambda_1 = {row['lyapunov'][0]:.2f})"
        for axis, field, factor in ((a, "lipschitz", 1), (b, "beta", 2), (c, "sensitivity", 1)):
            values = column(est, field)
            axis.plot(N, values, "o-", color=color, label=label)
            if row["attractor"] == "chaotic":  # slope lambda_1 (2 lambda_1 for beta) through the last point
                axis.plot(N, values[-1] * np.exp(factor * row["lyapunov"][0] * (N - N[-1])), ":", color=color)
    a.set(yscale="log", xlabel="simulation length N", ylabel="max |dV/ds| over s0 +- 0.01", title="Lipschitz estimate")
    b.set(
        yscale="log",
        xlabel="simulation length N",
        ylabel="max |d2V/ds2| over s0 +- 0.01",
        title="beta-smoothness estimate",
    )
    c.set(
        yscale="log",
        xlabel="simulation length N",
        ylabel="max_t |dh_t/ds| at s0",
        title="sensitivity (dotted: lambda_1 slope)",
    )
    a.legend(fontsize=6)
    save(fig, path)


EXPERIMENT = Experiment(
    id="ribeiro2020-smoothness",
    paper="Ribeiro, Tiels, Aguirre & Schön, AISTATS 2020",
    figure_label="Sec. 2 (smoothness vs N; added)",
    description="Chaotic LSTM: the cost's Lipschitz and beta-smoothness estimates grow exponentially with the "
    "simulation length N at chaotic parameters (rate ~ lambda_1, 2 lambda_1) and stay bounded at a fixed point "
    "or periodic orbit.",
    profiles=PROFILES,
    minutes={"quick": 1, "full": 1},
    units=units,
    run_unit=run_unit,
    claims=claims,
    figure=figure,
    notes=(
        "The paper's theorems could not be checked (its full text was not available); the bounds are the "
        "standard derivation, and this measurement is added to check them. Estimates are maxima over 41 "
        "points in s0 +- 0.01 by forward-mode autodiff in float64; growth rates are least-squares slopes of "
        "their logs against N. The window maximum picks up the most expanding finite-time behaviour in the "
        "window (lambda_1 varies from about 0.05 to 0.19 within 1.0 +- 0.01, and finite-time exponents "
        "fluctuate around it), so max|dV/ds| grows faster than e^{lambda_1(s0) N}; the sensitivity at s0 "
        "itself is the quantity whose rate is lambda_1(s0)."
    ),
)
