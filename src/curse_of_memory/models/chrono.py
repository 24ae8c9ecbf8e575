"""Chrono initialization of gated RNNs (Tallec & Ollivier 2018), as in Zucchet & Orvieto
(2024), Sec. 5.5, for the `GRU` and `LSTM` cells with PyTorch's gate layout.

The gate that keeps the state (the GRU's update gate z, the LSTM's forget gate f) gets the
bias b = log T with T ~ U(T_min, T_max), so that at zero input the gate is T / (1 + T) and
the unit forgets with timescale 1 / (1 - gate) = 1 + T. Weights follow the paper's code:
hidden kernels orthogonal with gain `scale_h` (one orthogonal block per gate), input kernels
normal with variance 2 scale_x / d_in ("fan_in" variance scaling with scale 2 scale_x), every
other bias zero. With scale_x = scale_h = 0 every gate is constant and each unit is exactly a
leaky integrator: a diagonal linear RNN with eigenvalue T / (1 + T).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Float, PRNGKeyArray

from curse_of_memory.models.gru import GRU
from curse_of_memory.models.lstm import LSTM


def check_timescales(T_min: float, T_max: float) -> None:
    if not 0 < T_min <= T_max:
        raise ValueError(f"chrono timescales need 0 < T_min <= T_max, got [{T_min}, {T_max}]")


def chrono_bias(key: PRNGKeyArray, n: int, T_min: float, T_max: float) -> Float[Array, " n"]:
    """log T with T ~ U(T_min, T_max), (n,): the bias that gives the gate sigmoid(b) = T / (1 + T)."""
    check_timescales(T_min, T_max)
    return jnp.log(jax.random.uniform(key, (n,), minval=T_min, maxval=T_max))


def gate_kernels(
    key: PRNGKeyArray, n_gates: int, d_in: int, d_hidden: int, scale_x: float, scale_h: float
) -> tuple[Float[Array, "{n_gates*d_hidden} {d_in}"], Float[Array, "{n_gates*d_hidden} {d_hidden}"]]:
    """Stacked input kernels (n_gates H, d_in) and hidden kernels (n_gates H, H), H = d_hidden."""
    if scale_x < 0 or scale_h < 0:
        raise ValueError(f"weight scales must be >= 0, got scale_x={scale_x}, scale_h={scale_h}")
    k_in, k_h = jax.random.split(key)
    w_in = jax.nn.initializers.variance_scaling(2 * scale_x, "fan_in", "normal")
    w_h = jax.nn.initializers.orthogonal(scale_h)
    weight_ih = jnp.concatenate([w_in(k, (d_in, d_hidden)).T for k in jax.random.split(k_in, n_gates)])
    weight_hh = jnp.concatenate([w_h(k, (d_hidden, d_hidden)).T for k in jax.random.split(k_h, n_gates)])
    return weight_ih, weight_hh


def chrono_gru(
    key: PRNGKeyArray,
    d_in: int,
    d_hidden: int,
    *,
    T_min: float = 1.0,
    T_max: float = 10.0,
    scale_x: float = 1.0,
    scale_h: float = 1.0,
) -> GRU:
    """The paper's "GRU (chrono)": update-gate bias b_iz = log U(T_min, T_max), all other biases 0.

    The paper's cell has a single hidden bias (on the n path); here bias_hh holds zeros for all
    three gates, so the r and z paths carry one extra zero-initialized bias each (with the same
    gradient as the matching input bias).
    """
    k_w, k_b = jax.random.split(key)
    weight_ih, weight_hh = gate_kernels(k_w, 3, d_in, d_hidden, scale_x, scale_h)
    zeros = jnp.zeros(d_hidden, weight_ih.dtype)
    bias_ih = jnp.concatenate([zeros, chrono_bias(k_b, d_hidden, T_min, T_max).astype(zeros.dtype), zeros])
    return GRU(weight_ih=weight_ih, weight_hh=weight_hh, bias_ih=bias_ih, bias_hh=jnp.zeros(3 * d_hidden, zeros.dtype))


def chrono_lstm(
    key: PRNGKeyArray,
    d_in: int,
    d_hidden: int,
    *,
    T_min: float = 1.0,
    T_max: float = 10.0,
    scale_x: float = 1.0,
    scale_h: float = 1.0,
) -> LSTM:
    """LSTM with chrono initialization: forget bias b_f = log U(T_min, T_max) and input bias
    b_i = -b_f (Tallec & Ollivier 2018), so that at zero input c' = f c + (1 - f) tanh(g), a
    leaky integrator with timescale 1 + T. Weights as `chrono_gru` (the paper has no LSTM)."""
    k_w, k_b = jax.random.split(key)
    weight_ih, weight_hh = gate_kernels(k_w, 4, d_in, d_hidden, scale_x, scale_h)
    zeros = jnp.zeros(d_hidden, weight_ih.dtype)
    b_f = chrono_bias(k_b, d_hidden, T_min, T_max).astype(zeros.dtype)
    bias_ih = jnp.concatenate([-b_f, b_f, zeros, zeros])
    return LSTM(weight_ih=weight_ih, weight_hh=weight_hh, bias_ih=bias_ih, bias_hh=jnp.zeros(4 * d_hidden, zeros.dtype))
