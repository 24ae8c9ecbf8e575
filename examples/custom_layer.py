"""A recurrent layer that curse-of-memory does not ship, diagnosed with it.

minGRU (Feng et al. 2024, "Were RNNs all we needed?"): a GRU whose gates see only the input,
so the layer is a time-varying diagonal linear recurrence,

    z_t = sigmoid(W_z x_t + b_z),   h_t = (1 - z_t) * h_{t-1} + z_t * (W_h x_t),

computed here with the library's parallel scan. The factory follows the `diagnose` protocol,
f(key, memory_scale) -> module mapping (T, width) to (T, width): the update-gate bias is set
so that each unit's timescale 1 / z is 1 + memory_scale at zero input (like the chrono
initialization of Tallec & Ollivier 2018).

    curse-of-memory diagnose examples/custom_layer.py:min_gru --width 16 --out diagnosis
"""

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array

from curse_of_memory.recurrence import linear_recurrence

WIDTH = 16


class MinGRU(eqx.Module):
    W_z: Array  # (width, width)
    b_z: Array  # (width,)
    W_h: Array  # (width, width)

    def hidden_states(self, x: Array) -> Array:
        """h: (T, width) for x: (T, width)."""
        z = jax.nn.sigmoid(x @ self.W_z.T + self.b_z)
        return linear_recurrence(1 - z, z * (x @ self.W_h.T))

    def __call__(self, x: Array) -> Array:
        return self.hidden_states(x)


def min_gru(key: Array, memory_scale: float, width: int = WIDTH) -> MinGRU:
    """Gate bias -log(memory_scale) makes z = 1 / (1 + memory_scale) at zero input (timescale
    1 + memory_scale); weights ~ N(0, 1/width)."""
    k_z, k_h = jax.random.split(key)
    scale = 1 / jnp.sqrt(width)
    bias = -jnp.log(memory_scale)
    return MinGRU(
        W_z=jax.random.normal(k_z, (width, width)) * scale,
        b_z=jnp.full((width,), bias),
        W_h=jax.random.normal(k_h, (width, width)) * scale,
    )
