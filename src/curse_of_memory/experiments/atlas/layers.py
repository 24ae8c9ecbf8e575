"""The layers of the atlas, each a `diagnose` factory f(key, memory_scale) -> module mapping
(T, width) to (T, width), and the teacher-student student built around one.

What memory_scale t means at initialization (for every layer, a memory of ~t to 2t steps):
- complex, lru, s4d, rglru: eigenvalue magnitudes (RG-LRU: a^c at zero input) in
  [1 - 1/t, 1 - 1/(2t)] (Zucchet & Orvieto 2024, Fig. 5; `models.memory_scale`);
- gru, lstm (chrono, Tallec & Ollivier 2018), min_gru, mamba (the slowest state), gla, mlstm:
  retention T / (1 + T) at zero input, T ~ U(t, 2t);
- tanh: recurrent weights (1 - 1/(2t)) Q with Q orthogonal (linearized memory 2t);
- stablessm (softplus reparametrization, Wang & Li 2024): Re A = -1/2 and steps dt in
  [1/t, 2/t], timescales 1 / (dt |Re A|) in [t, 2t].
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import equinox as eqx
import jax
from jax import Array

from curse_of_memory.models import Dense, dense, recurrent_layer, s4d, stable_ssm_layer, tanh_rnn
from curse_of_memory.models.gated_linear_attention import gated_linear_attention
from curse_of_memory.models.memory_scale import magnitude_range
from curse_of_memory.models.min_gru import min_gru
from curse_of_memory.models.mlstm import mlstm
from curse_of_memory.models.selective_ssm import selective_ssm


class HiddenStates(eqx.Module):
    """An LSTM as a map (T, d) -> (T, d): its hidden states h, without the cells."""

    cell: eqx.Module

    def __call__(self, x):
        return self.cell(x)[0]


def _lstm(key, d, t):
    return HiddenStates(recurrent_layer("lstm", key, d, t))


def _tanh(key, d, t):
    cell = tanh_rnn(key, d, d)
    Q = jax.nn.initializers.orthogonal()(jax.random.fold_in(key, 1), (d, d))
    return eqx.tree_at(lambda c: c.weight_hh, cell, (1 - 1 / (2 * t)) * Q)


def _s4d(key, d, t):
    nu_min, nu_max = magnitude_range(t)
    return s4d(key, d, d, d, nu_min=nu_min, nu_max=nu_max)


def _stablessm(key, d, t):
    return stable_ssm_layer(key, d, 16, parametrization="softplus", dt_min=1 / t, dt_max=2 / t)


def _gated(build, key, d, t):
    return build(key, d, T_min=t, T_max=2 * t)


# name -> (label, builder(key, width, t), family: "paper" (studied by Zucchet & Orvieto) or "new")
LAYERS: dict[str, tuple[str, Callable, str]] = {
    "tanh": ("tanh RNN", _tanh, "paper"),
    "lstm": ("LSTM (chrono)", _lstm, "paper"),
    "gru": ("GRU (chrono)", partial(recurrent_layer, "gru"), "paper"),
    "complex": ("complex diagonal RNN", partial(recurrent_layer, "complex"), "paper"),
    "lru": ("LRU", partial(recurrent_layer, "lru"), "paper"),
    "s4d": ("S4D", _s4d, "paper"),
    "stablessm": ("StableSSM (softplus)", _stablessm, "new"),
    "rglru": ("RG-LRU", partial(recurrent_layer, "rglru"), "new"),
    "min_gru": ("minGRU", partial(_gated, min_gru), "new"),
    "mamba": ("selective SSM (Mamba)", partial(_gated, selective_ssm), "new"),
    "gla": ("gated linear attention", partial(_gated, gated_linear_attention), "new"),
    "mlstm": ("mLSTM (xLSTM)", partial(_gated, mlstm), "new"),
}


def layer_factory(name: str, width: int) -> Callable[[Array, float], eqx.Module]:
    """The `diagnose` factory of layer `name` at this width."""
    build = LAYERS[name][1]
    return lambda key, memory_scale: build(key, width, memory_scale)


class Student(eqx.Module):
    """A one-input, one-output student around a layer: Dense (1 -> width), the layer, Dense
    (width -> 1) at every step."""

    encoder: Dense
    layer: eqx.Module
    decoder: Dense

    def __call__(self, x):
        """y (T, 1) for x (T, 1)."""
        return self.decoder(self.layer(self.encoder(x)))


def student(name: str, width: int, memory_scale: float) -> Callable[[Array], Student]:
    """key -> the student around layer `name` initialized at `memory_scale`."""

    def init(key):
        k_in, k_layer, k_out = jax.random.split(key, 3)
        layer = layer_factory(name, width)(k_layer, memory_scale)
        return Student(dense(k_in, 1, width), layer, dense(k_out, width, 1))

    return init
