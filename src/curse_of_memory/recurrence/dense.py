"""The dense linear recurrence h_t = A h_{t-1} + u_t, h_{-1} = 0, with block-diagonal A.

This is the recurrence of the (multi-head) linear RNN of Zucchet & Orvieto (2024), Sec. 4:
with H heads of size k the hidden state of size N = H k evolves under H independent k x k
blocks. One head is the plain dense RNN.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import ArrayLike, Inexact, Shaped

METHODS = ("auto", "sequential", "associative")


def _as_blocks(A: Array) -> Array:
    A = jnp.asarray(A)
    if A.ndim == 2:
        A = A[None]
    if A.ndim != 3 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"A must be (N, N) or a stack of square blocks (H, k, k), got {A.shape}")
    return A


def block_matvec(A: Shaped[Array, "H k k"], h: Shaped[Array, "*batch H*k"]) -> Shaped[Array, "*batch H*k"]:
    """A h for block-diagonal A: (H, k, k) blocks, h: (..., H * k) -> (..., H * k)."""
    H, k, _ = A.shape
    out = jnp.einsum("hij,...hj->...hi", A, h.reshape(*h.shape[:-1], H, k))
    return out.reshape(h.shape)


def dense_recurrence(
    A: Inexact[ArrayLike, "N N"] | Inexact[ArrayLike, "H k k"],
    u: Inexact[ArrayLike, "*batch T N"],
    *,
    method: str = "auto",
) -> Inexact[Array, "*batch T N"]:
    """States h_t = A h_{t-1} + u_t with h_{-1} = 0, batched over the leading axes of u.

    Args:
        A: (N, N), or (H, k, k) for a block-diagonal matrix with H blocks (N = H k); real or
            complex.
        u: inputs, (..., T, N), real or complex.
        method: "sequential" (`lax.scan`, O(T k^2) work per block), "associative"
            (`lax.associative_scan` composing affine maps, O(T k^3) work but O(log T)
            depth), or "auto" (sequential).

    Returns:
        h: (..., T, N) of the promoted dtype of A and u.
    """
    if method not in METHODS:
        raise ValueError(f"dense recurrence method must be one of {METHODS}, got {method!r}")
    A = _as_blocks(A)
    u = jnp.asarray(u)
    H, k, _ = A.shape
    if u.ndim < 2 or u.shape[-1] != H * k:
        raise ValueError(f"u must be (..., T, {H * k}) for A of shape {A.shape}, got {u.shape}")
    dtype = jnp.result_type(A, u)
    A, u = A.astype(dtype), u.astype(dtype)
    if method in ("auto", "sequential"):

        def step(h, u_t):
            h = block_matvec(A, h) + u_t
            return h, h

        h0 = jnp.zeros(u.shape[:-2] + u.shape[-1:], dtype)
        _, hs = jax.lax.scan(step, h0, jnp.moveaxis(u, -2, 0))
        return jnp.moveaxis(hs, 0, -2)

    T = u.shape[-2]
    # Elements are affine maps h -> M h + b; composing "left then right" gives
    # (M2 M1, M2 b1 + b2). Matrices carry only the time axis, vectors also the batch axes.
    Ms = jnp.broadcast_to(A, (T, H, k, k))
    bs = jnp.moveaxis(u, -2, 0).reshape(T, *u.shape[:-2], H, k)

    def combine(left, right):
        M1, b1 = left
        M2, b2 = right
        M = jnp.einsum("thij,thjl->thil", M2, M1)
        b = jnp.einsum("thij,t...hj->t...hi", M2, b1) + b2
        return M, b

    _, hs = jax.lax.associative_scan(combine, (Ms, bs))
    return jnp.moveaxis(hs.reshape(T, *u.shape[:-2], H * k), 0, -2)
