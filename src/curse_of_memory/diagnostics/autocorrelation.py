"""Autocorrelation of input sequences and its exponential fit: Zucchet & Orvieto (2024),
Fig. 12.

R(Delta) = mean over (sequence, time, feature) of x_t x_{t+Delta}, without mean subtraction,
as the paper's notebook computes it: for lag Delta the mean runs over the T - Delta pairs of
each sequence and feature. Computed per batch of sequences by FFT (zero-padded to 2T, so the
correlation is linear, not circular) and accumulated in float64.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np


def _lag_sums(x: np.ndarray, max_lag: int) -> np.ndarray:
    """sum over sequences, features and t of x_t x_{t+Delta}, Delta = 0 .. max_lag; x (n, T, d)."""
    T = x.shape[1]
    spectrum = np.fft.rfft(np.asarray(x, np.float64), n=2 * T, axis=1)
    power = np.sum(np.abs(spectrum) ** 2, axis=(0, 2))
    return np.fft.irfft(power, n=2 * T)[: max_lag + 1]


def autocorrelation(
    inputs: Any, max_lag: int | None = None, *, rows: range | None = None, batch_size: int = 8
) -> np.ndarray:
    """R(Delta) for Delta = 0 .. max_lag (default T - 2, the paper's last lag), (max_lag + 1,).

    inputs: an array-like (N, T, d) whose row slices give arrays (NumPy, memory-mapped `.npy`,
    `tasks.SyntheticEmbeddings`), read `batch_size` rows at a time; rows: the sequences to
    use (all by default).
    """
    rows = range(len(inputs)) if rows is None else rows
    T = inputs.shape[1]
    max_lag = T - 2 if max_lag is None else max_lag
    if not 0 <= max_lag < T:
        raise ValueError(f"max_lag must lie in [0, T) = [0, {T}), got {max_lag}")
    if len(rows) < 1 or rows.step != 1 or rows.start < 0 or rows.stop > len(inputs):
        raise ValueError(f"rows must be a non-empty contiguous range within the {len(inputs)} sequences, got {rows}")
    total = np.zeros(max_lag + 1)
    for start in range(rows.start, rows.stop, batch_size):
        total += _lag_sums(inputs[start : min(start + batch_size, rows.stop)], max_lag)
    pairs = len(rows) * inputs.shape[2] * (T - np.arange(max_lag + 1))
    return total / pairs


class ExponentialFit(NamedTuple):
    """R(Delta) ~ amplitude * rate^Delta; timescale = -1 / log(rate), in steps."""

    amplitude: float
    rate: float

    @property
    def timescale(self) -> float:
        return float(-1 / np.log(self.rate))

    def __call__(self, lags) -> np.ndarray:
        return self.amplitude * self.rate ** np.asarray(lags, float)


def fit_exponential(R: np.ndarray, lags: np.ndarray | None = None) -> ExponentialFit:
    """Least squares of log10 R(Delta) on Delta (lags 0 .. len(R) - 1 by default), as the paper
    fits Fig. 12. Non-positive values of R cannot enter a log fit and raise ValueError."""
    R = np.asarray(R, float)
    lags = np.arange(len(R)) if lags is None else np.asarray(lags, float)
    if np.any(R <= 0) or not np.all(np.isfinite(R)):
        raise ValueError(
            "the exponential fit needs a positive, finite autocorrelation at every lag given; "
            f"pass the lags where R > 0 (non-positive at {int(np.sum(R <= 0))} lags)"
        )
    if len(R) < 2:
        raise ValueError("the exponential fit needs at least two lags")
    slope, intercept = np.polyfit(lags, np.log10(R), 1)
    return ExponentialFit(float(10**intercept), float(10**slope))
