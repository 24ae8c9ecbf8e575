"""What every linear time-invariant layer shares: its impulse response and a forward pass
that picks the cheapest exact method.

An LTI layer implements `hidden_states(x, method)` ((T, d_in) -> (T, N)) and
`readout(h, x)` ((T, N), (T, d_in) -> (T, d_out)), and has `d_in`, `d_out` and `d_hidden`.
The whole layer is then the causal filter y_t = sum_k K_k x_{t-k} with the d_out x d_in
kernel K_k = C A^k B (+ D at k = 0). When d_in d_out is small compared to the hidden size,
as in the teacher-student task, convolving with K never materializes the T x N state and is
far cheaper than any scan.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Float

from curse_of_memory.recurrence import causal_convolution

METHODS = ("auto", "convolution", "sequential", "associative")


def impulse_response(layer, T: int, method: str = "auto") -> Float[Array, "T d_out d_in"]:
    """Kernel K of the layer, (T, d_out, d_in): K[t, :, i] is the output at time t to a unit
    impulse on input i at time 0, computed by the layer's own recurrence."""
    if T < 1:
        raise ValueError(f"T must be a positive number of steps, got {T}")
    impulses = jnp.zeros((layer.d_in, T, layer.d_in)).at[:, 0, :].set(jnp.eye(layer.d_in))
    y = jax.vmap(lambda x: layer.readout(layer.hidden_states(x, method), x))(impulses)
    return jnp.transpose(y, (1, 2, 0))


def lag_blocks(T: int) -> tuple[int, int]:
    """(s, n) with s ~ sqrt(T) and n s >= T: lag k = a s + b (a < n, b < s) splits a kernel
    K_k = C A^k B into C A^(a s) times A^b B, so that T lags cost s + n short products and
    one (n, N) x (N, s) matrix product instead of T sequential steps."""
    s = max(1, math.isqrt(T))
    return s, -(-T // s)


def choose_method(layer, method: str) -> str:
    """'convolution' when the kernel (d_out d_in numbers per lag) is smaller than the state."""
    if method not in METHODS:
        raise ValueError(f"forward method must be one of {METHODS}, got {method!r}")
    if method == "auto":
        return "convolution" if layer.d_in * layer.d_out <= layer.d_hidden else "auto"
    return method


def lti_forward(layer, x: Float[Array, "T d_in"], method: str = "auto") -> Float[Array, "T d_out"]:
    """Outputs (T, d_out) of an LTI layer for inputs x (T, d_in)."""
    method = choose_method(layer, method)
    if method == "convolution":
        return causal_convolution(layer.kernel(x.shape[0]), x)
    return layer.readout(layer.hidden_states(x, method), x)
