"""Causal convolution with an impulse response, by a Toeplitz product or by FFT.

A time-invariant linear system is a causal filter: y_t = sum_{k=0}^{t} K_k u_{t-k}. Both
methods compute exactly this sum (zero initial state); they differ only in cost:

- ``direct`` builds the T x T lower-triangular Toeplitz matrix of the kernel and multiplies
  (O(T^2) work, but a single dense matmul: fastest for the short sequences of the paper);
- ``fft`` zero-pads to avoid circular wrap-around and multiplies spectra (O(T log T)).
"""

from __future__ import annotations

import math

import jax.numpy as jnp
from jax import Array
from jaxtyping import Inexact, Shaped

METHODS = ("auto", "direct", "fft")

# Largest Toeplitz operand (T * T * kernel entries per lag) built by the direct method. Above
# it, or for T beyond _DIRECT_MAX_T, the FFT is faster on CPU (see docs/performance.md).
_DIRECT_MAX_ELEMENTS = 2**22
_DIRECT_MAX_T = 512


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"convolution method must be one of {METHODS}, got {method!r}")


def choose_convolution_method(T: int, entries_per_lag: int) -> str:
    """The faster method for a kernel of length T with `entries_per_lag` numbers per lag."""
    if T <= _DIRECT_MAX_T and T * T * entries_per_lag <= _DIRECT_MAX_ELEMENTS:
        return "direct"
    return "fft"


def toeplitz(kernel: Shaped[Array, " T *rest"]) -> Shaped[Array, "T T *rest"]:
    """Lower-triangular Toeplitz stack: out[t, s, ...] = kernel[t - s, ...] if t >= s else 0.

    kernel: (T, ...) -> (T, T, ...).
    """
    T = kernel.shape[0]
    lag = jnp.arange(T)[:, None] - jnp.arange(T)[None, :]
    gathered = kernel[jnp.clip(lag, 0, T - 1)]
    mask = (lag >= 0).reshape(T, T, *([1] * (kernel.ndim - 1)))
    return jnp.where(mask, gathered, 0)


def _fft_convolve(kernel: Array, u: Array, contract) -> Array:
    """Spectral causal convolution along axis 0 of `kernel` and axis -2 of `u`."""
    T = u.shape[-2]
    n = 1 << (2 * T - 1).bit_length()  # >= 2T - 1: no circular aliasing
    real = not (jnp.iscomplexobj(kernel) or jnp.iscomplexobj(u))
    fft, ifft = (jnp.fft.rfft, jnp.fft.irfft) if real else (jnp.fft.fft, jnp.fft.ifft)
    k_hat = fft(kernel, n=n, axis=0)
    u_hat = fft(u, n=n, axis=-2)
    y = ifft(contract(k_hat, u_hat), n=n, axis=-2)
    return y[..., :T, :]


def causal_convolution(
    kernel: Inexact[Array, "T N"] | Inexact[Array, "T d_out d_in"],
    u: Inexact[Array, "*batch T N"] | Inexact[Array, "*batch T d_in"],
    *,
    method: str = "auto",
) -> Inexact[Array, "*batch T N"] | Inexact[Array, "*batch T d_out"]:
    """y_t = sum_{k=0}^{t} K_k u_{t-k}, batched over the leading axes of `u`.

    Args:
        kernel: impulse response, real or complex, either (T, N) for N independent channels
            (a diagonal system: y[..., n] = K[:, n] * u[..., n]) or (T, d_out, d_in) for a
            full multi-input multi-output filter.
        u: input, real or complex, (..., T, N) or (..., T, d_in).
        method: "direct" (Toeplitz product), "fft", or "auto" (by size).

    Returns:
        (..., T, N) or (..., T, d_out), of the promoted dtype of kernel and u.
    """
    _check_method(method)
    T = u.shape[-2]
    if kernel.shape[0] != T:
        raise ValueError(f"kernel has {kernel.shape[0]} lags but the input has T = {T} steps")
    diagonal = kernel.ndim == 2
    if method == "auto":
        method = choose_convolution_method(T, math.prod(kernel.shape[1:]))
    if method == "direct":
        if diagonal:
            return jnp.einsum("tsn,...sn->...tn", toeplitz(kernel), u)
        d_out, d_in = kernel.shape[1:]
        if d_out == d_in == 1:  # the teacher-student hot path: a 2-D matmul, no transposes
            return (u[..., 0] @ toeplitz(kernel[:, 0, 0]).T)[..., None]
        # One plain matmul: (..., T d_in) @ (T d_in, T d_out).
        K = jnp.transpose(toeplitz(kernel), (1, 3, 0, 2)).reshape(T * d_in, T * d_out)
        y = u.reshape(*u.shape[:-2], T * d_in) @ K
        return y.reshape(*u.shape[:-2], T, d_out)
    if diagonal:
        return _fft_convolve(kernel, u, lambda k, x: k * x)
    return _fft_convolve(kernel, u, lambda k, x: jnp.einsum("foi,...fi->...fo", k, x))
