"""The deep residual recurrent network of Zucchet & Orvieto (2024), Sec. 5.4 (Figs. 5, 13).

    x -> Dense encoder (d_in -> d) -> L blocks -> Dense decoder (d -> d_out)
    block: skip = x; x = norm(x); y = recurrent(x); y = gelu(y);
           [y = norm(y), the paper's notebook only]; y = Dense(y) * sigmoid(Dense(y)); x = y + skip

Any recurrent layer mapping (T, d) -> (T, d) works. A layer with `hidden_states(x, method)`
and `readout(h, x)` (the diagonal and linear RNNs) outputs Re(C h) + D x and reports h as its hidden state;
another layer with `hidden_states(x)` reports those; any other layer is a callable whose output
(or first output, as the LSTM's (h, c)) is both its output and its hidden state (GRU, LSTM,
RG-LRU, simplified GRU).

Norms act on a batch (B, T, d): "layer" normalizes each token over features, "batch" each
feature over batch and time (batch statistics, as Flax's BatchNorm in training mode), both
with a learned scale and shift. The notebook applied the same norm module twice per block
(before the recurrent layer and before the GLU); the default is a single pre-norm, the
notebook's variant is `norm_twice=True` (Sec. 7, issue 10).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Float, Inexact, PRNGKeyArray

from curse_of_memory.models.dense import Dense, dense

NORMS = ("none", "layer", "batch")
# Flax's defaults.
EPS = {"layer": 1e-6, "batch": 1e-5}


class Norm(eqx.Module):
    """scale, shift: (d,), or None for "none"."""

    scale: Array | None
    shift: Array | None
    kind: str = eqx.field(static=True)

    def __call__(self, x: Float[Array, "B T d"]) -> Float[Array, "B T d"]:
        """x: (B, T, d) -> (B, T, d)."""
        if self.kind == "none":
            return x
        axes = (-1,) if self.kind == "layer" else (0, 1)
        mean = jnp.mean(x, axes, keepdims=True)
        var = jnp.mean((x - mean) ** 2, axes, keepdims=True)
        return (x - mean) * jax.lax.rsqrt(var + EPS[self.kind]) * self.scale + self.shift


def norm(kind: str, d: int) -> Norm:
    if kind not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {kind!r}")
    if kind == "none":
        return Norm(None, None, kind)
    return Norm(jnp.ones(d), jnp.zeros(d), kind)


def run_recurrent(
    layer: Any, x: Float[Array, "T d_in"], method: str = "sequential"
) -> tuple[Float[Array, "T d_out"], Inexact[Array, "T N"]]:
    """(output (T, d_out), hidden states (T, N)) of a recurrent layer on one sequence x (T, d_in)
    (d_in = d_out = d inside a `DeepRNN`).

    A layer with `readout` (the diagonal and linear RNNs) computes its states once with
    `hidden_states(x, method)`: on CPU, for hundreds of states and steps, the sequential scan
    is faster (forward and backward) and compiles faster than the associative one. Another
    layer with `hidden_states(x)` reports those; any other layer its output (or first output).
    """
    if hasattr(layer, "readout"):
        h = layer.hidden_states(x, method)
        return layer.readout(h, x), h
    out = layer(x)
    y = out[0] if isinstance(out, tuple) else out
    return y, layer.hidden_states(x) if hasattr(layer, "hidden_states") else y


class ResidualBlock(eqx.Module):
    norm: Norm
    recurrent: Any
    glu_value: Dense
    glu_gate: Dense
    norm_twice: bool = eqx.field(static=True)

    def __call__(self, x: Float[Array, "B T d"]) -> tuple[Float[Array, "B T d"], Inexact[Array, "B T N"]]:
        """x: (B, T, d) -> (residual stream (B, T, d), hidden states (B, T, N), complex for a
        complex diagonal layer)."""
        y, h = jax.vmap(lambda s: run_recurrent(self.recurrent, s))(self.norm(x))
        y = jax.nn.gelu(y)
        if self.norm_twice:
            y = self.norm(y)
        return self.glu_value(y) * jax.nn.sigmoid(self.glu_gate(y)) + x, h


class DeepRNN(eqx.Module):
    encoder: Dense
    layers: tuple[ResidualBlock, ...]
    decoder: Dense

    def trace(
        self, x: Float[Array, "B T d_in"]
    ) -> tuple[Float[Array, "B T d_out"], list[Float[Array, "B T d"]], list[Inexact[Array, "B T _N"]]]:
        """Prediction (B, T, d_out), and per block the residual stream after it (B, T, d) and
        the recurrent layer's hidden states (B, T, N), for inputs x (B, T, d_in)."""
        x = self.encoder(x)
        residuals, hiddens = [], []
        for layer in self.layers:
            x, h = layer(x)
            residuals.append(x)
            hiddens.append(h)
        return self.decoder(x), residuals, hiddens

    def __call__(self, x: Float[Array, "B T d_in"]) -> Float[Array, "B T d_out"]:
        """Prediction (B, T, d_out) for inputs x (B, T, d_in)."""
        return self.trace(x)[0]


def deep_rnn(
    key: PRNGKeyArray,
    recurrent: Callable[[PRNGKeyArray], Any],
    *,
    d_in: int,
    d_out: int,
    d_model: int = 256,
    n_layers: int = 4,
    norm_kind: str = "none",
    norm_twice: bool = False,
) -> DeepRNN:
    """A deep residual RNN; `recurrent(key)` builds one recurrent layer of width d_model.

    Dense layers are Lecun-normal with zero biases and norms start at the identity map
    (scale 1, shift 0), as Flax initializes them.
    """
    if n_layers < 1:
        raise ValueError(f"n_layers must be >= 1, got {n_layers}")
    k_enc, k_dec, *k_layers = jax.random.split(key, 2 + n_layers)

    def block(k):
        k_rec, k_value, k_gate = jax.random.split(k, 3)
        return ResidualBlock(
            norm=norm(norm_kind, d_model),
            recurrent=recurrent(k_rec),
            glu_value=dense(k_value, d_model, d_model),
            glu_gate=dense(k_gate, d_model, d_model),
            norm_twice=norm_twice,
        )

    return DeepRNN(
        encoder=dense(k_enc, d_in, d_model),
        layers=tuple(block(k) for k in k_layers),
        decoder=dense(k_dec, d_model, d_out),
    )
