"""GRU and LSTM cells against float64 NumPy loops written from PyTorch's documented equations."""

import jax
import numpy as np

from curse_of_memory.models import gru, lstm


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def gru_loop(p, x):
    W_ir, W_iz, W_in = np.split(p["weight_ih"], 3)
    W_hr, W_hz, W_hn = np.split(p["weight_hh"], 3)
    b_ir, b_iz, b_in = np.split(p["bias_ih"], 3)
    b_hr, b_hz, b_hn = np.split(p["bias_hh"], 3)
    h = np.zeros(W_hr.shape[1])
    out = []
    for x_t in x:
        r = sigmoid(W_ir @ x_t + b_ir + W_hr @ h + b_hr)
        z = sigmoid(W_iz @ x_t + b_iz + W_hz @ h + b_hz)
        n = np.tanh(W_in @ x_t + b_in + r * (W_hn @ h + b_hn))
        h = (1 - z) * n + z * h
        out.append(h)
    return np.array(out)


def lstm_loop(p, x):
    W = np.split(p["weight_ih"], 4)
    U = np.split(p["weight_hh"], 4)
    b = np.split(p["bias_ih"] + p["bias_hh"], 4)
    h = c = np.zeros(U[0].shape[1])
    hs = []
    for x_t in x:
        i, f, g, o = (W[k] @ x_t + U[k] @ h + b[k] for k in range(4))
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        hs.append(h)
    return np.array(hs)


def as_numpy(module):
    return {k: np.asarray(getattr(module, k), np.float64) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}


def test_gru_matches_pytorch_equations(x64, rng):
    cell = gru(jax.random.PRNGKey(0), 3, 5)
    x = rng.normal(size=(40, 3))
    np.testing.assert_allclose(np.asarray(jax.jit(lambda c, x: c(x))(cell, x)), gru_loop(as_numpy(cell), x), rtol=1e-12)
    assert cell.weight_ih.shape == (15, 3) and cell.bias_hh.shape == (15,)
    assert float(abs(cell.weight_hh).max()) <= 1 / np.sqrt(5)


def test_lstm_matches_pytorch_equations(x64, rng):
    cell = lstm(jax.random.PRNGKey(1), 2, 4)
    x = rng.normal(size=(40, 2))
    h, c = jax.jit(lambda m, x: m(x))(cell, x)
    np.testing.assert_allclose(np.asarray(h), lstm_loop(as_numpy(cell), x), rtol=1e-12)
    assert cell.weight_ih.shape == (16, 2) and c.shape == (40, 4)
