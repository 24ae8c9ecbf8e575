"""A model's trainable arrays as named groups, and as one flat vector.

Every inexact array leaf of an Equinox module is a *parameter group*, named by its path in
the module: "A", "B", "layers[0].C_re", ... The eigenvalue arrays of a `DiagonalRNN` are named
after their parametrization, "lambda_re" and "lambda_im" for `real_imag`,
"lambda_log_neg_log_nu" and "lambda_log_theta" for the LRU's `exp`, "lambda_raw_step",
"lambda_a_re" and "lambda_a_im" for `zoh`, so that real and imaginary parts can never be
swapped (Zucchet & Orvieto's Hessian plots swapped them by flattening a dict alphabetically;
Sec. 7, issue 16). Groups keep the module's field order.

`flatten_parameters` turns the chosen groups into one flat vector (in the order asked for)
and back, which is what Hessians and Hessian-vector products act on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from curse_of_memory.models import DiagonalRNN
from curse_of_memory.parametrizations import get_parametrization


def _key_text(key) -> str:
    if isinstance(key, jax.tree_util.GetAttrKey):
        return f".{key.name}"
    if isinstance(key, jax.tree_util.SequenceKey):
        return f"[{key.idx}]"
    if isinstance(key, jax.tree_util.DictKey):
        return f"[{key.key!r}]"
    return str(key)


def _leaf_name(model, path) -> str:
    """The group name of the leaf at `path` (a tuple of pytree keys) inside `model`."""
    parts, node, i = [], model, 0
    while i < len(path):
        key = path[i]
        if (
            isinstance(node, DiagonalRNN)
            and isinstance(key, jax.tree_util.GetAttrKey)
            and key.name == "eigenvalue_params"
            and i + 1 < len(path)
        ):
            index = path[i + 1].idx
            parts.append(f".lambda_{get_parametrization(node.parametrization).names[index]}")
            node, i = node.eigenvalue_params[index], i + 2
            continue
        parts.append(_key_text(key))
        node = _child(node, key)
        i += 1
    return "".join(parts).lstrip(".")


def _child(node, key):
    if isinstance(key, jax.tree_util.GetAttrKey):
        return getattr(node, key.name)
    if isinstance(key, jax.tree_util.SequenceKey):
        return node[key.idx]
    if isinstance(key, jax.tree_util.DictKey):
        return node[key.key]
    return None


def parameter_groups(model) -> dict[str, Array]:
    """The trainable arrays of `model` by group name, in the module's field order."""
    leaves = jax.tree_util.tree_flatten_with_path(eqx.filter(model, eqx.is_inexact_array))[0]
    return {_leaf_name(model, path): leaf for path, leaf in leaves}


class FlatParameters(NamedTuple):
    """values: (P,) the chosen groups, raveled and concatenated in order;
    labels: (P,) the group of each entry; groups: ((name, size), ...) in order;
    unflatten: (P,) vector -> the full model with those groups replaced (the others kept)."""

    values: Array
    labels: tuple[str, ...]
    groups: tuple[tuple[str, int], ...]
    unflatten: Callable[[Array], eqx.Module]


def flatten_parameters(model, groups: Sequence[str] | None = None, dtype=None) -> FlatParameters:
    """A flat view of the chosen parameter groups of `model` (all of them by default).

    Args:
        model: an Equinox module.
        groups: group names (see `parameter_groups`), in the order wanted; None for all in
            field order. An unknown name raises a ValueError listing the groups that exist.
        dtype: cast the flat vector (and the groups written back) to this dtype.
    """
    params, static = eqx.partition(model, eqx.is_inexact_array)
    leaves, treedef = jax.tree_util.tree_flatten_with_path(params)
    names = [_leaf_name(model, path) for path, _ in leaves]
    chosen = list(names) if groups is None else list(groups)
    unknown = [g for g in chosen if g not in names]
    if unknown:
        raise ValueError(f"unknown parameter group(s) {unknown}; this model has {names}")
    if len(set(chosen)) != len(chosen) or not chosen:
        raise ValueError(f"choose each parameter group at most once and at least one, got {chosen}")
    index = {name: i for i, name in enumerate(names)}
    arrays = [leaves[index[name]][1] for name in chosen]
    if dtype is not None:
        arrays = [jnp.asarray(a, dtype) for a in arrays]
    sizes = [int(np.prod(a.shape)) for a in arrays]
    values = jnp.concatenate([jnp.ravel(a) for a in arrays])
    fixed = [leaf for _, leaf in leaves]
    offsets = np.cumsum([0, *sizes])

    def unflatten(flat: Array) -> eqx.Module:
        new = list(fixed)
        for name, a, start, stop in zip(chosen, arrays, offsets[:-1], offsets[1:], strict=True):
            new[index[name]] = flat[start:stop].reshape(a.shape)
        return eqx.combine(jax.tree_util.tree_unflatten(treedef, new), static)

    labels = tuple(name for name, size in zip(chosen, sizes, strict=True) for _ in range(size))
    return FlatParameters(values, labels, tuple(zip(chosen, sizes, strict=True)), unflatten)
