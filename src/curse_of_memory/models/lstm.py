"""Long short-term memory with PyTorch's gate layout (Hochreiter & Schmidhuber 1997;
`torch.nn.LSTM`).

    i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)      input gate
    f = sigmoid(W_if x + b_if + W_hf h + b_hf)      forget gate
    g = tanh(W_ig x + b_ig + W_hg h + b_hg)         cell candidate
    o = sigmoid(W_io x + b_io + W_ho h + b_ho)      output gate
    c' = f * c + i * g,   h' = o * tanh(c')

weight_ih: (4H, d_in) and weight_hh: (4H, H) stack the i, f, g, o blocks in that order, as
do bias_ih and bias_hh (4H,). The state is the pair (h, c).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Float, PRNGKeyArray

from curse_of_memory.models.cell_scan import scan_cell
from curse_of_memory.models.torch_layout import TorchRNNCell, torch_rnn_parameters


class LSTM(TorchRNNCell):
    """A `TorchRNNCell` with G = 4 gate blocks (i, f, g, o) and state (h, c), each (H,)."""

    def step(
        self, state: tuple[Float[Array, " H"], Float[Array, " H"]], x: Float[Array, " d_in"]
    ) -> tuple[Float[Array, " H"], Float[Array, " H"]]:
        """One step: state (h, c), each (H,); x (d_in,) -> (h', c')."""
        h, c = state
        gates = self.weight_ih @ x + self.bias_ih + self.weight_hh @ h + self.bias_hh
        i, f, g, o = jnp.split(gates, 4)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return h, c

    def __call__(
        self, x: Float[Array, "T d_in"], state: tuple[Float[Array, " H"], Float[Array, " H"]] | None = None
    ) -> tuple[Float[Array, "T H"], Float[Array, "T H"]]:
        """Hidden states and cells, each (T, H), for inputs x (T, d_in), from `state` = (h0, c0)
        (zeros by default)."""
        zeros = jnp.zeros(self.d_hidden, x.dtype)
        return scan_cell(self.step, (zeros, zeros) if state is None else state, x)


def lstm(key: PRNGKeyArray, d_in: int, d_hidden: int) -> LSTM:
    """PyTorch's default initialization: every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H))."""
    return LSTM(**torch_rnn_parameters(key, 4, d_in, d_hidden))
