"""signal_propagation on the paper's layers and on a user's layer, against a direct float64
computation; recurrent Jacobians against jacfwd; bad inputs."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from curse_of_memory.diagnostics import recurrent_jacobians, signal_propagation
from curse_of_memory.diagnostics.signal_propagation import default_groups
from curse_of_memory.models import chrono_gru, deep_rnn, recurrent_layer


class MinGRU(eqx.Module):
    """A user's layer the library does not know: h_t = (1 - z_t) h_{t-1} + z_t W_h x_t."""

    W_z: jax.Array
    b_z: jax.Array
    W_h: jax.Array

    def __call__(self, x):
        z = jax.nn.sigmoid(x @ self.W_z.T + self.b_z)

        def step(h, zx):
            z_t, u_t = zx
            h = (1 - z_t) * h + z_t * u_t
            return h, h

        return jax.lax.scan(step, jnp.zeros(x.shape[-1], x.dtype), (z, x @ self.W_h.T))[1]


def min_gru(key, memory_scale):
    k_z, k_h = jax.random.split(key)
    d = 4
    return MinGRU(
        W_z=0.1 * jax.random.normal(k_z, (d, d)),
        b_z=jnp.full(d, -jnp.log(memory_scale)),
        W_h=jax.random.normal(k_h, (d, d)) / 2,
    )


def lru(key, t):
    return recurrent_layer("lru", key, 4, t)


@eqx.filter_jit
def loss_grads_and_residuals(model, x):
    def loss(m):
        pred = m(x)
        return 0.5 * jnp.mean((pred[:, :-1] - x[:, 1:]) ** 2)

    return loss(model), eqx.filter_grad(loss)(model), model.trace(x)[1]


def direct(layer, t, x, n_layers):
    """Loss, residual mean squares and per-field mean squared gradients by plain autodiff."""
    model = deep_rnn(
        jax.random.PRNGKey(0), lambda k: layer(k, t), d_in=x.shape[-1], d_out=x.shape[-1], d_model=4, n_layers=n_layers
    )
    loss, grads, residuals = loss_grads_and_residuals(model, x)

    def mean_sq(leaves):
        return sum(float(jnp.sum(g**2)) for g in leaves) / sum(g.size for g in leaves)

    recurrent = [getattr(block.recurrent, f) for block in grads.layers for f in ("W_z", "b_z", "W_h")]
    everything = jax.tree_util.tree_leaves(eqx.filter(grads, eqx.is_inexact_array))
    ids = {id(g) for g in recurrent}
    other = [g for g in everything if id(g) not in ids]
    W_z = [block.recurrent.W_z for block in grads.layers]
    return float(loss), [float(jnp.mean(r**2)) for r in residuals], mean_sq(W_z), mean_sq(other)


def test_signal_propagation_on_a_user_layer_matches_direct_autodiff(x64, rng):
    x = rng.normal(size=(4, 6, 3))
    result = signal_propagation(min_gru, [1.0, 10.0], x, d_model=4, n_layers=2, batch_size=2)
    assert result.loss.shape == (2, 2) and result.residual.shape == (2, 2, 2)
    assert set(result.gradient) == {"W_z", "b_z", "W_h", "other"}
    for s, t in enumerate([1.0, 10.0]):
        for b in range(2):
            loss, residuals, W_z, other = direct(min_gru, t, jnp.asarray(x[2 * b : 2 * b + 2]), 2)
            np.testing.assert_allclose(result.loss[s, b], loss, rtol=1e-10)
            np.testing.assert_allclose(result.residual[s, b], residuals, rtol=1e-10)
            np.testing.assert_allclose(result.gradient["W_z"][s, b], W_z, rtol=1e-10)
            np.testing.assert_allclose(result.gradient["other"][s, b], other, rtol=1e-10)
    # The hidden state of a layer without hidden_states is its output, and W_z is in every block.
    assert np.all(np.isfinite(result.layer_gradient["W_z"])) and np.all(result.hidden > 0)


def test_float32_agrees_with_float64_and_groups_follow_the_paper(rng):
    x = rng.normal(size=(2, 8, 3)).astype(np.float32)
    r64 = signal_propagation(lru, [1.0, 100.0], x, d_model=4, n_layers=2, batch_size=2)
    r32 = signal_propagation(lru, [1.0, 100.0], x, d_model=4, n_layers=2, batch_size=2, precision="float32")
    assert set(r64.gradient) == {"lambda magnitude", "lambda angle", "other"}
    for group in r64.gradient:
        np.testing.assert_allclose(r32.gradient[group], r64.gradient[group], rtol=1e-3)
    np.testing.assert_allclose(r32.residual, r64.residual, rtol=1e-4)
    assert (
        default_groups(recurrent_layer("complex", jax.random.PRNGKey(0), 4, 2.0))(".eigenvalue_params[1]") == "lambda"
    )
    assert default_groups(recurrent_layer("gru", jax.random.PRNGKey(0), 4, 2.0))(".weight_hh") == "recurrent cell"
    own = signal_propagation(lru, [2.0], x, d_model=4, n_layers=2, batch_size=2, groups=lambda path: "all")
    assert set(own.gradient) == {"all", "other"}


def test_signal_propagation_rejects_bad_inputs(rng):
    with pytest.raises(ValueError, match=r"shape \(N, T, d\).*got shape \(6, 3\)"):
        signal_propagation(lru, [1.0], rng.normal(size=(6, 3)), d_model=4)
    with pytest.raises(ValueError, match="multiple of batch_size"):
        signal_propagation(lru, [1.0], rng.normal(size=(3, 6, 3)), d_model=4, batch_size=2)
    with pytest.raises(ValueError, match="memory_scales"):
        signal_propagation(lru, [], rng.normal(size=(2, 6, 3)), d_model=4, batch_size=2)
    with pytest.raises(ValueError, match="norm"):
        signal_propagation(lru, [1.0], rng.normal(size=(2, 6, 3)), d_model=4, batch_size=2, norm="group")


def test_recurrent_jacobians_match_jacfwd_of_the_unrolled_cell(x64, rng):
    cell = chrono_gru(jax.random.PRNGKey(1), 3, 4, T_min=1, T_max=8, scale_x=1, scale_h=2)
    xs = jnp.asarray(rng.normal(size=(7, 3)))
    h0 = jnp.asarray(rng.normal(size=4))

    def unrolled(h, t):
        for x in xs[:t]:
            h = cell.step(h, x)
        return h

    J = recurrent_jacobians(cell.step, h0, xs, [1, 4, 7])
    for k, t in enumerate([1, 4, 7]):
        np.testing.assert_allclose(J[k], jax.jacfwd(unrolled)(h0, t), rtol=1e-10, atol=1e-14)
    with pytest.raises(ValueError, match=r"steps in \[1, 7\]"):
        recurrent_jacobians(cell.step, h0, xs, [0, 3])
