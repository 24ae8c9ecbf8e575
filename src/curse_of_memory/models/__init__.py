"""Equinox models. Linear time-invariant layers expose `kernel(T)`, their impulse response."""

from curse_of_memory.models.chrono import chrono_bias, chrono_gru, chrono_lstm
from curse_of_memory.models.deep_rnn import DeepRNN, deep_rnn
from curse_of_memory.models.dense import Dense, dense
from curse_of_memory.models.diagonal_rnn import (
    DiagonalRNN,
    complex_diagonal_rnn,
    diagonal_rnn,
    lru,
)
from curse_of_memory.models.eigenvalue_init import remap_eigenvalues, ring_uniform
from curse_of_memory.models.gru import GRU, gru
from curse_of_memory.models.linear_rnn import LinearRNN, linear_rnn
from curse_of_memory.models.lstm import LSTM, lstm
from curse_of_memory.models.lti import impulse_response
from curse_of_memory.models.memory_scale import RECURRENT_LAYERS, recurrent_layer
from curse_of_memory.models.rg_lru import RGLRU, rg_lru
from curse_of_memory.models.s4d import s4d
from curse_of_memory.models.simple_gru import SimpleGRU, simple_chrono_gru

__all__ = [
    "RECURRENT_LAYERS",
    "DeepRNN",
    "Dense",
    "RGLRU",
    "SimpleGRU",
    "chrono_bias",
    "chrono_gru",
    "chrono_lstm",
    "deep_rnn",
    "dense",
    "recurrent_layer",
    "rg_lru",
    "simple_chrono_gru",
    "GRU",
    "LSTM",
    "DiagonalRNN",
    "LinearRNN",
    "complex_diagonal_rnn",
    "diagonal_rnn",
    "gru",
    "impulse_response",
    "linear_rnn",
    "lru",
    "lstm",
    "remap_eigenvalues",
    "ring_uniform",
    "s4d",
]
