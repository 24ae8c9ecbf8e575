"""The memory function of any causal sequence map (Wang, Li & Li, ICLR 2024, Def. 3.1).

With the Heaviside probe u^x_t = x 1{t >= 0},

    M(t) = sup_{x != 0} |d/dt H_t(u^x)| / ||x||_inf,

estimated in discrete time as M_k = max_j ||y_k - y_{k-1}||_2 / (dt ||x_j||_inf) over
random constant inputs x_j (Gaussian directions times the given scales), with y_{-1} = 0 and
the zero-input response subtracted first (models with biases drift on their own). For a
linear model of filter K, y_k - y_{k-1} = K_k x exactly, so M_k = |rho_hat(k dt)| for scalar
input and output. Variants (spec Sec. 4.1):

- "impulse": x at t = 0 only, M_k = max_j ||y_k|| / (dt ||x_j||_inf);
- "reversed": x 1{t < 0} for T steps before 0, then off; M_k = max_j ||y_{k-1} - y_k||
  / (dt ||x_j||_inf) over t >= 0 (for a linear model, (K_k - K_{k+T}) x).

Run it in float64 (`jax.enable_x64`, float64 parameters): curves reach ~1e-15.
"""

from __future__ import annotations

from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

VARIANTS = ("heaviside", "impulse", "reversed")


def probe_inputs(key: Array, d_in: int, draws: int, scales: Sequence[float]) -> Array:
    """Constant input vectors x_j, (draws * len(scales), d_in): N(0, I) directions times
    each scale."""
    if draws < 1 or not scales or any(not s > 0 for s in scales):
        raise ValueError(f"need draws >= 1 and positive scales, got {draws} and {list(scales)}")
    directions = jax.random.normal(key, (draws, d_in))
    return jnp.concatenate([s * directions for s in scales])


def memory_function(
    model: Callable[[Array], Array],
    d_in: int,
    *,
    key: Array,
    T: int = 1024,
    draws: int = 20,
    scales: Sequence[float] = (1.0,),
    dt: float = 1.0,
    variant: str = "heaviside",
) -> np.ndarray:
    """M_k for k < T, (T,), of `model`: inputs (n, d_in) -> outputs (n, p), run from its zero
    state (for recurrent cells, pass the map to the quantity of interest, e.g. h)."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    if T < 2:
        raise ValueError(f"T must be at least 2, got {T}")
    x = probe_inputs(key, d_in, draws, scales)
    norms = np.asarray(jnp.max(jnp.abs(x), axis=1))
    length = 2 * T if variant == "reversed" else T
    on = jnp.arange(length) < T if variant == "reversed" else (jnp.arange(length) == 0 if variant == "impulse" else jnp.ones(length, bool))
    paths = jnp.where(on[None, :, None], x[:, None, :], 0.0)

    @jax.jit
    def responses(paths):
        run = jax.vmap(model)
        return run(paths) - run(jnp.zeros_like(paths[:1]))

    y = np.asarray(responses(paths)).reshape(len(x), length, -1)
    if variant == "heaviside":
        change = np.diff(y, axis=1, prepend=0.0)
    elif variant == "impulse":
        change = y
    else:
        change = y[:, T - 1 : 2 * T - 1] - y[:, T:]
    return np.max(np.linalg.norm(change, axis=-1) / norms[:, None], axis=0) / dt
