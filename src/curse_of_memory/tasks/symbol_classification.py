"""Symbol classification of Ribeiro et al. (2020) (official code; Sec. 6.2 of the spec).

Sequences of T one-hot symbols out of 6: indices 0-1 are relevant, 2-5 distractors. Every
step first gets a random distractor; then one position in [9, 19) and one in [39, 49) are
replaced by relevant symbols a1, a2 in {0, 1}. The label is 2 a1 + a2 (4 classes, chance
25%), predicted from the last step's logits, ~150 distractor steps after the second symbol:
the network has to hold both symbols, e.g. in the basin of one of several attractors.

Data come from NumPy's RandomState (seed 2: training, seed 3: validation, as in the
official code; the order of draws within a set is this module's). The loss is the
cross-entropy of the last step's logits summed over the batch (divide by `batch_size` for
the per-sequence mean the paper reports).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

N_SYMBOLS = 6
N_CLASSES = 4
FIRST_WINDOW = (9, 19)
SECOND_WINDOW = (39, 49)


def symbol_sequences(seed: int, n: int, T: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Symbols (n, T) int and labels (n,) int, drawn with RandomState(seed)."""
    if T < SECOND_WINDOW[1]:
        raise ValueError(f"T must be at least {SECOND_WINDOW[1]} (the second window ends there), got {T}")
    rng = np.random.RandomState(seed)
    symbols = rng.randint(2, N_SYMBOLS, size=(n, T))
    rows = np.arange(n)
    first = rng.randint(*FIRST_WINDOW, size=n)
    second = rng.randint(*SECOND_WINDOW, size=n)
    a1, a2 = rng.randint(0, 2, size=n), rng.randint(0, 2, size=n)
    symbols[rows, first] = a1
    symbols[rows, second] = a2
    return symbols, 2 * a1 + a2


class SymbolClassification(eqx.Module):
    inputs: Array  # (n, T, 6) one-hot
    labels: Array  # (n,)
    batch_size: int = eqx.field(static=True)

    def sample(self, key: Array) -> Array:
        """Indices of `batch_size` distinct sequences, (batch_size,)."""
        return jax.random.permutation(key, self.labels.shape[0])[: self.batch_size]

    def logits(self, model, batch: Array) -> Array:
        """The last step's logits (len(batch), 4)."""
        return jax.vmap(lambda x: model(x)[-1])(self.inputs[batch])

    def loss(self, model, batch: Array) -> Array:
        """Cross-entropy of the last step's logits, summed over the batch."""
        logits = self.logits(model, batch)
        return -jnp.sum(jnp.take_along_axis(jax.nn.log_softmax(logits), self.labels[batch][:, None], 1))

    def accuracy(self, model) -> Array:
        """Fraction of all sequences classified correctly."""
        logits = self.logits(model, jnp.arange(self.labels.shape[0]))
        return jnp.mean(jnp.argmax(logits, -1) == self.labels)


def symbol_classification(seed: int = 2, n: int = 1000, T: int = 200, batch_size: int = 100) -> SymbolClassification:
    for name, value in (("n", n), ("batch_size", batch_size)):
        if not (isinstance(value, int) and value >= 1):
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if batch_size > n:
        raise ValueError(f"batch_size ({batch_size}) must not exceed n ({n})")
    symbols, labels = symbol_sequences(seed, n, T)
    return SymbolClassification(jax.nn.one_hot(symbols, N_SYMBOLS), jnp.asarray(labels), batch_size)
