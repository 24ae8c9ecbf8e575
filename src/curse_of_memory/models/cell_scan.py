"""Running a recurrent cell over a sequence: the forward pass the gated cells share.

A cell is a `step(state, x_t) -> state'`; `scan_cell` runs it over the time axis of x with
`jax.lax.scan` and stacks every state. The state is any pytree of (H,) arrays: h for the GRU
and the tanh RNN, the pair (h, c) for the LSTM.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
from jax import Array
from jaxtyping import Float, PyTree

State = PyTree[Float[Array, " H"], " S"]


def scan_cell(
    step: Callable[[State, Float[Array, " d"]], State], h0: State, x: Float[Array, "T d"]
) -> PyTree[Float[Array, "T H"], " S"]:
    """The state after each step, from state h0, for inputs x (T, d): the state's structure
    with every (H,) array stacked over time, (T, H). h0 itself is not included."""

    def body(h, x_t):
        h = step(h, x_t)
        return h, h

    return jax.lax.scan(body, h0, x)[1]
