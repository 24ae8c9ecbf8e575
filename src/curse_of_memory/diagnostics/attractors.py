"""Which attractor a recurrent map settles on under a constant input (Ribeiro et al. 2020;
Secs. 2.2, 5.4 and 5.5 of the spec; added to turn figures into checks).

- `detect_period`: after a burn-in, the smallest p with max_t |x[t+p] - x[t]| <= tol:
  1 is a fixed point, p > 1 a period-p orbit, 0 no period found (aperiodic: quasi-periodic
  if lambda_1 ~ 0, chaotic if lambda_1 > 0; see `lyapunov_spectrum`).
- `dominant_period`: 1 / the peak frequency of |rfft| of a generated signal.
- `fixed_points`: solutions of F^p(x) = x by Newton's method from many starts, deduplicated,
  with their stability from the eigenvalues of dF^p/dx (stable if all have modulus < 1).
- `constant_input_map`: the autonomous map F(x) = step(x, u) on a flat state vector, for a
  model whose state is a pytree (an LSTM's (h, c)).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

ATTRACTOR_KINDS = ("fixed point", "periodic", "quasi-periodic", "chaotic")


def detect_period(trajectory, *, max_period: int = 64, tol: float = 1e-6) -> np.ndarray:
    """Smallest period of trajectories after their burn-in (0 if none).

    trajectory: (..., T, d) (or (..., T)), the steps kept after a burn-in. Periods p up to
    min(max_period, T // 2) are tested (each at least one full repeat), with the tolerance
    relative to the trajectory's scale: max_t |x[t+p] - x[t]| <= tol (1 + max |x|).
    Returns an integer array of shape (...).
    """
    x = np.asarray(trajectory, np.float64)
    if x.ndim == 1:
        x = x[:, None]
    T = x.shape[-2]
    if T < 2:
        raise ValueError(f"need at least 2 steps after the burn-in to detect a period, got {T}")
    if not (isinstance(max_period, int) and max_period >= 1):
        raise ValueError(f"max_period must be a positive integer, got {max_period!r}")
    scale = tol * (1 + np.max(np.abs(x), axis=(-2, -1)))
    period = np.zeros(x.shape[:-2], np.int64)
    for p in range(min(max_period, T // 2), 0, -1):  # the smallest match wins
        gap = np.max(np.abs(x[..., p:, :] - x[..., :-p, :]), axis=(-2, -1))
        period = np.where(gap <= scale, p, period)
    return period


def attractor_kind(period: int, largest_exponent: float, *, chaos_threshold: float = 0.01) -> str:
    """ "fixed point", "periodic", "quasi-periodic" or "chaotic" from a detected period and
    the largest Lyapunov exponent (aperiodic with lambda_1 > chaos_threshold: chaotic)."""
    if period == 1:
        return "fixed point"
    if period > 1:
        return "periodic"
    return "chaotic" if largest_exponent > chaos_threshold else "quasi-periodic"


def dominant_period(signal, axis: int = -1, pad: int = 8) -> np.ndarray:
    """1 / the peak frequency of |rfft(signal - mean)| along `axis`, in steps (inf for a
    constant signal). The FFT is zero-padded to `pad` times the length, so the peak is
    resolved to ~1/pad of a frequency bin (a period need not be an integer)."""
    x = np.asarray(signal, np.float64)
    x = x - x.mean(axis=axis, keepdims=True)
    n = pad * x.shape[axis]
    spectrum = np.abs(np.fft.rfft(x, n=n, axis=axis))
    peak = np.argmax(np.delete(spectrum, 0, axis=axis), axis=axis) + 1  # skip the mean
    flat = np.max(np.abs(x), axis=axis) <= 1e-6 * (1 + np.max(np.abs(np.asarray(signal)), axis=axis))
    return np.where(flat, np.inf, n / peak)


def constant_input_map(step: Callable[[Any, Any], Any], state: Any, u: Any):
    """(F, x0, unravel): F(x) = ravel(step(unravel(x), u)) on flat state vectors, x0 = ravel(state)."""
    x0, unravel = ravel_pytree(state)

    def F(x):
        return ravel_pytree(step(unravel(x), u))[0]

    return F, x0, unravel


class FixedPoints(NamedTuple):
    """Distinct solutions of F^period(x) = x: points (K, d); residual (K,) |F^p(x) - x|;
    eigenvalues (K, d) of dF^p/dx (complex); stable (K,) all |eigenvalue| < 1."""

    points: np.ndarray
    residual: np.ndarray
    eigenvalues: np.ndarray
    stable: np.ndarray
    period: int


def fixed_points(
    F: Callable,
    starts,
    *,
    period: int = 1,
    iterations: int = 50,
    tol: float = 1e-8,
    distinct_tol: float = 1e-5,
) -> FixedPoints:
    """Newton's method on G(x) = F^period(x) - x from every start (M, d), in float64.

    Jacobians by jacfwd; each Newton step solves (dF^p/dx - I) dx = -G(x) by least squares
    (robust where the Jacobian is singular). Converged solutions (residual <= tol) are
    deduplicated (max-norm distance <= distinct_tol) and classified by the spectrum of
    dF^p/dx. F must be a pure JAX function of a flat vector (see `constant_input_map`).
    """
    if not (isinstance(period, int) and period >= 1):
        raise ValueError(f"period must be a positive integer, got {period!r}")
    with jax.enable_x64(True):
        starts = jnp.atleast_2d(jnp.asarray(starts, jnp.float64))
        x, residual, eigenvalues = _newton(F, starts, period, iterations)
        x, residual, eigenvalues = np.asarray(x), np.asarray(residual), np.asarray(eigenvalues)
    keep = []
    for i in np.argsort(residual):
        if residual[i] <= tol and all(np.max(np.abs(x[i] - x[j])) > distinct_tol for j in keep):
            keep.append(i)
    keep = np.asarray(keep, np.int64)
    stable = np.max(np.abs(eigenvalues[keep]), axis=-1) < 1 if len(keep) else np.zeros(0, bool)
    return FixedPoints(x[keep], residual[keep], eigenvalues[keep], stable, period)


def _power(F, period):
    def Fp(x):
        return jax.lax.fori_loop(0, period, lambda _, y: F(y), x)

    return Fp


@partial(jax.jit, static_argnums=(0, 2, 3))
def _newton(F, starts, period, iterations):
    Fp = _power(F, period)

    def solve(x):
        def body(_, x):
            J = jax.jacfwd(Fp)(x) - jnp.eye(x.shape[0], dtype=x.dtype)
            dx = jnp.linalg.lstsq(J, Fp(x) - x)[0]
            return jnp.where(jnp.all(jnp.isfinite(dx)), x - dx, x)

        x = jax.lax.fori_loop(0, iterations, body, x)
        return x, jnp.max(jnp.abs(Fp(x) - x)), jnp.linalg.eigvals(jax.jacfwd(Fp)(x))

    return jax.vmap(solve)(starts)


def count_attractors(trajectories, *, rtol: float = 1e-2) -> int:
    """How many distinct attractors trajectories from different initial states settle on.

    trajectories: (n, T, d) (or (n, T)), the steps kept after a burn-in. Each trajectory is
    summarized by the phase-independent signature (min, mean, max) of every coordinate; two
    trajectories share an attractor if their signatures agree within rtol (1 + max |x|).
    Coexisting fixed points, or a fixed point next to an orbit, count separately.
    """
    x = np.asarray(trajectories, np.float64)
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3 or x.shape[0] == 0:
        raise ValueError(f"trajectories must have shape (n, T, d) with n >= 1, got {x.shape}")
    signatures = np.concatenate([x.min(1), x.mean(1), x.max(1)], axis=-1)
    tol = rtol * (1 + np.max(np.abs(x)))
    representatives: list[np.ndarray] = []
    for sig in signatures:
        if not any(np.max(np.abs(sig - r)) <= tol for r in representatives):
            representatives.append(sig)
    return len(representatives)
