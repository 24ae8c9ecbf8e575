"""Input processes: white noise and the stationary AR(1) process of Zucchet & Orvieto (2024).

The AR(1) process has unit variance and autocorrelation R(Delta) = rho^|Delta| (Sec. 3.1):
x_0 ~ N(0, 1), x_t = rho x_{t-1} + sqrt(1 - rho^2) eps_t. At rho = 1 every sequence is
constant in time, the limit where E[(dh/dlambda)^2] = (1 - lambda)^-4 exactly.
"""

from __future__ import annotations

from collections.abc import Iterator

import jax
import jax.numpy as jnp
from jax import Array

from curse_of_memory.recurrence import linear_recurrence


def white_noise(key: Array, shape: tuple[int, ...], dtype=None) -> Array:
    """i.i.d. N(0, 1) inputs of the given shape, e.g. (batch, T, d)."""
    return jax.random.normal(key, shape, dtype or jnp.result_type(float))


def ar1(key: Array, rho: float | Array, shape: tuple[int, ...], dtype=None) -> Array:
    """Stationary unit-variance AR(1) sequences along axis -2 of `shape` (..., T, d).

    `rho` in [0, 1] may be an array broadcastable to the trailing (d,) axis, one correlation
    per channel. Computed as a linear recurrence (associative scan), so long sequences are cheap.
    """
    rho = jnp.asarray(rho, dtype or jnp.result_type(float))
    eps = white_noise(key, shape, rho.dtype)
    first = eps[..., :1, :]
    rest = jnp.sqrt(1 - rho**2) * eps[..., 1:, :]
    return linear_recurrence(rho, jnp.concatenate([first, rest], axis=-2))


def ar1_batches(key: Array, rho: float, sequences: int, T: int, batch_size: int) -> Iterator[Array]:
    """`sequences` AR(1) sequences of shape (T, 1), generated `batch_size` at a time (batch i
    from fold_in(key, i)), so that long Monte Carlo runs never hold them all in memory."""
    for i, start in enumerate(range(0, sequences, batch_size)):
        n = min(batch_size, sequences - start)
        yield ar1(jax.random.fold_in(key, i), rho, (n, T, 1))
