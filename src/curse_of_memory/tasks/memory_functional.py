"""Learning a linear functional from its memory kernel (Li, Han, E & Li, JMLR 2022, Sec. 6.1).

Target: y_k = sum_{s<=k} K*_s x_{k-s} with the Riemann filter K*_s = dt rho(s dt) of a memory
kernel (`memory_kernels`), inputs x_k the values of the input path at t = k dt. A
continuous-time model of kernel rho_hat has the filter dt rho_hat(k dt), and a residual RNN
h_{k+1} = h_k + dt (W h_k + U x_k) has dt c^T (I + dt W)^s U: both are causal filters.

Losses are 1/2 mean_k w_k (yhat_k - y_k)^2 with output-time weights: "average" (every
k < T, as a sampled MSE) or "terminal" (k = T - 1 only, the paper's J_T). Modes:

- "population": for linear models (those with `kernel(T)`), the exact expectation over
  i.i.d. inputs of standard deviation sigma:
  L = 1/2 sigma^2 sum_s v_s (K_hat_s - K*_s)^2, with lag weights v_s = (T - s)/T ("average")
  or 1 ("terminal"). At the default sigma = 1/sqrt(dt), white noise in the Ito sense
  (x dt = dB), this is 1/2 the Riemann sum of J_T = int_0^T |rho_hat - rho|^2 dt (Sec. 1.3).
- "sample": fresh white-noise inputs of standard deviation sigma every batch; any model
  (T, 1) -> (T, 1) is run on them. The Curse-of-memory code feeds x = dt xi to the kernel
  rho(k dt): the same outputs as sigma = 1 here.
- "fixed": a fixed set of input paths (e.g. `cosine_noise`), full batch every step.
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from curse_of_memory.recurrence import causal_convolution
from curse_of_memory.tasks.inputs import white_noise
from curse_of_memory.tasks.memory_kernels import discretize
from curse_of_memory.tasks.teacher_student import kernel_weights

MODES = ("population", "sample", "fixed")
WEIGHTINGS = ("average", "terminal")


class MemoryTask(eqx.Module):
    """target: the filter K* (T,); paths: fixed inputs (n, T, 1) in "fixed" mode, else None."""

    target: Array
    paths: Array | None
    input_std: float = eqx.field(static=True)
    batch_size: int = eqx.field(static=True)
    mode: str = eqx.field(static=True)
    weighting: str = eqx.field(static=True)

    @property
    def T(self) -> int:
        return self.target.shape[0]

    def lag_weights(self) -> Array:
        """How often lag s enters the loss: (T - s)/T ("average") or 1 ("terminal"), (T,)."""
        return kernel_weights(self.T) if self.weighting == "average" else jnp.ones(self.T)

    def sample(self, key: Array) -> Array:
        """Inputs (batch, T, 1); the fixed paths in "fixed" mode; empty in "population" mode."""
        if self.mode == "population":
            return jnp.zeros((0,))
        if self.mode == "fixed":
            return self.paths
        return self.input_std * white_noise(key, (self.batch_size, self.T, 1))

    def targets(self, x: Array) -> Array:
        """y (..., T, 1) for inputs x (..., T, 1)."""
        return causal_convolution(self.target[:, None, None], x)

    def kernel_loss(self, kernel: Array) -> Array:
        """The population loss of a linear model with filter `kernel` ((T,) or (T, 1, 1))."""
        delta = jnp.reshape(kernel, (self.T,)) - self.target
        return 0.5 * self.input_std**2 * jnp.sum(self.lag_weights() * delta**2)

    def loss(self, model, x: Array) -> Array:
        if self.mode == "population":
            return self.kernel_loss(model.kernel(self.T))
        error = jax.vmap(model)(x) - self.targets(x)
        if self.weighting == "terminal":
            error = error[:, -1]
        return 0.5 * jnp.mean(error**2)

    def zero_predictor_loss(self) -> Array:
        """The population loss of predicting 0."""
        return self.kernel_loss(jnp.zeros(self.T))


def memory_task(
    kernel: str,
    T: int,
    *,
    dt: float = 1.0,
    mode: str = "population",
    input_std: float | None = None,
    batch_size: int = 128,
    weighting: str = "average",
    paths: Any = None,
    require_integrable: bool = True,
    **params: Any,
) -> MemoryTask:
    """The task of learning the functional of memory kernel `kernel` (with `params`) on T
    steps of size dt. input_std defaults to 1/sqrt(dt) (J_T scaling)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    rho = discretize(kernel, T, dt, require_integrable=require_integrable, **params)
    return task_from_filter(
        dt * rho, dt=dt, mode=mode, input_std=input_std, batch_size=batch_size, weighting=weighting, paths=paths
    )


def task_from_filter(
    target,
    *,
    dt: float = 1.0,
    mode: str = "population",
    input_std: float | None = None,
    batch_size: int = 128,
    weighting: str = "average",
    paths: Any = None,
) -> MemoryTask:
    """A MemoryTask around any target filter K* (T,) (e.g. a teacher model's kernel)."""
    target = jnp.asarray(np.asarray(target).reshape(-1))
    if (mode == "fixed") != (paths is not None):
        raise ValueError("fixed mode needs `paths` (n, T, 1), and only it takes them")
    if paths is not None:
        paths = jnp.asarray(paths)
        if paths.ndim != 3 or paths.shape[1:] != (target.shape[0], 1):
            raise ValueError(f"paths must have shape (n, T, 1) = (n, {target.shape[0]}, 1), got {paths.shape}")
    std = 1 / float(np.sqrt(dt)) if input_std is None else float(input_std)
    return MemoryTask(target, paths, std, batch_size, mode, weighting)


def cosine_noise(key: Array, n: int, T: int, dt: float, *, terms: int = 10, max_frequency: float = 10.0) -> Array:
    """Paths x(k dt) = sum_{j<=terms} alpha_j cos(lambda_j k dt), alpha_j ~ N(0, 1),
    lambda_j ~ U[0, max_frequency] (LHEL-J Fig. 4's "cosine noise"), (n, T, 1)."""
    k_a, k_l = jax.random.split(key)
    alpha = jax.random.normal(k_a, (n, terms))
    lam = jax.random.uniform(k_l, (n, terms), maxval=max_frequency)
    t = dt * jnp.arange(T)
    return jnp.einsum("nj,ntj->nt", alpha, jnp.cos(lam[:, None, :] * t[None, :, None]))[..., None]
