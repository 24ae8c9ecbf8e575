"""Monte Carlo second moments of hidden states and of their parameter sensitivities.

For a recurrent map hidden_fn(params, x) -> h (..., T, N), this estimates E|h|^2 and, for
every parameter leaf theta, E|dh/dtheta . v|^2 with v the all-ones tangent of that leaf,
averaging over the batch and over time after a burn-in (the stationary averages of
Zucchet & Orvieto 2024, Sec. 3.1). The derivative is a forward-mode JVP, so the cost is one
extra forward pass per leaf. For diagonal layers, where unit i depends only on coordinate i
of each leaf, the result is exactly the per-unit sensitivity E|dh_i/dtheta_i|^2; in general
it is the sensitivity along the all-ones direction of the leaf.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array


class SecondMoments(NamedTuple):
    """hidden: E|h|^2, (N,). sensitivity: leaf path (as `jax.tree_util.keystr`) -> (N,)."""

    hidden: np.ndarray
    sensitivity: dict[str, np.ndarray]


def _moments(hidden_fn, params, x, burn_in):
    leaves, treedef = jax.tree_util.tree_flatten_with_path(params)

    def tangent_for(index):
        return jax.tree_util.tree_unflatten(
            treedef, [jnp.ones_like(v) if i == index else jnp.zeros_like(v) for i, (_, v) in enumerate(leaves)]
        )

    def mean_square(h):
        return jnp.mean(jnp.abs(h[..., burn_in:, :]) ** 2, axis=tuple(range(h.ndim - 1)))

    h = hidden_fn(params, x)
    sens = {}
    for i, (path, _) in enumerate(leaves):
        _, dh = jax.jvp(lambda p: hidden_fn(p, x), (params,), (tangent_for(i),))
        sens[jax.tree_util.keystr(path)] = mean_square(dh)
    return mean_square(h), sens


def hidden_second_moments(
    hidden_fn: Callable[[Any, Array], Array],
    params: Any,
    inputs: Array | Iterable[Array],
    *,
    burn_in: int = 0,
) -> SecondMoments:
    """Estimate E|h|^2 and E|dh/dtheta|^2 per hidden unit.

    Args:
        hidden_fn: (params, x) -> hidden states (..., T, N), real or complex.
        params: a pytree of real arrays.
        inputs: x, batched on axis 0 (e.g. (batch, T, N)); or an iterable of such batches
            (generated one at a time, which bounds memory for long sequences), averaged with
            weights proportional to their sizes.
        burn_in: leading time steps to drop, so that averages are stationary.
    """
    batches = [inputs] if hasattr(inputs, "shape") else inputs
    fn = jax.jit(lambda p, x: _moments(hidden_fn, p, x, burn_in))
    hidden, sens, count = 0.0, {}, 0
    for x in batches:
        T = x.shape[-2]
        if not 0 <= burn_in < T:
            raise ValueError(f"burn_in must lie in [0, T) = [0, {T}), got {burn_in}")
        h2, s2 = fn(params, x)
        n = x.shape[0]
        hidden = hidden + np.asarray(h2) * n
        sens = {k: sens.get(k, 0.0) + np.asarray(v) * n for k, v in s2.items()}
        count += n
    if count == 0:
        raise ValueError("no inputs given")
    return SecondMoments(hidden / count, {k: v / count for k, v in sens.items()})
