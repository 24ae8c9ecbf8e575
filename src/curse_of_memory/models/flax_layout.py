"""The parameter layout of Zucchet & Orvieto's original (flax) code, read into the project's
LRU and dense linear RNN: for parity checks against the original (bench/official_parity.py,
tests/test_official_parity.py).

The original's `LRU` stores "lambda" (2, N): (log(-log nu), log theta), "gamma" (N,): log gamma,
and "B_re", "B_im" (N, d_in), "C_re", "C_im" (d_out, N), "D" (d_out, d_in): our `DiagonalRNN`
with the exp parametrization and a learned gamma, the same arrays. Its `MultiHeadRNN` stores
flax Dense kernels, "B", "C", "D" {"kernel": (fan_in, fan_out)}, the transposes of our B, C, D,
and one vmapped recurrent submodule with "A" (heads, k, k): our `LinearRNN`'s A.

Parameters are given by name, a flat {"path/to/leaf": array} dict (as saved in an .npz), the
"params" collection of the original's variables. Gradients and Adam moments have the same
layout, so the same functions read them into pytrees shaped like our models.
"""

from __future__ import annotations

from collections.abc import Mapping

import jax.numpy as jnp
from jax import Array

from curse_of_memory.models.diagonal_rnn import DiagonalRNN
from curse_of_memory.models.linear_rnn import LinearRNN

LRU_NAMES = ("lambda", "gamma", "B_re", "B_im", "C_re", "C_im", "D")


def _leaf(params: Mapping[str, Array], name: str) -> Array:
    """The one parameter whose path ends with `name` (e.g. "B/kernel"), as a jnp array."""
    found = [k for k in params if k == name or k.endswith("/" + name)]
    if len(found) != 1:
        raise KeyError(f"expected one parameter named {name!r} in the original's layout, found {found or 'none'}")
    return jnp.asarray(params[found[0]])


def lru_from_flax(params: Mapping[str, Array]) -> DiagonalRNN:
    """The original's LRU parameters as our LRU (exp parametrization, learned gamma)."""
    lam = _leaf(params, "lambda")
    return DiagonalRNN(
        eigenvalue_params=(lam[0], lam[1]),
        gamma_param=_leaf(params, "gamma"),
        **{name: _leaf(params, name) for name in LRU_NAMES[2:]},
        parametrization="exp",
        normalization="learned",
    )


def linear_rnn_from_flax(params: Mapping[str, Array]) -> LinearRNN:
    """The original's MultiHeadRNN parameters as our (multi-head) dense linear RNN."""
    return LinearRNN(
        A=_leaf(params, "A"),
        B=_leaf(params, "B/kernel").T,
        C=_leaf(params, "C/kernel").T,
        D=_leaf(params, "D/kernel").T,
    )
