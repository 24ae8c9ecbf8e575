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

import re
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, NamedTuple

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


def top_level_group(path: str) -> str:
    """The default parameter group of a leaf: its module field, e.g. ".W_z" for ".W_z" and
    ".eigenvalue_params" for ".eigenvalue_params[0]"."""
    return re.split(r"[\[\.]", path.lstrip("."), maxsplit=1)[0]


def group_sensitivity(
    hidden_fn: Callable[[Any, Array], Array],
    params: Any,
    inputs: Array,
    key: Array,
    *,
    group_of: Callable[[str], str] = top_level_group,
    probes: int = 8,
    burn_in: int = 0,
) -> dict[str, float]:
    """Mean squared sensitivity of the hidden state to each parameter group.

    For group g with |g| scalar parameters and J_g = dh_t/dtheta_g (all hidden units), this is
    E_{x,t} ||J_g||_F^2 / |g|: the average over the group's parameters of the summed squared
    derivative of the hidden units. For a diagonal layer it is the per-unit sensitivity
    E|dh_i/dtheta_i|^2 of Zucchet & Orvieto (2024), Sec. 3. Estimated without forming J_g,
    by Hutchinson's identity E_v ||J_g v||^2 = ||J_g||_F^2 over `probes` Rademacher vectors v
    (one JVP each). inputs: (batch, T, ...); burn_in: leading steps dropped.
    """
    leaves, treedef = jax.tree_util.tree_flatten_with_path(params)
    names = [group_of(jax.tree_util.keystr(path)) for path, _ in leaves]
    groups = list(dict.fromkeys(names))

    @jax.jit
    def estimate(params, x, key):
        def one_probe(group_index, k):
            ks = jax.random.split(k, len(leaves))
            tangent = [
                jax.random.rademacher(kk, v.shape, v.dtype) * (names[i] == groups[group_index])
                for i, (kk, (_, v)) in enumerate(zip(ks, leaves, strict=True))
            ]
            _, dh = jax.jvp(lambda p: hidden_fn(p, x), (params,), (jax.tree_util.tree_unflatten(treedef, tangent),))
            dh = dh[..., burn_in:, :]
            return jnp.mean(jnp.sum(jnp.abs(dh) ** 2, axis=-1))

        keys = jax.random.split(key, probes)
        return [jnp.mean(jax.vmap(partial(one_probe, g))(keys)) for g in range(len(groups))]

    values = estimate(params, inputs, key)
    sizes = {g: sum(v.size for n, (_, v) in zip(names, leaves, strict=True) if n == g) for g in groups}
    return {g: float(v) / sizes[g] for g, v in zip(groups, values, strict=True)}
