"""minGRU (Feng et al. 2024, "Were RNNs all we needed?", Sec. 3.1): a GRU whose gates see only
the input, so the layer is a time-varying diagonal linear recurrence,

    z_t = sigmoid(W_z x_t + b_z),   h~_t = W_h x_t,   h_t = (1 - z_t) * h_{t-1} + z_t * h~_t,

computed in parallel over time with `linear_recurrence` (associative scan); `step` is the
sequential definition. Width d in and out (the output is h).
"""

from __future__ import annotations

import equinox as eqx
import jax
from jax import Array
from jaxtyping import Float, PRNGKeyArray

from curse_of_memory.models.chrono import chrono_bias
from curse_of_memory.models.dense import Dense, dense
from curse_of_memory.recurrence import linear_recurrence


class MinGRU(eqx.Module):
    """gate: Dense (d -> d), the update gate's pre-activation; candidate: Dense (d -> d), no bias."""

    gate: Dense
    candidate: Dense

    def step(self, h: Float[Array, " d"], x: Float[Array, " d"]) -> Float[Array, " d"]:
        """One step: h (d,), x (d,) -> h' (d,)."""
        z = jax.nn.sigmoid(self.gate(x))
        return (1 - z) * h + z * self.candidate(x)

    def __call__(self, x: Float[Array, "*batch T d"]) -> Float[Array, "*batch T d"]:
        """States h (..., T, d) for inputs x (..., T, d), from h = 0."""
        z = jax.nn.sigmoid(self.gate(x))
        return linear_recurrence(1 - z, z * self.candidate(x))


def min_gru(key: PRNGKeyArray, d: int, *, T_min: float = 1.0, T_max: float = 2.0) -> MinGRU:
    """Chrono-initialized (as `chrono_gru`): at zero input the retention 1 - z is T / (1 + T)
    with T ~ U(T_min, T_max), a memory of ~1 + T steps; weights Lecun-normal."""
    k_bias, k_gate, k_cand = jax.random.split(key, 3)
    gate = dense(k_gate, d, d)
    gate = eqx.tree_at(lambda g: g.bias, gate, -chrono_bias(k_bias, d, T_min, T_max))
    return MinGRU(gate=gate, candidate=dense(k_cand, d, d, bias=False))
