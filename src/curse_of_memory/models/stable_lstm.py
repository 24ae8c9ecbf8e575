"""The stable LSTM (sLSTM) projection of Ribeiro et al. (2020), after Miller & Hardt (2019).

Applied after every optimizer step (not before the first), it rescales every column of each
H x H recurrent gate block of an LSTM to a fixed l1 norm, and the columns of the forget
gate's input block to 0.25:

    W[:, j] <- c W[:, j] / sum_i |W[i, j]|,   c = 0.395 (i), 0.155 (f), 0.099 (g), 0.395 (o).

This is equality, not a cap. Biases and the other input blocks are untouched. A zero column
stays zero (there is no direction to rescale).
"""

from __future__ import annotations

from typing import TypeVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Float

from curse_of_memory.models.lstm import LSTM

RECURRENT_COLUMN_NORMS = (0.395, 0.155, 0.099, 0.395)  # gates i, f, g, o
FORGET_INPUT_COLUMN_NORM = 0.25

Model = TypeVar("Model")


def column_l1_normalize(W: Float[Array, "m n"], norm: float) -> Float[Array, "m n"]:
    """W with every column rescaled to l1 norm `norm` (zero columns stay zero)."""
    l1 = jnp.sum(jnp.abs(W), axis=0, keepdims=True)
    return W * jnp.where(l1 > 0, norm / jnp.where(l1 > 0, l1, 1), 0)


def _project_cell(cell: LSTM) -> LSTM:
    H = cell.d_hidden
    blocks = jnp.split(cell.weight_hh, 4)
    norms = zip(blocks, RECURRENT_COLUMN_NORMS, strict=True)
    weight_hh = jnp.concatenate([column_l1_normalize(b, c) for b, c in norms])
    forget_input = column_l1_normalize(cell.weight_ih[H : 2 * H], FORGET_INPUT_COLUMN_NORM)
    weight_ih = cell.weight_ih.at[H : 2 * H].set(forget_input)
    return eqx.tree_at(lambda m: (m.weight_hh, m.weight_ih), cell, (weight_hh, weight_ih))


def stable_lstm_projection(model: Model) -> Model:
    """Project every LSTM inside `model` (an LSTM, or any pytree holding LSTMs, e.g. a
    `Readout`). A module-level function: pass it as `train_ensemble(..., project=...)`."""
    return jax.tree.map(
        lambda m: _project_cell(m) if isinstance(m, LSTM) else m, model, is_leaf=lambda m: isinstance(m, LSTM)
    )
