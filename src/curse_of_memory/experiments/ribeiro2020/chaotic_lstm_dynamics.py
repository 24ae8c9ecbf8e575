"""The zero-input 2-unit LSTM along theta(s) = s theta* (Ribeiro et al. 2020; Sec. 4 of the
spec), as the chaotic-LSTM and smoothness experiments both analyse it: its trajectory from
h0 = c0 = (0.5, 0.5) and its largest Lyapunov exponent along s, in float64.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from curse_of_memory.diagnostics import largest_lyapunov_exponent
from curse_of_memory.tasks import chaotic_lstm_map, chaotic_weight_hh
from curse_of_memory.tasks.chaotic_lstm import INITIAL_STATE


def largest_exponents(s_values: Sequence[float] | np.ndarray, burn_in: int, steps: int) -> np.ndarray:
    """lambda_1 of the zero-input LSTM at every s (float64), from (0.5, 0.5): shape (len(s_values),),
    each from `steps` QR steps after `burn_in` steps."""
    with jax.enable_x64(True):
        W = chaotic_weight_hh(jnp.float64)
        x0 = jnp.full(4, INITIAL_STATE, jnp.float64)
        fn = jax.jit(
            jax.vmap(lambda s: largest_lyapunov_exponent(chaotic_lstm_map(s * W), x0, burn_in=burn_in, steps=steps))
        )
        return np.asarray(fn(jnp.asarray(s_values, jnp.float64)))


@partial(jax.jit, static_argnums=(0, 2))
def trajectory(F: Callable[[jax.Array], jax.Array], x0: jax.Array, steps: int) -> jax.Array:
    """The states F(x0), F(F(x0)), ... of `steps` iterations of the map F: shape (steps, *x0.shape)."""

    def body(x, _):
        x = F(x)
        return x, x

    return jax.lax.scan(body, x0, None, length=steps)[1]
