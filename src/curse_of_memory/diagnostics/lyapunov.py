"""Lyapunov spectrum of an autonomous map by repeated QR (Benettin et al. 1980; Sec. 5.6 of
the spec; added).

    lambda_i = lim (1/n) sum_t log |R_t[i, i]|,   Q_t R_t = J_t Q_{t-1},   J_t = dF/dx(x_{t-1}),

after a burn-in that puts x on its attractor. Nats per step, sorted (QR keeps them in
decreasing order). Near a superstable point (iterates underflowing to 0) J is singular and
the lower exponents are -inf: log|R_ii| is floored at `log_floor`, so only lambda_1 is
meaningful there.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
from jax import Array


def _check_lengths(burn_in, steps) -> None:
    if not (isinstance(burn_in, int) and burn_in >= 0):
        raise ValueError(f"burn_in must be a non-negative integer, got {burn_in!r}")
    if not (isinstance(steps, int) and steps >= 1):
        raise ValueError(f"steps must be a positive integer, got {steps!r}")


def lyapunov_spectrum(
    F: Callable[[Array], Array], x0: Array, *, burn_in: int = 1000, steps: int = 5000, log_floor: float = -50.0
) -> Array:
    """The d exponents (d,) of x -> F(x) (x0: (d,)), in x0's dtype (use float64).

    A pure JAX function (vmap it over starts or parameters); the integer arguments are
    static. F must be a pure function of a flat state vector.
    """
    _check_lengths(burn_in, steps)
    x = jax.lax.fori_loop(0, burn_in, lambda _, y: F(y), x0)

    def body(carry, _):
        x, Q = carry
        Q, R = jnp.linalg.qr(jax.jacfwd(F)(x) @ Q)
        growth = jnp.log(jnp.maximum(jnp.abs(jnp.diagonal(R)), jnp.exp(log_floor)))
        return (F(x), Q), growth

    Q0 = jnp.eye(x0.shape[0], dtype=x0.dtype)
    _, growth = jax.lax.scan(body, (x, Q0), None, length=steps)
    return jnp.sort(jnp.mean(growth, axis=0))[::-1]


def largest_lyapunov_exponent(
    F: Callable[[Array], Array], x0: Array, *, burn_in: int = 1000, steps: int = 5000, log_floor: float = -50.0
) -> Array:
    """lambda_1 alone (a scalar), by one renormalized tangent vector pushed with JVPs: the
    first column of the QR iteration, d times cheaper than `lyapunov_spectrum`."""
    _check_lengths(burn_in, steps)
    x = jax.lax.fori_loop(0, burn_in, lambda _, y: F(y), x0)
    v = jax.random.normal(jax.random.PRNGKey(0), x0.shape, x0.dtype)

    def body(carry, _):
        x, v = carry
        x, w = jax.jvp(F, (x,), (v / jnp.linalg.norm(v),))
        norm = jnp.linalg.norm(w)
        return (x, jnp.where(norm > 0, w, v)), jnp.log(jnp.maximum(norm, jnp.exp(log_floor)))

    _, growth = jax.lax.scan(body, (x, v), None, length=steps)
    return jnp.mean(growth)
