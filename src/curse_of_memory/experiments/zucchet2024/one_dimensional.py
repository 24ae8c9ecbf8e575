"""What Figs. 1 and 2 of Zucchet & Orvieto (2024) share: the lambda grid, the settings of the
theory curves and of the Monte Carlo check, its units, and rows comparing simulation with theory.

A Monte Carlo unit simulates one AR(1) input correlation rho for a few lambdas (one hidden
unit each) and measures E[h^2] and E[(dh/dw)^2] for the unit's own coordinate w, averaged
over sequences and over time after a burn-in. At rho = 1 (constant sequences) averaging over
time adds nothing: only the state after the burn-in is used, and many more sequences.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jax
import numpy as np
from jax import Array

from curse_of_memory.diagnostics import hidden_second_moments
from curse_of_memory.harness.settings import Settings, setting
from curse_of_memory.harness.table import column, select
from curse_of_memory.tasks import ar1_batches


@dataclass(frozen=True, kw_only=True)
class OneDimensionalSettings(Settings):
    """The theory curves over the lambda grid and the Monte Carlo check (full profile: the
    sample sizes that keep the Monte Carlo standard error below 1%)."""

    rhos: list[float] = setting(
        [0.0, 0.9, 0.99, 0.999, 1.0], "input autocorrelations rho of the theory curves", low=0, high=1
    )
    # Two points at least: the end slopes are measured between the last two.
    grid_points: int = setting(1000, "points of the lambda grid, even in -log10(1 - lambda) from 0 to 4", low=2)
    mc_lambdas: list[float] = setting(
        [0.9, 0.99], "lambdas simulated by the Monte Carlo check", low=0, high=1, high_open=True
    )
    mc_rhos: list[float] = setting(
        [0.0, 0.9, 0.99, 1.0], "input autocorrelations of the Monte Carlo check", low=0, high=1
    )
    mc_burn_in: int = setting(2500, "time steps simulated before the moments are measured", low=1)
    mc_window: int = setting(20000, "time steps averaged after the burn-in (rho < 1)", low=1)
    mc_sequences: int = setting(2048, "simulated sequences per rho < 1", low=1)
    mc_constant_sequences: int = setting(131072, "simulated constant sequences at rho = 1", low=1)


# What the quick profile changes: 4x fewer sequences (twice the Monte Carlo standard error).
QUICK_MONTE_CARLO = {"mc_sequences": 512, "mc_constant_sequences": 32768}
# Monte Carlo tolerance; the sample sizes keep the standard error below 1%.
MC_RTOL = 0.03
SLOPE_RTOL = 0.02


def lambda_grid(n: int) -> np.ndarray:
    """lambda = 1 - 10^linspace(0, -4, n): from 0 to 1 - 1e-4, even in -log10(1 - lambda)."""
    return 1 - 10 ** np.linspace(0, -4, n)


def monte_carlo_units(s: OneDimensionalSettings) -> list[dict]:
    """One unit per input correlation rho of `s.mc_rhos`, seeded s.seed + its index."""
    return [
        {
            "kind": "mc",
            "rho": rho,
            "lambdas": list(s.mc_lambdas),
            "sequences": s.mc_constant_sequences if rho == 1 else s.mc_sequences,
            "burn_in": s.mc_burn_in,
            "window": 1 if rho == 1 else s.mc_window,
            "seed": s.seed + i,
        }
        for i, rho in enumerate(s.mc_rhos)
    ]


def batch_size(sequences: int, T: int) -> int:
    """Sequences per batch: a power of two (equal batches for power-of-two counts, so one
    compilation) holding at most 2^22 numbers."""
    size = 1
    while size * 2 * T <= 2**22 and size * 2 <= sequences:
        size *= 2
    return size


def monte_carlo_rows(
    c: dict,
    hidden_fn: Callable[[Array, Array], Array],
    params: Array,
    theory_variance: Callable,
    theory_sensitivity: Callable,
) -> list[dict]:
    """Simulate unit `c`: hidden_fn(params, x) gives one hidden unit per lambda, params (one
    entry per lambda) the coordinate differentiated; theory_*(lambdas, rho) the predictions."""
    n, T = c["sequences"], c["burn_in"] + c["window"]
    batches = ar1_batches(jax.random.PRNGKey(c["seed"]), c["rho"], n, T, batch_size(n, T))
    moments = hidden_second_moments(hidden_fn, params, batches, burn_in=c["burn_in"])
    (sens,) = moments.sensitivity.values()
    lam = np.asarray(c["lambdas"])
    expected_var = np.asarray(theory_variance(lam, c["rho"]))
    expected_sens = np.asarray(theory_sensitivity(lam, c["rho"]))
    return [
        {
            "kind": "mc",
            "rho": c["rho"],
            "lam": float(lam[i]),
            "sequences": n,
            "mc_variance": float(moments.hidden[i]),
            "mc_sensitivity": float(sens[i]),
            "theory_variance": float(expected_var[i]),
            "theory_sensitivity": float(expected_sens[i]),
        }
        for i in range(len(lam))
    ]


def monte_carlo_error(rows) -> tuple[float, int]:
    """Largest relative error of simulation against theory, and the number of (rho, lambda)."""
    mc = select(rows, kind="mc")
    errors = [abs(r[f"mc_{f}"] / r[f"theory_{f}"] - 1) for r in mc for f in ("variance", "sensitivity")]
    return max(errors), len(mc)


def end_slope(rows, rho, field) -> float:
    """d log(field) / d log(1 / (1 - lambda)) between the two grid points nearest lambda = 1."""
    curve = select(rows, kind="theory", rho=rho)
    lam, y = column(curve, "lam")[-2:], column(curve, field)[-2:]
    return float(np.diff(np.log(y))[0] / np.diff(-np.log(1 - lam))[0])
