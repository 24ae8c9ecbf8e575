"""Equinox models. Linear time-invariant layers expose `kernel(T)`, their impulse response."""

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
from curse_of_memory.models.orthogonal_rnn import OrthogonalRNN, modrelu, orthogonal_rnn
from curse_of_memory.models.readout import Readout, readout
from curse_of_memory.models.s4d import s4d
from curse_of_memory.models.stable_lstm import stable_lstm_projection
from curse_of_memory.models.tanh_rnn import TanhRNN, tanh_rnn

__all__ = [
    "GRU",
    "LSTM",
    "DiagonalRNN",
    "LinearRNN",
    "OrthogonalRNN",
    "Readout",
    "TanhRNN",
    "complex_diagonal_rnn",
    "diagonal_rnn",
    "gru",
    "impulse_response",
    "linear_rnn",
    "lru",
    "lstm",
    "modrelu",
    "orthogonal_rnn",
    "readout",
    "remap_eigenvalues",
    "ring_uniform",
    "s4d",
    "stable_lstm_projection",
    "tanh_rnn",
]
