"""Sequential 8x8 digits: scikit-learn's bundled handwritten digits (1797 images, shipped inside
the wheel, no download) read pixel by pixel as sequences of length 64, a small real-data
stand-in for sequential MNIST (Wang & Li, ICML 2024, spec E6).

Pixels (0..16) are scaled to [0, 1] and standardized with the training split's mean and
standard deviation (as MNIST's (0.1307, 0.3081)). The split is a fixed permutation.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import Array


class SequentialDigits(eqx.Module):
    """images: (n, 64, 1); labels: (n,) int. `sample` draws a minibatch (with replacement)."""

    images: Array
    labels: Array
    batch_size: int = eqx.field(static=True)

    def sample(self, key: Array) -> tuple[Array, Array]:
        idx = jax.random.randint(key, (self.batch_size,), 0, self.labels.shape[0])
        return self.images[idx], self.labels[idx]

    def loss(self, model, batch) -> Array:
        """Mean cross-entropy of model logits (10,) per sequence."""
        x, y = batch
        logits = jax.vmap(model)(x)
        return jnp.mean(jax.nn.logsumexp(logits, axis=-1) - jnp.take_along_axis(logits, y[:, None], axis=-1)[:, 0])

    def accuracy(self, model) -> Array:
        logits = jax.vmap(model)(self.images)
        return jnp.mean(jnp.argmax(logits, axis=-1) == self.labels)


def sequential_digits(
    *, batch_size: int = 128, test_fraction: float = 0.2, split_seed: int = 0
) -> tuple[SequentialDigits, SequentialDigits]:
    """(train, test) tasks; the test task's `loss(model, (test.images, test.labels))` is the test loss."""
    from sklearn.datasets import load_digits

    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    data = load_digits()
    x = data.images.reshape(-1, 64, 1) / 16.0
    order = np.random.default_rng(split_seed).permutation(len(x))
    n_test = round(test_fraction * len(x))
    test, train = order[:n_test], order[n_test:]
    mean, std = x[train].mean(), x[train].std()
    x = (x - mean) / std

    def make(idx):
        return SequentialDigits(jnp.asarray(x[idx], jnp.float32), jnp.asarray(data.target[idx]), batch_size)

    return make(train), make(test)
