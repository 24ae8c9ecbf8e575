"""The deep residual RNN, chrono initializations, the simplified GRU and the RG-LRU against
float64 NumPy references written from their equations."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from curse_of_memory.models import (
    DiagonalRNN,
    chrono_gru,
    chrono_lstm,
    complex_diagonal_rnn,
    deep_rnn,
    lru,
    recurrent_layer,
    rg_lru,
    simple_chrono_gru,
)
from curse_of_memory.models.deep_rnn import run_recurrent
from curse_of_memory.models.rg_lru import C as RG_LRU_C
from reference import diagonal_loop
from test_gated_cells import as_numpy, gru_loop, lstm_loop, sigmoid


def as_float64(a):
    return np.asarray(a, np.float64)


def gelu(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


def norm_ref(kind, x, scale, shift):
    if kind == "none":
        return x
    axes = (-1,) if kind == "layer" else (0, 1)
    mean = x.mean(axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axes, keepdims=True)
    eps = 1e-6 if kind == "layer" else 1e-5
    return (x - mean) / np.sqrt(var + eps) * scale + shift


def recurrent_ref(layer, x):
    """Output and hidden states of one layer on one sequence, by plain loops."""
    if isinstance(layer, DiagonalRNN):
        lam = np.asarray(layer.eigenvalues())
        B = (np.asarray(layer.B_re) + 1j * np.asarray(layer.B_im)) * np.asarray(layer.gamma())[:, None]
        h = diagonal_loop(lam, x @ B.T)
        C = np.asarray(layer.C_re) + 1j * np.asarray(layer.C_im)
        return np.real(h @ C.T) + x @ np.asarray(layer.D).T, h
    h = gru_loop(as_numpy(layer), x)
    return h, h


def deep_ref(model, x):
    p = as_float64
    x_enc = x @ p(model.encoder.weight).T + p(model.encoder.bias)
    residuals, hiddens = [], []
    for block in model.layers:
        n = block.norm
        scale, shift = (None, None) if n.kind == "none" else (p(n.scale), p(n.shift))
        z = norm_ref(n.kind, x_enc, scale, shift)
        outs = [recurrent_ref(block.recurrent, s) for s in z]
        y = gelu(np.stack([o[0] for o in outs]))
        if block.norm_twice:
            y = norm_ref(n.kind, y, scale, shift)
        value = y @ p(block.glu_value.weight).T + p(block.glu_value.bias)
        gate = sigmoid(y @ p(block.glu_gate.weight).T + p(block.glu_gate.bias))
        x_enc = value * gate + x_enc
        residuals.append(x_enc)
        hiddens.append(np.stack([o[1] for o in outs]))
    return x_enc @ p(model.decoder.weight).T + p(model.decoder.bias), residuals, hiddens


@pytest.mark.parametrize(
    "layer,norm,twice",
    [
        ("complex", "none", False),
        ("complex", "layer", False),
        ("complex", "batch", False),
        ("complex", "layer", True),
        ("gru", "layer", False),
    ],
)
def test_deep_rnn_matches_reference(x64, rng, layer, norm, twice):
    make = {
        "complex": lambda k: complex_diagonal_rnn(k, 4, 4, 6, nu_min=0.5, nu_max=0.9),
        "gru": lambda k: chrono_gru(k, 4, 4, T_min=1, T_max=8),
    }[layer]
    model = deep_rnn(
        jax.random.PRNGKey(0), make, d_in=3, d_out=5, d_model=4, n_layers=2, norm_kind=norm, norm_twice=twice
    )
    # Non-trivial norm parameters, so that scale and shift are exercised.
    if norm != "none":
        model = eqx.tree_at(
            lambda m: [b.norm.scale for b in m.layers], model, [jnp.arange(1.0, 5.0), jnp.arange(2.0, 6.0)]
        )
        model = eqx.tree_at(lambda m: [b.norm.shift for b in m.layers], model, [jnp.full(4, 0.3), jnp.full(4, -0.2)])
    x = rng.normal(size=(2, 7, 3))
    y, residuals, hiddens = jax.jit(lambda m, x: m.trace(x))(model, x)
    y_ref, res_ref, hid_ref = deep_ref(model, x)
    np.testing.assert_allclose(np.asarray(y), y_ref, rtol=1e-10, atol=1e-12)
    for a, b in zip(residuals + hiddens, res_ref + hid_ref, strict=True):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-10, atol=1e-12)
    assert len(residuals) == 2 and residuals[0].shape == (2, 7, 4)


def test_deep_rnn_rejects_bad_settings():
    with pytest.raises(ValueError, match="norm must be one of"):
        deep_rnn(jax.random.PRNGKey(0), lambda k: rg_lru(k, 4), d_in=2, d_out=2, d_model=4, norm_kind="group")
    with pytest.raises(ValueError, match="n_layers"):
        deep_rnn(jax.random.PRNGKey(0), lambda k: rg_lru(k, 4), d_in=2, d_out=2, d_model=4, n_layers=0)


def test_diagonal_readout_with_real_matmuls_equals_the_complex_formula(x64, rng):
    layer = lru(jax.random.PRNGKey(3), 3, 2, 5, nu_min=0.5)
    x = rng.normal(size=(9, 3))
    y, h = jax.jit(run_recurrent)(layer, jnp.asarray(x))
    y_ref, h_ref = recurrent_ref(layer, x)
    np.testing.assert_allclose(np.asarray(h), h_ref, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(y), y_ref, rtol=1e-12)


def test_chrono_gru_initialization(x64):
    H, d = 64, 32
    cell = chrono_gru(jax.random.PRNGKey(0), d, H, T_min=4.0, T_max=16.0, scale_x=0.5, scale_h=2.0)
    b_r, b_z, b_n = np.split(np.asarray(cell.bias_ih), 3)
    assert np.all(b_r == 0) and np.all(b_n == 0) and np.all(np.asarray(cell.bias_hh) == 0)
    assert np.log(4) <= b_z.min() and b_z.max() <= np.log(16)
    for W in np.split(np.asarray(cell.weight_hh), 3):
        np.testing.assert_allclose(W @ W.T, 4.0 * np.eye(H), atol=1e-10)  # orthogonal with gain 2
    assert np.var(np.asarray(cell.weight_ih)) == pytest.approx(2 * 0.5 / d, rel=0.1)
    frozen = chrono_gru(jax.random.PRNGKey(0), d, H, T_min=1.0, T_max=1.0, scale_x=0.0, scale_h=0.0)
    assert not np.any(np.asarray(frozen.weight_ih)) and not np.any(np.asarray(frozen.weight_hh))
    with pytest.raises(ValueError, match="T_min <= T_max"):
        chrono_gru(jax.random.PRNGKey(0), d, H, T_min=5.0, T_max=2.0)


def test_chrono_lstm_is_a_leaky_integrator_with_frozen_gates(x64, rng):
    cell = chrono_lstm(jax.random.PRNGKey(1), 3, 8, T_min=2.0, T_max=30.0, scale_x=0.0, scale_h=0.0)
    b_i, b_f, b_g, b_o = np.split(np.asarray(cell.bias_ih), 4)
    np.testing.assert_array_equal(b_i, -b_f)
    assert np.all(b_g == 0) and np.all(b_o == 0)
    f = sigmoid(b_f)
    np.testing.assert_allclose(1 / (1 - f), 1 + np.exp(b_f))  # timescale 1 + T
    # A live LSTM agrees with the reference loop of the PyTorch equations.
    live = chrono_lstm(jax.random.PRNGKey(2), 3, 8, T_min=2.0, T_max=30.0)
    x = rng.normal(size=(20, 3))
    np.testing.assert_allclose(
        np.asarray(jax.jit(lambda m, x: m(x)[0])(live, x)), lstm_loop(as_numpy(live), x), rtol=1e-12
    )


def simple_gru_loop(cell, x):
    W_iz, W_hz, b, W_in = (
        np.asarray(a, np.float64) for a in (cell.weight_iz, cell.weight_hz, cell.bias_iz, cell.weight_in)
    )
    h = np.zeros(W_hz.shape[0])
    out = []
    for x_t in x:
        z = sigmoid(W_iz @ x_t + b + W_hz @ h)
        h = (1 - z) * (W_in @ x_t) + z * h
        out.append(h)
    return np.array(out)


def test_simple_gru_matches_its_equations_and_is_leaky_with_constant_gates(x64, rng):
    x = rng.normal(size=(30, 4))
    cell = simple_chrono_gru(jax.random.PRNGKey(0), 4, 6, T_min=1.0, T_max=50.0, scale_x=1.0, scale_h=1.5)
    np.testing.assert_allclose(np.asarray(jax.jit(lambda c, x: c(x))(cell, x)), simple_gru_loop(cell, x), rtol=1e-12)
    frozen = simple_chrono_gru(jax.random.PRNGKey(0), 4, 6, T_min=1.0, T_max=50.0, scale_x=0.0, scale_h=0.0)
    lam = sigmoid(np.asarray(frozen.bias_iz))
    u = (1 - lam) * (x @ np.asarray(frozen.weight_in).T)
    np.testing.assert_allclose(
        np.asarray(jax.jit(lambda c, x: c(x))(frozen, x)), np.real(diagonal_loop(lam, u)), rtol=1e-12
    )


def rg_lru_loop(layer, x):
    p = as_float64
    a = sigmoid(p(layer.log_a_param))
    h = np.zeros(x.shape[1])
    out = []
    for x_t in x:
        r = sigmoid(x_t @ p(layer.gate_a.weight).T + p(layer.gate_a.bias))
        i = sigmoid(x_t @ p(layer.gate_x.weight).T + p(layer.gate_x.bias))
        a_t = a ** (RG_LRU_C * r)
        h = a_t * h + np.sqrt(1 - a_t**2) * (i * x_t)
        out.append(h)
    return np.array(out)


def test_rg_lru_matches_griffin_equations(x64, rng):
    layer = rg_lru(jax.random.PRNGKey(0), 5, nu_min=0.9, nu_max=0.999)
    decay = sigmoid(np.asarray(layer.log_a_param)) ** RG_LRU_C
    assert 0.9 <= decay.min() and decay.max() <= 0.999
    x = rng.normal(size=(40, 5))
    np.testing.assert_allclose(np.asarray(jax.jit(lambda m, x: m(x))(layer, x)), rg_lru_loop(layer, x), rtol=1e-10)
    h = np.zeros(5)
    for x_t in x[:3]:
        h = np.asarray(layer.step(jnp.asarray(h), jnp.asarray(x_t)))
    np.testing.assert_allclose(h, rg_lru_loop(layer, x)[2], rtol=1e-10)
    # Memory scale t = 1 starts at a^c in [0, 1/2]: finite parameters even for a draw of 0.
    assert np.all(np.isfinite(np.asarray(rg_lru(jax.random.PRNGKey(1), 256, nu_min=0.0, nu_max=0.5).log_a_param)))


@pytest.mark.parametrize("name", ["complex", "lru", "gru", "lstm", "rglru"])
def test_recurrent_layers_span_the_memory_scale(x64, name):
    t = 10.0
    layer = recurrent_layer(name, jax.random.PRNGKey(0), 16, t)
    if name in ("complex", "lru"):
        nu = np.abs(np.asarray(layer.eigenvalues()))
    elif name == "rglru":
        nu = sigmoid(np.asarray(layer.log_a_param)) ** RG_LRU_C
    else:
        H = 16
        gate = np.asarray(layer.bias_ih)[H : 2 * H]
        nu = 1 - 1 / (1 + np.exp(gate))  # z (or f) = T / (1 + T), T in [t, 2t]
        assert t / (1 + t) - 1e-12 <= nu.min() and nu.max() <= 2 * t / (1 + 2 * t) + 1e-12
        return
    assert 1 - 1 / t - 1e-9 <= nu.min() and nu.max() <= 1 - 1 / (2 * t) + 1e-9
    y, _ = jax.jit(lambda m, x: run_recurrent(m, x))(layer, jnp.ones((5, 16)))
    assert y.shape == (5, 16)
    with pytest.raises(ValueError, match="must be one of"):
        recurrent_layer("s5", jax.random.PRNGKey(0), 16, t)
