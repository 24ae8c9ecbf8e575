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

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array


class LSTM(eqx.Module):
    weight_ih: Array
    weight_hh: Array
    bias_ih: Array
    bias_hh: Array

    @property
    def d_hidden(self) -> int:
        return self.weight_hh.shape[1]

    def step(self, state: tuple[Array, Array], x: Array) -> tuple[Array, Array]:
        """One step: state (h, c), each (H,); x (d_in,) -> (h', c')."""
        h, c = state
        gates = self.weight_ih @ x + self.bias_ih + self.weight_hh @ h + self.bias_hh
        i, f, g, o = jnp.split(gates, 4)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return h, c

    def __call__(self, x: Array, state: tuple[Array, Array] | None = None) -> tuple[Array, Array]:
        """Hidden states and cells, each (T, H), for inputs x (T, d_in), from zeros by default."""
        zeros = jnp.zeros(self.d_hidden, x.dtype)
        state = (zeros, zeros) if state is None else state

        def body(state, x_t):
            state = self.step(state, x_t)
            return state, state

        return jax.lax.scan(body, state, x)[1]


def lstm(key: Array, d_in: int, d_hidden: int) -> LSTM:
    """PyTorch's default initialization: every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H))."""
    bound = 1 / jnp.sqrt(d_hidden)
    shapes = {"weight_ih": (4 * d_hidden, d_in), "weight_hh": (4 * d_hidden, d_hidden),
              "bias_ih": (4 * d_hidden,), "bias_hh": (4 * d_hidden,)}
    keys = jax.random.split(key, len(shapes))
    return LSTM(**{name: jax.random.uniform(k, shape, minval=-bound, maxval=bound)
                   for k, (name, shape) in zip(keys, shapes.items())})
