"""Recurrent layers initialized for a given memory scale t, as in Zucchet & Orvieto (2024),
Fig. 5: eigenvalue magnitudes in [1 - 1/t, 1 - 1/(2t)] for the diagonal layers, chrono
timescales T in [t, 2t] for the gated ones. t = 1 gives magnitudes in [0, 1/2] and gates
around 1/2; t = 100 magnitudes in [0.99, 0.995] and gates around 0.99."""

from __future__ import annotations

from typing import Any

from jaxtyping import PRNGKeyArray

from curse_of_memory.models.chrono import chrono_gru, chrono_lstm
from curse_of_memory.models.diagonal_rnn import complex_diagonal_rnn, lru
from curse_of_memory.models.rg_lru import rg_lru

RECURRENT_LAYERS = ("complex", "lru", "gru", "lstm", "rglru")
LABELS = {
    "complex": "complex diagonal RNN",
    "lru": "LRU",
    "gru": "GRU (chrono)",
    "lstm": "LSTM (chrono)",
    "rglru": "RG-LRU",
}


def magnitude_range(t: float) -> tuple[float, float]:
    """[1 - 1/t, 1 - 1/(2t)]."""
    return 1 - 1 / t, 1 - 1 / (2 * t)


def recurrent_layer(name: str, key: PRNGKeyArray, d: int, t: float) -> Any:
    """A recurrent layer of width d (input, hidden and output) at memory scale t >= 1.

    complex: the complex diagonal RNN (real/imaginary parametrization, no normalization);
    lru: exp parametrization with a learned gamma; gru / lstm: chrono initialization with
    T ~ U(t, 2t); rglru: a^c ~ U(1 - 1/t, 1 - 1/(2t)).
    """
    if t < 1:
        raise ValueError(f"the memory scale t must be >= 1, got {t}")
    nu_min, nu_max = magnitude_range(t)
    if name == "complex":
        return complex_diagonal_rnn(key, d, d, d, nu_min=nu_min, nu_max=nu_max)
    if name == "lru":
        return lru(key, d, d, d, nu_min=nu_min, nu_max=nu_max)
    if name == "gru":
        return chrono_gru(key, d, d, T_min=t, T_max=2 * t)
    if name == "lstm":
        return chrono_lstm(key, d, d, T_min=t, T_max=2 * t)
    if name == "rglru":
        return rg_lru(key, d, nu_min=nu_min, nu_max=nu_max)
    raise ValueError(f"recurrent layer must be one of {RECURRENT_LAYERS}, got {name!r}")
