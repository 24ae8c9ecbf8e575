"""Recurrent Jacobians d h_t / d h_0 of a gated recurrent layer: Zucchet & Orvieto (2024),
Fig. 14.

For any cell with `step(state, x) -> state` (GRU, LSTM, the simplified GRU, the RG-LRU, or a
plain function), J_t = d state_t / d state_0 where state_t is the state after t steps from
state_0. With constant gates a GRU unit is a leaky integrator and J_t = diag(z)^t; with
gates that read the hidden state, off-diagonal terms appear.

J is carried forward as J_t = (d step / d state)(state_{t-1}, x_t) J_{t-1}: one
Jacobian-matrix product per step (a forward-mode JVP over the columns of J), and only the
requested times are kept. Pytree states (the LSTM's (h, c)) are flattened: J is
(n_times, S, S) with S the total state size, in `jax.flatten_util.ravel_pytree` order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.flatten_util import ravel_pytree


def recurrent_jacobians(step: Callable[[Any, Array], Any], state0: Any, xs: Array, times) -> Array:
    """J_t = d state_t / d state_0 for t in `times` (1 <= t <= len(xs)), (len(times), S, S).

    step: (state, x_t) -> next state (a plain function or a module's method, e.g.
    `cell.step`, whose arrays are traced rather than baked in); state0: the initial state (a pytree of arrays);
    xs: inputs (T, ...), consumed one step at a time.
    """
    times = np.asarray(times, int)
    T = xs.shape[0]
    if times.ndim != 1 or times.size == 0 or times.min() < 1 or times.max() > T:
        raise ValueError(
            f"times must be a non-empty list of steps in [1, {T}] (the inputs' length), got {times.tolist()}"
        )
    return _jacobians(step, state0, xs, jnp.asarray(times))


@eqx.filter_jit
def _jacobians(step, state0, xs, times):
    s0, unravel = ravel_pytree(state0)

    def flat_step(s, x):
        return ravel_pytree(step(unravel(s), x))[0]

    S = s0.shape[0]
    slot = jnp.full(xs.shape[0] + 1, -1).at[times].set(jnp.arange(times.shape[0]))

    def body(carry, inputs):
        s, J, out = carry
        t, x = inputs
        s_next, J = jax.vmap(lambda v: jax.jvp(lambda s: flat_step(s, x), (s,), (v,)), in_axes=1, out_axes=(None, 1))(J)
        k = slot[t]
        out = jnp.where(k >= 0, out.at[jnp.maximum(k, 0)].set(J), out)
        return (s_next, J, out), None

    out0 = jnp.zeros((times.shape[0], S, S), s0.dtype)
    steps = jnp.arange(1, xs.shape[0] + 1)
    (_, _, out), _ = jax.lax.scan(body, (s0, jnp.eye(S, dtype=s0.dtype), out0), (steps, xs))
    return out
