"""Gated recurrent unit with PyTorch's gate layout (Cho et al. 2014; `torch.nn.GRU`).

    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
    z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
    h' = (1 - z) * n + z * h

weight_ih: (3H, d_in) and weight_hh: (3H, H) stack the r, z, n blocks in that order, as do
bias_ih and bias_hh (3H,), so weights can be copied to and from PyTorch unchanged. With
constant gates a unit is the leaky integrator h' = z h + (1 - z) n: a diagonal linear RNN
with eigenvalue z (Zucchet & Orvieto 2024, Sec. 3.7).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Float, PRNGKeyArray

from curse_of_memory.models.cell_scan import scan_cell
from curse_of_memory.models.torch_layout import TorchRNNCell, torch_rnn_parameters


class GRU(TorchRNNCell):
    """A `TorchRNNCell` with G = 3 gate blocks (r, z, n) and state h (H,)."""

    def step(self, h: Float[Array, " H"], x: Float[Array, " d_in"]) -> Float[Array, " H"]:
        """One step: h (H,), x (d_in,) -> h' (H,)."""
        gi = self.weight_ih @ x + self.bias_ih
        gh = self.weight_hh @ h + self.bias_hh
        i_r, i_z, i_n = jnp.split(gi, 3)
        h_r, h_z, h_n = jnp.split(gh, 3)
        r = jax.nn.sigmoid(i_r + h_r)
        z = jax.nn.sigmoid(i_z + h_z)
        n = jnp.tanh(i_n + r * h_n)
        return (1 - z) * n + z * h

    def __call__(self, x: Float[Array, "T d_in"], h0: Float[Array, " H"] | None = None) -> Float[Array, "T H"]:
        """States (T, H) for inputs x (T, d_in), from h0 (zeros by default)."""
        return scan_cell(self.step, jnp.zeros(self.d_hidden, x.dtype) if h0 is None else h0, x)


def gru(key: PRNGKeyArray, d_in: int, d_hidden: int) -> GRU:
    """PyTorch's default initialization: every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H))."""
    return GRU(**torch_rnn_parameters(key, 3, d_in, d_hidden))
