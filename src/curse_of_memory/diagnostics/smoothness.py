"""Local Lipschitz and beta-smoothness estimates of a simulation-error cost as functions of
the simulation length N (Ribeiro et al. 2020, Secs. 2.4 and 5.2 of the spec; added).

Along theta(s) = s theta_b + (1 - s) theta_a, with the reference trajectory at s = `reference`,

    V_N(s) = mean_{t < N, coordinates} (y_t(theta(s)) - y_t(theta(reference)))^2     (no burn-in),

and at each centre s0 and length N

    L_N(s0) = max |dV_N/ds|,  beta_N(s0) = max |d^2V_N/ds^2|   over `points` s in [s0 +- half_width],

both by forward-mode autodiff in float64 (float32 overflows: in chaos they grow like
e^{lambda_1 N} and e^{2 lambda_1 N}). Also the output sensitivity at the centre itself,
S_N(s0) = max_{t < N} |dy_t/ds(s0)|, the Jacobian product that grows like e^{lambda_1 t}
(Sec. 2.4). Growth rates are least-squares slopes of the logs against N, in nats per step:
~0 or negative where the dynamics contract (a stable fixed point or orbit), ~lambda_1 (and
~2 lambda_1 for beta) on a chaotic attractor.

One simulation of the longest N serves every N: V_N, its derivatives and S_N are prefix
means and maxima of per-step terms (the first N outputs of a recurrent simulation do not
depend on how long it runs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from curse_of_memory.diagnostics.loss_slice import check_same_structure, check_steps, interpolate
from curse_of_memory.diagnostics.precision import as_float64


class Smoothness(NamedTuple):
    """lengths: (L,) N; centers: (C,) s0; lipschitz, beta, sensitivity: (C, L);
    *_rate: (C,) fitted d log(.) / dN (NaN where an estimate is not positive)."""

    lengths: np.ndarray
    centers: np.ndarray
    lipschitz: np.ndarray
    beta: np.ndarray
    sensitivity: np.ndarray
    lipschitz_rate: np.ndarray
    beta_rate: np.ndarray
    sensitivity_rate: np.ndarray


def growth_rate(lengths, values) -> np.ndarray:
    """Least-squares slope of log(values) against lengths along the last axis; NaN where a
    value is not positive and finite."""
    lengths = np.asarray(lengths, np.float64)
    values = np.asarray(values, np.float64)
    ok = np.all(np.isfinite(values) & (values > 0), axis=-1)
    logs = np.log(np.where(ok[..., None], values, 1.0))
    x = lengths - lengths.mean()
    slope = np.sum(x * (logs - logs.mean(-1, keepdims=True)), axis=-1) / np.sum(x**2)
    return np.where(ok, slope, np.nan)


def smoothness_vs_length(
    simulate: Callable[[Any, int], Any],
    theta_a: Any,
    theta_b: Any,
    centers: Sequence[float],
    lengths: Sequence[int],
    *,
    half_width: float = 0.01,
    points: int = 41,
    reference: float = 1.0,
) -> Smoothness:
    """Estimate L_N, beta_N and S_N at every centre and length (see the module docstring).

    Args:
        simulate: (theta, n_steps) -> outputs (n_steps, ...), following theta's dtype.
        theta_a, theta_b: parameter pytrees of the same structure (converted to float64).
        centers: s0 values; lengths: simulation lengths N (at least two distinct, each >= 1).
        half_width, points: the window [s0 - half_width, s0 + half_width] and its grid size.
    """
    check_same_structure(theta_a, theta_b)
    for n in lengths:
        check_steps(n)
    lengths = np.asarray(lengths, np.int64)
    if len(np.unique(lengths)) < 2:
        raise ValueError(f"need at least two distinct simulation lengths to fit a growth rate, got {lengths.tolist()}")
    if not (isinstance(points, int) and points >= 1) or not half_width >= 0:
        raise ValueError(f"points must be a positive integer and half_width >= 0, got {points}, {half_width}")
    centers = np.asarray(centers, np.float64).reshape(-1)
    # The window's grid, with the centre itself (offset 0) first.
    offsets = np.concatenate([[0.0], np.linspace(-half_width, half_width, points)])
    with jax.enable_x64(True):
        theta_a, theta_b = as_float64(theta_a), as_float64(theta_b)
        s = jnp.asarray(centers[:, None] + offsets[None, :])
        e, dy, d2y = (
            np.asarray(a) for a in _jets(simulate, theta_a, theta_b, s, jnp.float64(reference), int(lengths.max()))
        )
    # Per-step terms of V (mean over coordinates) and its derivatives: (C, P, T).
    axes = tuple(range(3, e.ndim))
    v1 = np.mean(2 * e * dy, axis=axes)
    v2 = np.mean(2 * (dy**2 + e * d2y), axis=axes)
    steps = np.arange(1, e.shape[2] + 1)
    dV, d2V = np.cumsum(v1, -1) / steps, np.cumsum(v2, -1) / steps
    sens = np.maximum.accumulate(np.max(np.abs(dy[:, 0]).reshape(*dy.shape[:1], dy.shape[2], -1), -1), axis=-1)
    idx = lengths - 1
    lipschitz = np.max(np.abs(dV[:, 1:, idx]), axis=1)
    beta = np.max(np.abs(d2V[:, 1:, idx]), axis=1)
    sensitivity = sens[:, idx]
    return Smoothness(
        lengths,
        centers,
        lipschitz,
        beta,
        sensitivity,
        growth_rate(lengths, lipschitz),
        growth_rate(lengths, beta),
        growth_rate(lengths, sensitivity),
    )


@partial(jax.jit, static_argnums=(0, 5))
def _jets(simulate, theta_a, theta_b, s, reference, n_steps):
    """e = y(s) - y(reference), dy/ds and d^2y/ds^2 at every s (any shape): (..., n_steps, ...)."""
    target = simulate(interpolate(theta_a, theta_b, reference), n_steps)

    def y(si):
        return simulate(interpolate(theta_a, theta_b, si), n_steps)

    def dy(si):
        return jax.jvp(y, (si,), (jnp.ones_like(si),))

    def jet(si):
        (value, first), (_, second) = jax.jvp(dy, (si,), (jnp.ones_like(si),))
        return value - target, first, second

    return jax.vmap(jax.vmap(jet))(s)
