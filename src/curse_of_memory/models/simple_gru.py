"""The simplified GRU of Zucchet & Orvieto (2024), Fig. 15 (Sec. 5.5, "simple version").

    z = sigmoid(W_iz x + b_iz + W_hz h),   n = W_in x,   h' = (1 - z) * n + z * h

No reset gate and no tanh: the candidate n is a bias-free linear map of the input. With
constant gates (W_iz = W_hz = 0) each unit is exactly the leaky integrator
h' = z h + (1 - z) n with z = sigmoid(b_iz), the model of the GRU theory (Sec. 3.7,
`theory.gru`).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Float, PRNGKeyArray

from curse_of_memory.models.cell_scan import scan_cell
from curse_of_memory.models.chrono import chrono_bias, gate_kernels


class SimpleGRU(eqx.Module):
    """weight_iz, weight_in: (H, d_in); weight_hz: (H, H); bias_iz: (H,)."""

    weight_iz: Array
    weight_hz: Array
    bias_iz: Array
    weight_in: Array

    @property
    def d_hidden(self) -> int:
        return self.weight_hz.shape[0]

    def step(self, h: Float[Array, " H"], x: Float[Array, " d_in"]) -> Float[Array, " H"]:
        """One step: h (H,), x (d_in,) -> h' (H,)."""
        z = jax.nn.sigmoid(self.weight_iz @ x + self.bias_iz + self.weight_hz @ h)
        return (1 - z) * (self.weight_in @ x) + z * h

    def __call__(self, x: Float[Array, "T d_in"], h0: Float[Array, " H"] | None = None) -> Float[Array, "T H"]:
        """States (T, H) for inputs x (T, d_in), from h0 (zeros by default)."""
        return scan_cell(self.step, jnp.zeros(self.d_hidden, x.dtype) if h0 is None else h0, x)


def simple_chrono_gru(
    key: PRNGKeyArray,
    d_in: int,
    d_hidden: int,
    *,
    T_min: float = 1.0,
    T_max: float = 10.0,
    scale_x: float = 1.0,
    scale_h: float = 1.0,
) -> SimpleGRU:
    """Chrono initialization as `chrono_gru` for the gate (b_iz = log U(T_min, T_max), W_iz normal
    with variance 2 scale_x / d_in, W_hz orthogonal with gain scale_h); W_in Lecun-normal."""
    k_w, k_b, k_n = jax.random.split(key, 3)
    weight_iz, weight_hz = gate_kernels(k_w, 1, d_in, d_hidden, scale_x, scale_h)
    return SimpleGRU(
        weight_iz=weight_iz,
        weight_hz=weight_hz,
        bias_iz=chrono_bias(k_b, d_hidden, T_min, T_max).astype(weight_iz.dtype),
        weight_in=jax.nn.initializers.lecun_normal()(k_n, (d_in, d_hidden)).T,
    )
