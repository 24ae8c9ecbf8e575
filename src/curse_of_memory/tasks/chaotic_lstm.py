"""The chaotic 2-unit LSTM of Ribeiro et al. (2020) (official code; Sec. 4 of the spec).

An LSTM with input size 1, hidden size 2, no biases and zero input (W_ih = 0), started from
h0 = c0 = (0.5, 0.5). With the recurrent weights theta* below (PyTorch gate order i, f, g, o)
its attractor is chaotic; along theta(s) = s theta* it goes from a stable fixed point (the
origin) through period 3 and period doubling into chaos (s ~ 0.9-1.47) and to period 4.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array

from curse_of_memory.models.lstm import LSTM

# W_hi, W_hf, W_hg, W_ho stacked: (8, 2).
CHAOTIC_WEIGHT_HH = (
    (-1.0, -4.0),
    (-3.0, -2.0),
    (-2.0, 6.0),
    (0.0, -6.0),
    (-1.0, -6.0),
    (6.0, -9.0),
    (4.0, 1.0),
    (-9.0, -7.0),
)
INITIAL_STATE = 0.5


def chaotic_weight_hh(dtype=jnp.float32) -> Array:
    """theta*: the chaotic recurrent weights (8, 2)."""
    return jnp.asarray(CHAOTIC_WEIGHT_HH, dtype)


def chaotic_lstm(weight_hh: Array) -> LSTM:
    """The 2-unit LSTM with recurrent weights `weight_hh` (8, 2), no input, no biases."""
    zeros = jnp.zeros(8, weight_hh.dtype)
    return LSTM(jnp.zeros((8, 1), weight_hh.dtype), weight_hh, zeros, zeros)


def chaotic_lstm_map(weight_hh: Array):
    """The autonomous map x = (h, c) (4,) -> x' (4,) of the zero-input LSTM."""
    cell = chaotic_lstm(weight_hh)
    x0 = jnp.zeros(1, weight_hh.dtype)

    def F(x):
        return jnp.concatenate(cell.step((x[:2], x[2:]), x0))

    return F


def chaotic_lstm_outputs(weight_hh: Array, n_steps: int) -> Array:
    """h_1..h_N (n_steps, 2) from h0 = c0 = (0.5, 0.5) under zero input, in weight_hh's dtype."""
    F = chaotic_lstm_map(weight_hh)

    def body(x, _):
        x = F(x)
        return x, x[:2]

    return jax.lax.scan(body, jnp.full(4, INITIAL_STATE, weight_hh.dtype), None, length=n_steps)[1]
