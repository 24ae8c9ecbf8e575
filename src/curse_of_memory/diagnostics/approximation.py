"""Best approximation error of a memory kernel by width-m sums of exponentials, against m
(Li, Han, E & Li, JMLR 2022, Thm 10 and Sec. 4.3; spec E1).

The model rho_hat(t) = sum_{i<=m} c_i e^{-w_i t} (the diagonal linear RNN) is fitted to
samples rho(t_k) in float64 in two ways:

- `fixed_grid_fit`: the proof's geometric grid w_i = i w_0 with least-squares coefficients
  (SVD, the system is badly conditioned), w_0 chosen from a grid to minimize the L1 error;
- `free_rate_fit`: rates and coefficients both free, L-BFGS on (log w, c) minimizing the
  squared error, started from the best fixed grid.

Errors are the operator norm of the difference of functionals, the L1 kernel distance,
approximated by dt sum_k |rho_hat(t_k) - rho(t_k)|.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import scipy.optimize

from curse_of_memory.models.continuous_linear_rnn import check_width


class Fit(NamedTuple):
    rates: np.ndarray  # (m,) decay rates w_i > 0
    coefficients: np.ndarray  # (m,)
    l1_error: float


def l1_error(fitted, target, dt: float = 1.0) -> float:
    return float(dt * np.sum(np.abs(np.asarray(fitted) - np.asarray(target))))


def _basis(t, rates):
    return np.exp(-np.multiply.outer(t, rates))


def fixed_grid_fit(target, width: int, rate_units: Sequence[float], *, dt: float = 1.0) -> Fit:
    """Best over w_0 in rate_units of the least-squares fit on the grid w_i = i w_0."""
    check_width(width)
    target = np.asarray(target, np.float64)
    t = dt * np.arange(target.shape[0])
    best = None
    for unit in rate_units:
        rates = unit * np.arange(1, width + 1)
        A = _basis(t, rates)
        c = np.linalg.lstsq(A, target, rcond=None)[0]
        fit = Fit(rates, c, l1_error(A @ c, target, dt))
        if best is None or fit.l1_error < best.l1_error:
            best = fit
    return best


def _squared_error(z, t, y):
    width = z.shape[0] // 2
    rates, c = jnp.exp(z[:width]), z[width:]
    return jnp.sum((jnp.exp(-jnp.outer(t, rates)) @ c - y) ** 2)


_squared_error_and_grad = jax.jit(jax.value_and_grad(_squared_error))  # compiled once per (T, m)


def free_rate_fit(target, width: int, start: Fit, *, dt: float = 1.0, max_iterations: int = 2000) -> Fit:
    """L-BFGS on (log w, c) from `start`, minimizing sum_k (rho_hat - rho)^2 (float64); the
    better of the result and `start`."""
    check_width(width)
    target = np.asarray(target, np.float64)
    t = dt * np.arange(target.shape[0])
    with jax.enable_x64(True):

        def fun(z):
            value, grad = _squared_error_and_grad(z, t, target)
            return float(value), np.asarray(grad, np.float64)

        z0 = np.concatenate([np.log(start.rates), start.coefficients])
        result = scipy.optimize.minimize(fun, z0, jac=True, method="L-BFGS-B", options={"maxiter": max_iterations})
    rates, c = np.exp(result.x[:width]), result.x[width:]
    fit = Fit(rates, c, l1_error(_basis(t, rates) @ c, target, dt))
    return fit if fit.l1_error < start.l1_error else start


def approximation_error(
    target, widths: Sequence[int], rate_units: Sequence[float], *, dt: float = 1.0, free: bool = False
) -> list[dict]:
    """Best L1 error against width: rows {"width", "fixed_error", "rate_unit"[, "free_error"]}."""
    rows = []
    for m in widths:
        fit = fixed_grid_fit(target, m, rate_units, dt=dt)
        row = {"width": int(m), "fixed_error": fit.l1_error, "rate_unit": float(fit.rates[0])}
        if free:
            row["free_error"] = free_rate_fit(target, m, fit, dt=dt).l1_error
        rows.append(row)
    return rows


def curse_of_memory_bound(width, T: float, omega: float, C: float = 1.0):
    """C (T^-omega + (omega / m) T^(1 - omega)) (Sec. 4.3): truncation plus Jackson terms."""
    return C * (T ** (-omega) + omega / np.asarray(width, float) * T ** (1 - omega))
