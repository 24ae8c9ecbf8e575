"""The diagonal linear recurrence h_t = lambda_t * h_{t-1} + u_t, h_{-1} = 0.

This is the recurrence of every diagonal linear RNN (complex diagonal RNN, LRU, S4D) and,
with N = 1, the one-dimensional model of Zucchet & Orvieto (2024), Eq. (1). Three methods
compute the same states:

- ``sequential``: `lax.scan` over time, O(T) sequential steps;
- ``associative``: `lax.associative_scan` on pairs (a, b) -> h = a h + b, O(log T) depth;
- ``convolution``: for time-invariant lambda only, h = sum_k lambda^k u_{t-k}, a causal
  convolution with the impulse response lambda^k (see `convolution.py`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import ArrayLike, Inexact

from curse_of_memory.recurrence.convolution import causal_convolution

METHODS = ("auto", "sequential", "associative", "convolution")


def powers(lam: Inexact[ArrayLike, "*shape"], T: int) -> Inexact[Array, " T *shape"]:
    """lambda^k for k = 0 .. T-1, shape (T, *lam.shape): the impulse response of the recurrence.

    Computed as a prefix product (`lax.associative_scan`), which is exact at lambda = 0 and
    accumulates only O(log T) rounding steps, unlike exp(k log lambda).
    """
    lam = jnp.asarray(lam)
    tail = jax.lax.associative_scan(jnp.multiply, jnp.broadcast_to(lam, (T - 1, *lam.shape)))
    return jnp.concatenate([jnp.ones((1, *lam.shape), lam.dtype), tail])


def _time_first(x: Array) -> Array:
    return jnp.moveaxis(x, -2, 0)


def _time_last_but_one(x: Array) -> Array:
    return jnp.moveaxis(x, 0, -2)


def linear_recurrence(
    lam: Inexact[ArrayLike, " ..."], u: Inexact[ArrayLike, "*batch T N"], *, method: str = "auto"
) -> Inexact[Array, "*batch T N"]:
    """States h_t = lambda_t * h_{t-1} + u_t with h_{-1} = 0, batched over leading axes.

    Args:
        lam: the diagonal of the recurrence, real or complex. Time-invariant if it has one
            axis fewer than `u` (shape broadcastable to u.shape[:-2] + u.shape[-1:], e.g.
            (N,) or a scalar); time-varying if it has as many axes as `u` (shape
            broadcastable to u.shape, with time on axis -2).
        u: inputs, (..., T, N), real or complex.
        method: "sequential", "associative", "convolution" (time-invariant lambda only), or
            "auto" (associative: exact to rounding and parallel over time).

    Returns:
        h: (..., T, N) of the promoted dtype of lam and u.
    """
    if method not in METHODS:
        raise ValueError(f"recurrence method must be one of {METHODS}, got {method!r}")
    lam = jnp.asarray(lam)
    u = jnp.asarray(u)
    if u.ndim < 2:
        raise ValueError(f"u must have shape (..., T, N), got {u.shape}")
    time_varying = lam.ndim == u.ndim
    dtype = jnp.result_type(lam, u)
    u = u.astype(dtype)
    lam = lam.astype(dtype)
    if method == "convolution":
        if time_varying:
            raise ValueError("the convolution method needs a time-invariant lambda")
        lam_full = jnp.broadcast_to(lam, u.shape[:-2] + u.shape[-1:])
        if lam_full.ndim == 1:
            return causal_convolution(powers(lam_full, u.shape[-2]), u)
        # A batch of different lambdas: one convolution per batch element.
        batch = u.shape[:-2]
        flat = jax.vmap(lambda lam, x: causal_convolution(powers(lam, x.shape[0]), x))(
            lam_full.reshape(-1, u.shape[-1]), u.reshape(-1, *u.shape[-2:])
        )
        return flat.reshape(*batch, *u.shape[-2:])
    a = lam if time_varying or lam.ndim == 0 else jnp.expand_dims(lam, -2)
    a = jnp.broadcast_to(a, u.shape)
    if method == "sequential":

        def step(h, ab):
            a_t, u_t = ab
            h = a_t * h + u_t
            return h, h

        h0 = jnp.zeros(u.shape[:-2] + u.shape[-1:], dtype)
        _, hs = jax.lax.scan(step, h0, (_time_first(a), _time_first(u)))
        return _time_last_but_one(hs)

    def combine(left, right):
        a1, b1 = left
        a2, b2 = right
        return a1 * a2, a2 * b1 + b2

    _, h = jax.lax.associative_scan(combine, (a, u), axis=u.ndim - 2)
    return h
