"""Elman RNN with a tanh nonlinearity, PyTorch's layout (`torch.nn.RNN`): the vanilla RNN of
Ribeiro et al. (2020) and the tanh RNN probed by Wang, Li & Li (ICLR 2024, Sec. 4).

    h' = tanh(W_ih x + b_ih + W_hh h + b_hh)

weight_ih: (H, d_in), weight_hh: (H, H), bias_ih and bias_hh: (H,).
"""

from __future__ import annotations

import jax.numpy as jnp
from jax import Array
from jaxtyping import Float, PRNGKeyArray

from curse_of_memory.models.cell_scan import scan_cell
from curse_of_memory.models.torch_layout import TorchRNNCell, torch_rnn_parameters


class TanhRNN(TorchRNNCell):
    """A `TorchRNNCell` with G = 1 block and state h (H,)."""

    def step(self, h: Float[Array, " H"], x: Float[Array, " d_in"]) -> Float[Array, " H"]:
        """One step: h (H,), x (d_in,) -> h' (H,)."""
        return jnp.tanh(self.weight_ih @ x + self.bias_ih + self.weight_hh @ h + self.bias_hh)

    def __call__(self, x: Float[Array, "T d_in"], h0: Float[Array, " H"] | None = None) -> Float[Array, "T H"]:
        """States (T, H) for inputs x (T, d_in), from h0 (zeros by default)."""
        return scan_cell(self.step, jnp.zeros(self.d_hidden, x.dtype) if h0 is None else h0, x)


def tanh_rnn(key: PRNGKeyArray, d_in: int, d_hidden: int) -> TanhRNN:
    """PyTorch's default initialization: every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H))."""
    return TanhRNN(**torch_rnn_parameters(key, 1, d_in, d_hidden))
