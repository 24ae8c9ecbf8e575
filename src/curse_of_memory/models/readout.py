"""A recurrent cell followed by a linear head on its hidden state h.

    state_t = cell.step(state_{t-1}, x_t),   y_t = W h_t + b

The cell is any of `LSTM` (state (h, c)), `GRU`, `TanhRNN` or `OrthogonalRNN` (state h);
every cell's `__call__(x, state)` runs a sequence. The head follows `torch.nn.Linear`'s
default initialization, U(-1/sqrt(H), 1/sqrt(H)) for weight and bias. This is the model of
all of Ribeiro et al. (2020)'s trained networks (Secs. 6.1-6.3 of the spec).
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jax import Array
from jaxtyping import DTypeLike, Float, PRNGKeyArray, PyTree

from curse_of_memory.models.lstm import LSTM
from curse_of_memory.models.torch_layout import torch_uniform


class Readout(eqx.Module):
    cell: eqx.Module
    weight: Array  # (d_out, H)
    bias: Array  # (d_out,)

    def zero_state(self, dtype: DTypeLike = jnp.float32) -> PyTree[Float[Array, " H"]]:
        """The cell's zero state: (h, c) for an LSTM, h otherwise, each (H,)."""
        zeros = jnp.zeros(self.cell.d_hidden, dtype)
        return (zeros, zeros) if isinstance(self.cell, LSTM) else zeros

    def output(self, state: PyTree[Float[Array, "*batch H"]]) -> Float[Array, "*batch d_out"]:
        """The head applied to a state's h (the state, or h of an LSTM's (h, c)): (..., H) -> (..., d_out)."""
        h = state[0] if isinstance(self.cell, LSTM) else state
        return h @ self.weight.T + self.bias

    def step(
        self, state: PyTree[Float[Array, " H"], " S"], x: Float[Array, " d_in"]
    ) -> PyTree[Float[Array, " H"], " S"]:
        """One step of the cell: state, x (d_in,) -> state."""
        return self.cell.step(state, x)

    def __call__(
        self, x: Float[Array, "T d_in"], state: PyTree[Float[Array, " H"]] | None = None
    ) -> Float[Array, "T d_out"]:
        """Outputs (T, d_out) for inputs x (T, d_in), from `state` (zeros by default)."""
        state = self.zero_state(x.dtype) if state is None else state
        return self.output(self.cell(x, state))


def readout(key: PRNGKeyArray, cell: eqx.Module, d_out: int) -> Readout:
    """The cell with a head initialized as `torch.nn.Linear(H, d_out)`."""
    return Readout(cell=cell, **torch_uniform(key, {"weight": (d_out, cell.d_hidden), "bias": (d_out,)}, cell.d_hidden))
