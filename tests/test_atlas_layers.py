"""The atlas's new layers (minGRU, selective SSM, gated linear attention, mLSTM): each parallel
form, and what `__call__` computes on this backend, against the sequential definition in
float64, near |decay| = 1 and over long sequences, and the `diagnose` factory contract."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from curse_of_memory.diagnose import check_layer
from curse_of_memory.experiments.atlas.layers import LAYERS, layer_factory
from curse_of_memory.models.gated_linear_attention import gated_linear_attention
from curse_of_memory.models.min_gru import min_gru
from curse_of_memory.models.mlstm import mlstm
from curse_of_memory.models.selective_ssm import selective_ssm

D = 4


def _sequential(layer, x, state):
    """Run layer.step over time in a Python loop (outputs of steps that return (state, y))."""
    out = []
    for x_t in x:
        result = layer.step(state, x_t)
        state, y = result if isinstance(result, tuple) else (result, result)
        out.append(y)
    return jnp.stack(out)


CASES = {
    "min_gru": (min_gru, lambda: jnp.zeros(D)),
    "selective_ssm": (selective_ssm, lambda: jnp.zeros((D, 16))),
    "gla": (gated_linear_attention, lambda: jnp.zeros((D, D))),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize(("t", "T"), [(1.0, 50), (1000.0, 2000)])
def test_parallel_form_equals_the_sequential_definition(name, t, T):
    build, state = CASES[name]
    with jax.enable_x64(True):
        layer = jax.tree.map(lambda a: a.astype(jnp.float64), build(jax.random.PRNGKey(0), D, T_min=t, T_max=2 * t))
        x = jax.random.normal(jax.random.PRNGKey(1), (T, D), jnp.float64)
        fast = getattr(layer, "parallel", layer)(x)  # minGRU's __call__ is its parallel form
        slow = jax.jit(lambda x: jax.lax.scan(lambda s, x_t: _as_pair(layer.step(s, x_t)), state(), x)[1])(x)
        np.testing.assert_allclose(fast, slow, rtol=1e-10, atol=1e-10 * float(jnp.max(jnp.abs(slow))))
        np.testing.assert_allclose(layer(x), slow, rtol=1e-10, atol=1e-10 * float(jnp.max(jnp.abs(slow))))
        if T <= 50:
            np.testing.assert_allclose(fast, _sequential(layer, x, state()), rtol=1e-10, atol=1e-12)


def _as_pair(result):
    return result if isinstance(result, tuple) else (result, result)


@pytest.mark.parametrize(("t", "T"), [(1.0, 60), (1000.0, 600)])
def test_mlstm_parallel_form_equals_the_stabilized_recurrence(t, T):
    with jax.enable_x64(True):
        layer = jax.tree.map(lambda a: a.astype(jnp.float64), mlstm(jax.random.PRNGKey(0), D, T_min=t, T_max=2 * t))
        x = 3 * jax.random.normal(jax.random.PRNGKey(1), (T, D), jnp.float64)  # large input-gate swings
        np.testing.assert_allclose(layer.parallel(x), layer(x), rtol=1e-9, atol=1e-12)
        grads = jax.grad(lambda m: jnp.sum(m(x) ** 2))(layer)
        assert all(bool(jnp.all(jnp.isfinite(g))) for g in jax.tree.leaves(grads))


def test_memory_scale_sets_the_decay_at_zero_input():
    """The chrono convention: retention T / (1 + T) with T in [t, 2t]."""
    t = 100.0
    x = jnp.zeros((1, D))
    z = jax.nn.sigmoid(min_gru(jax.random.PRNGKey(0), D, T_min=t, T_max=2 * t).gate(x))
    assert bool(jnp.all((1 - z >= t / (1 + t) - 1e-6) & (1 - z <= 2 * t / (1 + 2 * t) + 1e-6)))
    gla = gated_linear_attention(jax.random.PRNGKey(0), D, T_min=t, T_max=2 * t)
    alpha = gla._gates(x)[0]
    assert bool(jnp.all((alpha >= t / (1 + t) - 1e-5) & (alpha <= 2 * t / (1 + 2 * t) + 1e-5)))
    ssm = selective_ssm(jax.random.PRNGKey(0), D, T_min=t, T_max=2 * t)
    slowest = ssm._discretized(x[0])[0][:, 0]
    assert bool(jnp.all((slowest >= t / (1 + t) - 1e-5) & (slowest <= 2 * t / (1 + 2 * t) + 1e-5)))


@pytest.mark.parametrize("name", LAYERS)
def test_every_atlas_layer_follows_the_diagnose_contract(name):
    for memory_scale in (1.0, 1000.0):
        check_layer(layer_factory(name, width=6), 6, memory_scale=memory_scale)
