"""Inputs for the signal-propagation studies of Zucchet & Orvieto (2024), Sec. 3.8.

The paper fed BERT input embeddings of Wikipedia articles, (N, 512, 768), which cannot be
downloaded here. The default is synthetic Gaussian sequences with the paper's fitted
autocorrelation, independent across features and sequences:

    R(Delta) = 0.332 [Delta = 0] + 0.04306 * 0.997005^|Delta|,
    x_t = sqrt(0.332) eps_t + s_t,   s a stationary AR(1) with variance 0.04306, rho 0.997005.

Row i of the synthetic array is drawn from fold_in(PRNGKey(seed), i) in float32, so "sample
i" is the same whatever the batch, the array size or the precision mode. A user's own
embeddings (a `.npy` file) can replace it: `embedding_inputs(path, ...)`.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from curse_of_memory.tasks.inputs import ar1

# (variance, correlation) of the two components of the paper's fit: white and slow.
WHITE_VARIANCE = 0.332
SLOW_VARIANCE = 0.04306
SLOW_CORRELATION = 0.997005
COMPONENTS = ((WHITE_VARIANCE, 0.0), (SLOW_VARIANCE, SLOW_CORRELATION))
LENGTH, WIDTH = 512, 768


def model_autocorrelation(lags, components=COMPONENTS) -> np.ndarray:
    """R(Delta) = sum over components of variance * rho^|Delta| (0^0 = 1)."""
    lags = np.abs(np.asarray(lags))
    return sum(v * np.where(lags == 0, 1.0, float(rho) ** lags) for v, rho in components)


@partial(jax.jit, static_argnums=(2, 3))
def _row(key, i, T, d):
    """Row i (T, d): compiled once per (T, d), whatever the number of rows asked for."""
    k_white, k_slow = jax.random.split(jax.random.fold_in(key, i))
    white = jax.random.normal(k_white, (T, d), jnp.float32)
    slow = ar1(k_slow, SLOW_CORRELATION, (T, d), jnp.float32)
    # Python-float scales keep float32 rows float32 even with x64 enabled.
    return float(np.sqrt(WHITE_VARIANCE)) * white + float(np.sqrt(SLOW_VARIANCE)) * slow


class SyntheticEmbeddings:
    """A lazy (n, T, d) float32 array of synthetic embeddings: indexing with an int or a slice
    of rows generates those rows (as NumPy arrays)."""

    dtype = np.dtype(np.float32)
    ndim = 3

    def __init__(self, n: int, T: int = LENGTH, d: int = WIDTH, seed: int = 0):
        for name, value in (("n", n), ("T", T), ("d", d)):
            if int(value) < 1:
                raise ValueError(f"{name} must be a positive integer, got {value}")
        self.shape = (int(n), int(T), int(d))
        self.seed = int(seed)
        self.source = f"synthetic (Sec. 3.8 autocorrelation model, seed {self.seed})"

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index) -> np.ndarray:
        if isinstance(index, (int, np.integer)):
            return self[index : index + 1][0] if index >= 0 else self[len(self) + index]
        if not isinstance(index, slice):
            raise TypeError(f"index synthetic embeddings with an int or a slice of rows, got {index!r}")
        indices = np.arange(len(self))[index]
        if indices.size == 0:
            return np.zeros((0, *self.shape[1:]), np.float32)
        key = jax.random.PRNGKey(self.seed)
        return np.stack([np.asarray(_row(key, jnp.uint32(i), *self.shape[1:])) for i in indices])


def load_embeddings(path: str | Path, n: int, T: int = LENGTH) -> np.ndarray:
    """The first n sequences and T steps of a user's (N, T', d) `.npy` array (memory-mapped).

    Raises ValueError, naming the expected shape (n, T, d), for a missing or unreadable file,
    a rank other than 3, fewer than n sequences or T steps, or non-finite values.
    """
    path = Path(path)
    expected = f"(N >= {n}, T >= {T}, d), e.g. ({n}, {T}, {WIDTH})"
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read inputs {str(path)!r} as a .npy array of shape {expected}: {error}") from None
    if not isinstance(array, np.ndarray):
        raise ValueError(f"inputs {str(path)!r} must be a single .npy array of shape {expected}, not an archive")
    if array.ndim != 3:
        raise ValueError(
            f"inputs {str(path)!r} must have shape {expected} (sequences, time, features); got shape {array.shape}"
        )
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"inputs {str(path)!r} must hold floats, got dtype {array.dtype}")
    if array.shape[0] < n or array.shape[1] < T:
        raise ValueError(
            f"inputs {str(path)!r} must have shape {expected}; got shape {array.shape}: "
            f"{'fewer sequences' if array.shape[0] < n else 'fewer time steps'} than asked for"
        )
    array = array[:n, :T]
    for start in range(0, n, 64):
        if not np.all(np.isfinite(array[start : start + 64])):
            raise ValueError(
                f"inputs {str(path)!r} must be a finite array of shape {expected}; "
                f"got NaN or infinite values among the first {n} sequences and {T} steps"
            )
    return array


def embedding_inputs(source: str, n: int, T: int = LENGTH, *, d: int = WIDTH, seed: int = 0):
    """(n, T, d)-shaped inputs: `source` is "synthetic" or the path of a user's `.npy` array
    (whose own feature width replaces d). Indexing rows returns NumPy arrays."""
    if source == "synthetic":
        return SyntheticEmbeddings(n, T, d, seed)
    return load_embeddings(source, n, T)
