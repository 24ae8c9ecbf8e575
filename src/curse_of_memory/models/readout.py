"""A recurrent cell followed by a linear head on its hidden state h.

    state_t = cell.step(state_{t-1}, x_t),   y_t = W h_t + b

The cell is any of `LSTM` (state (h, c)), `GRU`, `TanhRNN` or `OrthogonalRNN` (state h);
every cell's `__call__(x, state)` runs a sequence. The head follows `torch.nn.Linear`'s
default initialization, U(-1/sqrt(H), 1/sqrt(H)) for weight and bias. This is the model of
all of Ribeiro et al. (2020)'s trained networks (Secs. 6.1-6.3 of the spec).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array

from curse_of_memory.models.lstm import LSTM


class Readout(eqx.Module):
    cell: eqx.Module
    weight: Array  # (d_out, H)
    bias: Array  # (d_out,)

    def zero_state(self, dtype=jnp.float32):
        """The cell's zero state: (h, c) for an LSTM, h otherwise, each (H,)."""
        zeros = jnp.zeros(self.cell.d_hidden, dtype)
        return (zeros, zeros) if isinstance(self.cell, LSTM) else zeros

    def output(self, state) -> Array:
        """The head applied to a state's h: (..., H) -> (..., d_out)."""
        h = state[0] if isinstance(self.cell, LSTM) else state
        return h @ self.weight.T + self.bias

    def step(self, state, x: Array):
        """One step of the cell: state, x (d_in,) -> state."""
        return self.cell.step(state, x)

    def __call__(self, x: Array, state=None) -> Array:
        """Outputs (T, d_out) for inputs x (T, d_in), from `state` (zeros by default)."""
        state = self.zero_state(x.dtype) if state is None else state
        return self.output(self.cell(x, state))


def readout(key: Array, cell: eqx.Module, d_out: int) -> Readout:
    bound = 1 / jnp.sqrt(cell.d_hidden)
    k_w, k_b = jax.random.split(key)
    return Readout(
        cell=cell,
        weight=jax.random.uniform(k_w, (d_out, cell.d_hidden), minval=-bound, maxval=bound),
        bias=jax.random.uniform(k_b, (d_out,), minval=-bound, maxval=bound),
    )
