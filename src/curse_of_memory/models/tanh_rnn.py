"""Elman RNN with a tanh nonlinearity, PyTorch's layout (`torch.nn.RNN`): the vanilla RNN of
Ribeiro et al. (2020) and the tanh RNN probed by Wang, Li & Li (ICLR 2024, Sec. 4).

    h' = tanh(W_ih x + b_ih + W_hh h + b_hh)

weight_ih: (H, d_in), weight_hh: (H, H), bias_ih and bias_hh: (H,).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array


class TanhRNN(eqx.Module):
    weight_ih: Array
    weight_hh: Array
    bias_ih: Array
    bias_hh: Array

    @property
    def d_hidden(self) -> int:
        return self.weight_hh.shape[0]

    def step(self, h: Array, x: Array) -> Array:
        """One step: h (H,), x (d_in,) -> h' (H,)."""
        return jnp.tanh(self.weight_ih @ x + self.bias_ih + self.weight_hh @ h + self.bias_hh)

    def __call__(self, x: Array, h0: Array | None = None) -> Array:
        """States (T, H) for inputs x (T, d_in), from h0 (zeros by default)."""
        h0 = jnp.zeros(self.d_hidden, x.dtype) if h0 is None else h0

        def body(h, x_t):
            h = self.step(h, x_t)
            return h, h

        return jax.lax.scan(body, h0, x)[1]


def tanh_rnn(key: Array, d_in: int, d_hidden: int) -> TanhRNN:
    """PyTorch's default initialization: every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H))."""
    bound = 1 / jnp.sqrt(d_hidden)
    shapes = {"weight_ih": (d_hidden, d_in), "weight_hh": (d_hidden, d_hidden),
              "bias_ih": (d_hidden,), "bias_hh": (d_hidden,)}
    keys = jax.random.split(key, len(shapes))
    return TanhRNN(**{name: jax.random.uniform(k, shape, minval=-bound, maxval=bound)
                      for k, (name, shape) in zip(keys, shapes.items())})
