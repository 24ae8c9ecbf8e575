"""A dense (affine) layer as Flax's `nn.Dense` initializes it: the encoders, decoders and GLUs
of the deep residual stack (Zucchet & Orvieto 2024, Sec. 5.4) and the gates of the RG-LRU."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Float, PRNGKeyArray


class Dense(eqx.Module):
    """y = x W^T + b over any leading axes. weight: (d_out, d_in); bias: (d_out,) or None."""

    weight: Array
    bias: Array | None

    def __call__(self, x: Float[Array, "*batch d_in"]) -> Float[Array, "*batch d_out"]:
        y = x @ self.weight.T
        return y if self.bias is None else y + self.bias


def dense(key: PRNGKeyArray, d_in: int, d_out: int, *, bias: bool = True) -> Dense:
    """Lecun-normal weight (truncated normal, variance 1/d_in) and a zero bias, as Flax."""
    weight = jax.nn.initializers.lecun_normal()(key, (d_in, d_out)).T
    return Dense(weight, jnp.zeros(d_out, weight.dtype) if bias else None)
