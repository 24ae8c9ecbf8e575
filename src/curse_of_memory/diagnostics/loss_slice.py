"""The loss along a line in parameter space, and the steady states along it (Ribeiro et al.
2020, the chaotic-LSTM figure; Sec. 5.1 of the spec).

For a recurrent map simulated from a fixed initial state with a fixed (constant or zero)
input, `simulate(theta, n_steps) -> y` (n_steps, ...), and the line

    theta(s) = s theta_b + (1 - s) theta_a,

the loss is the simulation error against the trajectory at s = `reference`:

    V(s) = mean_{t >= burn_in, coordinates} (y_t(theta(s)) - y_t(theta(reference)))^2.

All s (the reference included) are simulated in one vmapped batch by the same function, so
V(reference) is exactly 0: in a chaotic regime the reference itself depends on rounding, and
computing it separately (another batch size, another dtype) would make V(reference) > 0.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


class LossSlice(NamedTuple):
    """s: (S,) sorted, the reference included; loss: (S,);
    steady: (S, n_steps - burn_in, ...) the outputs after the burn-in (a bifurcation diagram);
    reference_index: where s == reference."""

    s: np.ndarray
    loss: np.ndarray
    steady: np.ndarray
    reference_index: int


def check_same_structure(theta_a: Any, theta_b: Any) -> None:
    """Raise ValueError unless theta_a and theta_b are pytrees of the same structure, shapes
    and dtypes (the two ends of a line in parameter space)."""
    struct_a, struct_b = jax.tree.structure(theta_a), jax.tree.structure(theta_b)
    if struct_a != struct_b:
        raise ValueError(f"theta_a and theta_b must have the same pytree structure, got {struct_a} and {struct_b}")
    for (path, a), b in zip(jax.tree_util.tree_leaves_with_path(theta_a), jax.tree.leaves(theta_b), strict=True):
        a, b = jnp.asarray(a), jnp.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            raise ValueError(
                f"theta_a and theta_b differ at {jax.tree_util.keystr(path) or 'the root'}: "
                f"{a.dtype}{list(a.shape)} vs {b.dtype}{list(b.shape)} (shapes and dtypes must match)"
            )


def interpolate(theta_a: Any, theta_b: Any, s) -> Any:
    """theta(s) = s theta_b + (1 - s) theta_a, leaf by leaf (exactly theta_b at s = 1 and
    theta_a at s = 0 for finite parameters)."""
    return jax.tree.map(lambda a, b: s * b + (1 - s) * a, theta_a, theta_b)


def check_steps(n_steps: int, burn_in: int = 0) -> None:
    if not (isinstance(n_steps, (int, np.integer)) and n_steps >= 1):
        raise ValueError(f"the simulation length n_steps must be a positive integer, got {n_steps!r}")
    if not (isinstance(burn_in, (int, np.integer)) and 0 <= burn_in < n_steps):
        raise ValueError(f"burn_in must be an integer in [0, n_steps) = [0, {n_steps}), got {burn_in!r}")


def loss_slice(
    simulate: Callable[[Any, int], Any],
    theta_a: Any,
    theta_b: Any,
    s,
    *,
    n_steps: int,
    burn_in: int = 0,
    reference: float = 1.0,
) -> LossSlice:
    """V(s) along the line from theta_a (s = 0) to theta_b (s = 1), vectorized over s.

    Args:
        simulate: (theta, n_steps) -> outputs (n_steps, ...), a pure JAX function.
        theta_a, theta_b: parameter pytrees of the same structure, shapes and dtypes.
        s: 1-D grid of line coordinates; `reference` is added if absent, then sorted.
        n_steps: simulation length N; burn_in: leading steps left out of the loss (0 <= burn_in < N).
        reference: the s whose trajectory is the target (1.0: theta_b).
    """
    check_same_structure(theta_a, theta_b)
    check_steps(n_steps, burn_in)
    dtype = np.dtype(jnp.result_type(*jax.tree.leaves(theta_b)))
    s = np.asarray(s, np.float64)
    if s.ndim != 1 or not np.all(np.isfinite(s)):
        raise ValueError(f"s must be a 1-D array of finite numbers, got shape {s.shape}")
    # The grid in the parameters' dtype, so that the returned s are the values simulated.
    s = np.unique(np.append(s, reference).astype(dtype))
    ref = int(np.flatnonzero(s == np.asarray(reference, dtype))[0])
    loss, steady = _slice(simulate, theta_a, theta_b, jnp.asarray(s), ref, n_steps, burn_in)
    return LossSlice(s, np.asarray(loss), np.asarray(steady), ref)


@partial(jax.jit, static_argnums=(0, 4, 5, 6))
def _slice(simulate, theta_a, theta_b, s, ref, n_steps, burn_in):
    y = jax.vmap(lambda si: simulate(interpolate(theta_a, theta_b, si), n_steps))(s)
    steady = y[:, burn_in:]
    err = steady - steady[ref]
    return jnp.mean(err.reshape(len(s), -1) ** 2, axis=1), steady
