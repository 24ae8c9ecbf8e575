"""Casting a model to a working precision, for diagnostics that run in float64.

Floating arrays become float32 or float64 and complex arrays the matching complex type
(complex64 / complex128); everything else (integers, static fields, functions) is kept.
A float64 model is only computed in float64 under `jax.enable_x64(True)`.
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

PRECISIONS = ("float64", "float32")


def as_precision(tree: Any, precision: str) -> Any:
    """`tree` (any pytree, e.g. an Equinox module) with its inexact arrays in `precision`."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    bits = 64 if precision == "float64" else 32

    def cast(leaf):
        if not eqx.is_inexact_array(leaf):
            return leaf
        return leaf.astype(f"complex{2 * bits}" if jnp.iscomplexobj(leaf) else f"float{bits}")

    return jax.tree.map(cast, tree)


def as_float64(tree: Any) -> Any:
    """`tree` in float64 / complex128; call inside `jax.enable_x64(True)`."""
    return as_precision(tree, "float64")
