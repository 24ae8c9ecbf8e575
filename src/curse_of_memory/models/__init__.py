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
    "GRU",
    "LSTM",
    "RECURRENT_LAYERS",
    "RGLRU",
    "ContinuousLinearRNN",
    "DecaySumRNN",
    "DeepRNN",
    "Dense",
    "DiagonalRNN",
    "LinearRNN",
    "OrthogonalRNN",
    "Readout",
    "ResidualRNN",
    "SimpleGRU",
    "StableSSM",
    "StableSSMLayer",
    "TanhRNN",
    "check_hurwitz",
    "chrono_bias",
    "chrono_gru",
    "chrono_lstm",
    "complex_diagonal_rnn",
    "continuous_linear_rnn",
    "decay_sum_rnn",
    "deep_rnn",
    "dense",
    "dense_rnn_from",
    "diagonal_rnn",
    "diagonal_rnn_from",
    "exp_sum_teacher",
    "gru",
    "impulse_response",
    "linear_rnn",
    "lru",
    "lstm",
    "modrelu",
    "orthogonal_rnn",
    "random_decay_sum_rnn",
    "readout",
    "recurrent_layer",
    "remap_eigenvalues",
    "residual_rnn",
    "rg_lru",
    "ring_uniform",
    "s4d",
    "s4d_from",
    "simple_chrono_gru",
    "stable_lstm_projection",
    "stable_ssm",
    "stable_ssm_layer",
    "tanh_rnn",
]
