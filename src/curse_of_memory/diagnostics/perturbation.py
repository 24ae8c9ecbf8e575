"""Perturbation error E(beta) of any model (Wang, Li & Li, ICLR 2024, Def. 3.4; spec E5).

For each beta, `draws` random perturbations each add beta xi / ||xi|| (xi Gaussian, one per
parameter tensor, normalized per tensor by its 2-norm, or by its inf-norm as the
Curse-of-memory code does) to every trainable (inexact-array) leaf of the model. E(beta) is
the worst error over the draws, non-finite errors (an unstable perturbed model) counting as
+inf; the reported curve is its running maximum over increasing beta, so it is monotone, the
sup over the ball |theta - theta_m| <= beta that the definition asks for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

NORMS = ("l2", "inf")


class PerturbationCurve(NamedTuple):
    """betas (n,) increasing; worst: max error over draws at each beta; envelope: its
    running maximum (the monotone E(beta)). inf marks an unstable or non-finite model."""

    betas: np.ndarray
    worst: np.ndarray
    envelope: np.ndarray


def perturb(model, key: Array, beta, norm: str = "l2"):
    """The model with beta xi / ||xi|| added to each inexact-array leaf."""
    params, static = eqx.partition(model, eqx.is_inexact_array)
    leaves, treedef = jax.tree.flatten(params)
    keys = jax.random.split(key, len(leaves))
    out = []
    for k, leaf in zip(keys, leaves, strict=True):
        xi = jax.random.normal(k, leaf.shape, leaf.dtype)
        size = jnp.linalg.norm(xi.ravel()) if norm == "l2" else jnp.max(jnp.abs(xi))
        out.append(leaf + beta * xi / size)
    return eqx.combine(jax.tree.unflatten(treedef, out), static)


def perturbation_error(
    model,
    error: Callable[[object], Array],
    betas: Sequence[float],
    *,
    key: Array,
    draws: int = 10,
    norm: str = "l2",
) -> PerturbationCurve:
    """E(beta) of `model` under `error(model) -> scalar` (e.g. a kernel distance or a test
    loss; return inf or nan for an unstable model)."""
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    betas = np.asarray(betas, float)
    if betas.ndim != 1 or betas.size == 0 or np.any(betas < 0) or np.any(np.diff(betas) <= 0):
        raise ValueError(f"betas must be a non-empty increasing list of numbers >= 0, got {betas}")

    @jax.jit
    def worst(beta, key):
        errors = jax.vmap(lambda k: error(perturb(model, k, beta, norm)))(jax.random.split(key, draws))
        return jnp.max(jnp.where(jnp.isfinite(errors), errors, jnp.inf))

    values = np.array([float(worst(b, jax.random.fold_in(key, i))) for i, b in enumerate(betas)])
    return PerturbationCurve(betas, values, np.maximum.accumulate(values))


def crossings(curves: Sequence[PerturbationCurve]) -> np.ndarray:
    """beta_c(i) = min{beta : E_{i+1}(beta) >= E_i(beta)} for curves of increasing width
    (same betas); nan where the wider model stays below. (len(curves) - 1,)"""
    out = []
    for narrow, wide in pairwise(curves):
        hit = np.nonzero(wide.envelope >= narrow.envelope)[0]
        out.append(narrow.betas[hit[0]] if hit.size else np.nan)
    return np.array(out)
