"""PyTorch's parameter layout of its recurrent cells, and its default initialization of them
and of its linear layers.

`torch.nn.RNN`, `GRU` and `LSTM` stack their G gate blocks (G = 1, 3, 4) into weight_ih
(G H, d_in), weight_hh (G H, H), bias_ih and bias_hh (G H,), and draw every one of them from
U(-1/sqrt(H), 1/sqrt(H)), H the hidden size; `torch.nn.Linear` draws its weight and bias
from U(-1/sqrt(fan_in), 1/sqrt(fan_in)). Both draws are `torch_uniform`.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Float, PRNGKeyArray


class TorchRNNCell(eqx.Module):
    """The parameters of a PyTorch recurrent cell with G gate blocks, stacked in PyTorch's order
    so that they copy to and from PyTorch unchanged: weight_ih (G H, d_in), weight_hh (G H, H),
    bias_ih and bias_hh (G H,). The base of `TanhRNN` (G = 1), `GRU` (3) and `LSTM` (4)."""

    weight_ih: Array
    weight_hh: Array
    bias_ih: Array
    bias_hh: Array

    @property
    def d_hidden(self) -> int:
        return self.weight_hh.shape[1]


def torch_uniform(key: PRNGKeyArray, shapes: dict[str, tuple[int, ...]], n: int) -> dict[str, Float[Array, " ..."]]:
    """One array per name, of the given shape, i.i.d. U(-1/sqrt(n), 1/sqrt(n)).

    `key` is split into len(shapes) keys, used in the order of `shapes`.
    """
    bound = 1 / jnp.sqrt(n)
    keys = jax.random.split(key, len(shapes))
    return {
        name: jax.random.uniform(k, shape, minval=-bound, maxval=bound)
        for k, (name, shape) in zip(keys, shapes.items(), strict=True)
    }


def torch_rnn_parameters(key: PRNGKeyArray, n_gates: int, d_in: int, d_hidden: int) -> dict[str, Float[Array, " ..."]]:
    """PyTorch's default initialization of a `TorchRNNCell` with `n_gates` gate blocks: weight_ih,
    weight_hh, bias_ih, bias_hh (in that order, from one split of `key`), all ~ U(-1/sqrt(H),
    1/sqrt(H))."""
    G = n_gates * d_hidden
    shapes = {"weight_ih": (G, d_in), "weight_hh": (G, d_hidden), "bias_ih": (G,), "bias_hh": (G,)}
    return torch_uniform(key, shapes, d_hidden)
