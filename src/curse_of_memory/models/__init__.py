"""Equinox models. Linear time-invariant layers expose `kernel(T)`, their impulse response."""

from curse_of_memory.models.chrono import chrono_bias, chrono_gru, chrono_lstm
from curse_of_memory.models.continuous_linear_rnn import (
    ContinuousLinearRNN,
    DecaySumRNN,
    check_hurwitz,
    continuous_linear_rnn,
    decay_sum_rnn,
    exp_sum_teacher,
    random_decay_sum_rnn,
)
from curse_of_memory.models.deep_rnn import DeepRNN, deep_rnn
from curse_of_memory.models.dense import Dense, dense
from curse_of_memory.models.diagonal_rnn import (
    DiagonalRNN,
    complex_diagonal_rnn,
    diagonal_rnn,
    lru,
)
from curse_of_memory.models.eigenvalue_init import remap_eigenvalues, ring_uniform
from curse_of_memory.models.from_teacher import dense_rnn_from, diagonal_rnn_from, s4d_from
from curse_of_memory.models.gru import GRU, gru
from curse_of_memory.models.linear_rnn import LinearRNN, linear_rnn
from curse_of_memory.models.lstm import LSTM, lstm
from curse_of_memory.models.lti import impulse_response
from curse_of_memory.models.memory_scale import RECURRENT_LAYERS, recurrent_layer
from curse_of_memory.models.orthogonal_rnn import OrthogonalRNN, modrelu, orthogonal_rnn
from curse_of_memory.models.readout import Readout, readout
from curse_of_memory.models.residual_rnn import ResidualRNN, residual_rnn
from curse_of_memory.models.rg_lru import RGLRU, rg_lru
from curse_of_memory.models.s4d import s4d
from curse_of_memory.models.simple_gru import SimpleGRU, simple_chrono_gru
from curse_of_memory.models.stable_lstm import stable_lstm_projection
from curse_of_memory.models.stable_ssm import StableSSM, StableSSMLayer, stable_ssm, stable_ssm_layer
from curse_of_memory.models.tanh_rnn import TanhRNN, tanh_rnn

__all__ = [
    "ContinuousLinearRNN",
    "DecaySumRNN",
    "ResidualRNN",
    "StableSSM",
    "StableSSMLayer",
    "check_hurwitz",
    "continuous_linear_rnn",
    "decay_sum_rnn",
    "exp_sum_teacher",
    "random_decay_sum_rnn",
    "residual_rnn",
    "stable_ssm",
    "stable_ssm_layer",
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
    "OrthogonalRNN",
    "Readout",
    "TanhRNN",
    "complex_diagonal_rnn",
    "dense_rnn_from",
    "diagonal_rnn",
    "diagonal_rnn_from",
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
    "s4d_from",
    "stable_lstm_projection",
    "tanh_rnn",
]
