"""The sine-wave generator of Ribeiro et al. (2020) (official code; Sec. 6.1 of the spec).

Sequence j has the constant input u[k] = omega_j and the target y[k] = sin(omega_j (k + 1)),
k = 0..T-1, with omega_j = linspace(pi/16, pi/8, n) (periods 16 to 32 steps). The data set is
fixed and noise-free. A network must turn a constant input into an oscillation: it has to
learn a periodic attractor.

The loss is the paper's: the squared error summed over the batch and time (a trivial zero
predictor scores about T batch_size / 2); divide by `batch_size * T` for the per-element
mean the paper reports per epoch. `sample(key)` draws `batch_size` distinct sequences (the
official code walks the data set in a fixed order; here each epoch's batches are random).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array


def sine_targets(omega: Array, T: int) -> Array:
    """sin(omega (k + 1)) for k = 0..T-1: (..., T) for omega (...)."""
    return jnp.sin(jnp.asarray(omega)[..., None] * (jnp.arange(T) + 1))


class SineGenerator(eqx.Module):
    omegas: Array  # (n,)
    inputs: Array  # (n, T, 1)
    targets: Array  # (n, T, 1)
    batch_size: int = eqx.field(static=True)

    def sample(self, key: Array) -> Array:
        """Indices of `batch_size` distinct sequences, (batch_size,)."""
        return jax.random.permutation(key, self.omegas.shape[0])[: self.batch_size]

    def loss(self, model, batch: Array) -> Array:
        """Summed squared error of model(x) (T, 1) over the sequences `batch` and time."""
        pred = jax.vmap(model)(self.inputs[batch])
        return jnp.sum((pred - self.targets[batch]) ** 2)


def sine_generator(
    n_sequences: int = 100,
    T: int = 400,
    batch_size: int = 10,
    omega_min: float = jnp.pi / 16,
    omega_max: float = jnp.pi / 8,
) -> SineGenerator:
    for name, value in (("n_sequences", n_sequences), ("T", T), ("batch_size", batch_size)):
        if not (isinstance(value, int) and value >= 1):
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if batch_size > n_sequences:
        raise ValueError(f"batch_size ({batch_size}) must not exceed n_sequences ({n_sequences})")
    if not 0 < omega_min <= omega_max:
        raise ValueError(f"need 0 < omega_min <= omega_max, got {omega_min}, {omega_max}")
    omegas = jnp.linspace(omega_min, omega_max, n_sequences, dtype=jnp.float32)
    inputs = jnp.broadcast_to(omegas[:, None, None], (n_sequences, T, 1))
    return SineGenerator(omegas, inputs, sine_targets(omegas, T)[..., None], batch_size)
