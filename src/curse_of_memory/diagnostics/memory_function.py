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

Run it in float64 (the default: the layer's floating parameters are promoted and the probe
runs under `jax.enable_x64`): curves reach ~1e-15.

Works on any recurrent layer, e.g. one built by a `diagnose` factory f(key, memory_scale):

    layer = factory(key, memory_scale)            # equinox.Module, (T, d_in) -> (T, d_out)
    M = memory_function(layer, d_in, key=probe_key, T=1024, scales=(0.1, 1.0, 10.0))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from curse_of_memory.diagnostics.precision import as_float64

VARIANTS = ("heaviside", "impulse", "reversed")


def probe_inputs(key: Array, d_in: int, draws: int, scales: Sequence[float]) -> Array:
    """Constant input vectors x_j, (draws * len(scales), d_in): N(0, I) directions times
    each scale."""
    if draws < 1 or not scales or any(not s > 0 for s in scales):
        raise ValueError(f"need draws >= 1 and positive scales, got {draws} and {list(scales)}")
    directions = jax.random.normal(key, (draws, d_in))
    return jnp.concatenate([s * directions for s in scales])


def memory_function(
    layer: Callable[[Array], Array],
    d_in: int,
    *,
    key: Array,
    T: int = 1024,
    draws: int = 20,
    scales: Sequence[float] = (1.0,),
    dt: float = 1.0,
    variant: str = "heaviside",
    float64: bool = True,
) -> np.ndarray:
    """The memory function M_k, k < T, (T,) numpy float64, of `layer`.

    layer: any causal sequence map run from its zero state, inputs (T, d_in) -> outputs
        (T, d_out) or (T,): an Equinox module (a recurrent layer, a stack, a model with its
        readout) or a plain function. For a recurrent cell, pass the map to the quantity of
        interest (e.g. its hidden states).
    d_in: the input width. key: draws the probe directions. T: probe length (2T for
        "reversed"). draws, scales: `draws` Gaussian directions at each input scale (use
        several scales for nonlinear layers). dt: divide by the step of a continuous-time
        model. variant: "heaviside" (the definition), "impulse" or "reversed".
    float64: promote the layer's floating parameters to float64 and probe under
        `jax.enable_x64` (parameters captured inside a plain function's closure are not
        promoted: pass the module itself).
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    if T < 2:
        raise ValueError(f"T must be at least 2, got {T}")
    if isinstance(d_in, bool) or not isinstance(d_in, (int, np.integer)) or d_in < 1:
        raise ValueError(f"d_in must be a positive integer (the layer's input width), got {d_in!r}")
    if not callable(layer):
        raise ValueError(f"layer must be callable, inputs (T, d_in) -> outputs (T, d_out); got {type(layer).__name__}")
    if not float64:
        return _memory_function(layer, int(d_in), key, T, draws, scales, dt, variant)
    with jax.enable_x64(True):
        return _memory_function(as_float64(layer), int(d_in), key, T, draws, scales, dt, variant)


def _memory_function(layer, d_in, key, T, draws, scales, dt, variant):
    x = probe_inputs(key, d_in, draws, scales)
    norms = np.asarray(jnp.max(jnp.abs(x), axis=1))
    length = 2 * T if variant == "reversed" else T
    steps = jnp.arange(length)
    on = {"heaviside": steps >= 0, "impulse": steps == 0, "reversed": steps < T}[variant]
    paths = jnp.where(on[None, :, None], x[:, None, :], 0.0)
    try:
        out = jax.eval_shape(layer, paths[0])
    except Exception as error:
        raise ValueError(
            f"calling the layer on inputs of shape {paths[0].shape} failed: {type(error).__name__}: "
            f"{error}; expected a map (T, d_in={d_in}) -> (T, d_out)"
        ) from None
    if getattr(out, "shape", ())[:1] != (length,) or len(out.shape) > 2:
        raise ValueError(
            f"the layer maps inputs {paths[0].shape} to {getattr(out, 'shape', type(out).__name__)}; "
            f"expected outputs ({length}, d_out) or ({length},)"
        )

    @jax.jit
    def responses(paths):
        run = jax.vmap(layer)
        return run(paths) - run(jnp.zeros_like(paths[:1]))

    y = np.asarray(responses(paths)).reshape(len(x), length, -1)
    if variant == "heaviside":
        change = np.diff(y, axis=1, prepend=0.0)
    elif variant == "impulse":
        change = y
    else:
        change = y[:, T - 1 : 2 * T - 1] - y[:, T:]
    return np.max(np.linalg.norm(change, axis=-1) / norms[:, None], axis=0) / dt
