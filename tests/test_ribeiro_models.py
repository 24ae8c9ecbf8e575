"""Tanh RNN, orthogonal RNN, stable-LSTM projection and the readout head against float64
NumPy loops and their defining properties (Ribeiro et al. 2020, Sec. 3 of the spec)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import scipy.linalg

from curse_of_memory.models import (
    lstm,
    modrelu,
    orthogonal_rnn,
    readout,
    stable_lstm_projection,
    tanh_rnn,
)
from curse_of_memory.models.orthogonal_rnn import henaff_skew
from curse_of_memory.models.stable_lstm import FORGET_INPUT_COLUMN_NORM, RECURRENT_COLUMN_NORMS
from curse_of_memory.tasks import sine_generator
from curse_of_memory.training import train_ensemble


def run(model, x, state=None):
    return eqx.filter_jit(lambda m, x, s: m(x, s))(model, x, state)


def test_tanh_rnn_matches_pytorch_equations(x64, rng):
    cell = tanh_rnn(jax.random.PRNGKey(0), 3, 5)
    p = {k: np.asarray(getattr(cell, k), np.float64) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    x = rng.normal(size=(30, 3))
    h, ref = np.zeros(5), []
    for x_t in x:
        h = np.tanh(p["weight_ih"] @ x_t + p["bias_ih"] + p["weight_hh"] @ h + p["bias_hh"])
        ref.append(h)
    np.testing.assert_allclose(np.asarray(run(cell, x)), np.array(ref), rtol=1e-12)
    assert float(jnp.max(jnp.abs(cell.weight_hh))) <= 1 / np.sqrt(5)


def test_orthogonal_rnn_is_orthogonal_for_any_parameter(x64, rng):
    cell = orthogonal_rnn(jax.random.PRNGKey(1), 2, 7)
    cell = eqx.tree_at(lambda m: m.log_recurrent, cell, jnp.asarray(rng.normal(size=(7, 7))))
    B = np.asarray(cell.recurrent_matrix())
    np.testing.assert_allclose(B.T @ B, np.eye(7), atol=1e-12)
    upper = np.triu(np.asarray(cell.log_recurrent), 1)
    np.testing.assert_allclose(B, scipy.linalg.expm(upper - upper.T), atol=1e-12)


def test_henaff_initialization_gives_2x2_rotations(x64):
    A = np.asarray(henaff_skew(jax.random.PRNGKey(2), 6))
    B = scipy.linalg.expm(np.triu(A, 1) - np.triu(A, 1).T)
    for k in range(3):
        theta = A[2 * k, 2 * k + 1]
        assert -np.pi <= theta <= np.pi and A[2 * k + 1, 2 * k] == -theta
        np.testing.assert_allclose(
            B[2 * k : 2 * k + 2, 2 * k : 2 * k + 2],
            [[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]],
            atol=1e-12,
        )
    off_blocks = B - scipy.linalg.block_diag(*[B[2 * k : 2 * k + 2, 2 * k : 2 * k + 2] for k in range(3)])
    assert np.max(np.abs(off_blocks)) < 1e-12


def test_orthogonal_rnn_sequence_matches_loop(x64, rng):
    cell = orthogonal_rnn(jax.random.PRNGKey(3), 2, 6)
    cell = eqx.tree_at(lambda m: m.modrelu_bias, cell, jnp.asarray(rng.normal(size=6)))  # exercise both branches
    x, h0 = rng.normal(size=(25, 2)), rng.normal(size=6)
    B = np.asarray(cell.recurrent_matrix())
    W, b = np.asarray(cell.weight_in), np.asarray(cell.modrelu_bias)
    h, ref = h0, []
    for x_t in x:
        z = W @ x_t + B @ h
        h = np.sign(z) * np.maximum(np.abs(z) + b, 0)
        ref.append(h)
    np.testing.assert_allclose(np.asarray(run(cell, x, jnp.asarray(h0))), np.array(ref), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        np.asarray(eqx.filter_jit(lambda m, h, x: m.step(h, x))(cell, jnp.asarray(h0), jnp.asarray(x[0]))),
        ref[0],
        rtol=1e-10,
    )
    np.testing.assert_array_equal(
        np.asarray(modrelu(jnp.array([-2.0, 0.5, 3.0]), jnp.array([-1.0, -1.0, 0.5]))), [-1.0, 0.0, 3.5]
    )


def test_orthogonal_rnn_initialization_scales():
    cell = orthogonal_rnn(jax.random.PRNGKey(4), 50, 200)
    assert abs(float(jnp.std(cell.weight_in)) - np.sqrt(2 / 50)) < 0.02
    assert float(jnp.max(jnp.abs(cell.modrelu_bias))) <= 0.01


def column_l1(W):
    return np.sum(np.abs(np.asarray(W, np.float64)), axis=0)


def test_stable_lstm_projection_sets_column_norms():
    H = 6
    cell = lstm(jax.random.PRNGKey(5), 3, H)
    cell = eqx.tree_at(lambda m: m.weight_hh, cell, cell.weight_hh.at[:H, 2].set(0.0))  # a zero column
    projected = jax.jit(stable_lstm_projection)(cell)
    for gate, norm in enumerate(RECURRENT_COLUMN_NORMS):
        got = column_l1(projected.weight_hh[gate * H : (gate + 1) * H])
        want = np.full(H, norm)
        if gate == 0:
            want[2] = 0.0  # a zero column has no direction: it stays zero
        np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_allclose(column_l1(projected.weight_ih[H : 2 * H]), FORGET_INPUT_COLUMN_NORM, rtol=1e-6)
    for block in (0, 2, 3):  # the other input blocks and the biases are untouched
        np.testing.assert_array_equal(
            projected.weight_ih[block * H : (block + 1) * H], cell.weight_ih[block * H : (block + 1) * H]
        )
    np.testing.assert_array_equal(projected.bias_ih, cell.bias_ih)
    # Directions are kept: each column is a positive multiple of the original.
    ratio = np.asarray(projected.weight_hh[H : 2 * H]) / np.asarray(cell.weight_hh[H : 2 * H])
    assert np.all(ratio > 0) and np.allclose(ratio, ratio[:1], rtol=1e-5)
    again = stable_lstm_projection(projected)
    np.testing.assert_allclose(np.asarray(again.weight_hh), np.asarray(projected.weight_hh), rtol=1e-6)


def test_stable_lstm_is_contractive_under_a_constant_input():
    """A random H = 50 sLSTM with a head: trajectories from states with std 100 meet."""
    model = stable_lstm_projection(readout(jax.random.PRNGKey(6), lstm(jax.random.PRNGKey(7), 1, 50), 1))
    assert isinstance(model.cell, type(lstm(jax.random.PRNGKey(0), 1, 1)))
    states = 100 * jax.random.normal(jax.random.PRNGKey(8), (8, 2, 50))
    x = jnp.full((300, 1), 0.3)
    out = eqx.filter_jit(lambda m, s: jax.vmap(lambda s: m(x, (s[0], s[1])))(s))(model, states)
    end = np.asarray(out[:, -1, 0])
    assert np.ptp(end) < 1e-5 and np.ptp(np.asarray(out[:, 0, 0])) > 1e-2


def test_readout_matches_cell_and_head(x64, rng):
    for cell in (
        lstm(jax.random.PRNGKey(9), 2, 4),
        orthogonal_rnn(jax.random.PRNGKey(10), 2, 4),
        tanh_rnn(jax.random.PRNGKey(11), 2, 4),
    ):
        model = readout(jax.random.PRNGKey(12), cell, 3)
        x = jnp.asarray(rng.normal(size=(10, 2)))
        states = run(cell, x)
        h = states[0] if isinstance(states, tuple) else states
        np.testing.assert_allclose(np.asarray(run(model, x)), np.asarray(h @ model.weight.T + model.bias), rtol=1e-12)
        assert model.weight.shape == (3, 4) and float(jnp.max(jnp.abs(model.weight))) <= 0.5
        state = model.zero_state(jnp.float64)
        for t in range(3):
            state = model.step(state, x[t])
        np.testing.assert_allclose(np.asarray(model.output(state)), np.asarray(run(model, x[:3])[-1]), rtol=1e-12)


def test_projection_runs_after_every_training_step():
    task = sine_generator(n_sequences=8, T=12, batch_size=4)
    init = lambda key: readout(key, lstm(jax.random.fold_in(key, 1), 1, 5), 1)  # noqa: E731
    r = train_ensemble(
        task,
        init,
        seeds=[0],
        learning_rates=[1e-2],
        steps=20,
        steps_per_epoch=10,
        optimizer="clipped_adam",
        project=stable_lstm_projection,
        validation_batches=1,
    )
    cell = jax.tree.map(lambda a: a[0, 0] if eqx.is_array(a) else a, r.models).cell
    for gate, norm in enumerate(RECURRENT_COLUMN_NORMS):
        np.testing.assert_allclose(column_l1(cell.weight_hh[gate * 5 : (gate + 1) * 5]), norm, rtol=1e-5)
    assert np.all(np.isfinite(r.epoch_loss))


def test_clipped_adam_clips_the_global_norm():
    from curse_of_memory.training import OPTIMIZERS

    grads = {"a": jnp.full(4, 10.0), "b": jnp.full(2, -3.0)}
    state = OPTIMIZERS["clipped_adam"].init(grads)
    clip = OPTIMIZERS["clipped_adam"]
    # The first Adam step normalizes each coordinate; the clip shows in the moments.
    _, (_, adam_state) = clip.update(grads, state)
    norm = float(jnp.sqrt(sum(jnp.sum(g**2) for g in grads.values())))
    np.testing.assert_allclose(np.asarray(adam_state.mu["a"]), 0.1 * 10.0 * 0.25 / norm, rtol=1e-6)
