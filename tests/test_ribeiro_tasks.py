"""The sine generator and symbol classification tasks of Ribeiro et al. (2020), Sec. 6."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from curse_of_memory.tasks import sine_generator, symbol_classification, symbol_sequences


def test_sine_generator_data():
    task = sine_generator()
    omegas = np.asarray(task.omegas, np.float64)
    np.testing.assert_allclose(omegas[[0, -1]], [np.pi / 16, np.pi / 8], rtol=1e-6)
    assert task.inputs.shape == (100, 400, 1) and task.targets.shape == (100, 400, 1)
    np.testing.assert_array_equal(np.asarray(task.inputs[7, :, 0]), np.full(400, task.omegas[7]))
    k = np.arange(400)
    np.testing.assert_allclose(np.asarray(task.targets[:, :, 0]), np.sin(omegas[:, None] * (k + 1)), atol=2e-5)
    batch = np.asarray(task.sample(jax.random.PRNGKey(0)))
    assert batch.shape == (10,) and len(set(batch.tolist())) == 10 and batch.max() < 100


def test_sine_loss_is_the_summed_squared_error():
    task = sine_generator(n_sequences=5, T=30, batch_size=2)
    model = lambda x: 0.5 * jnp.sin(x * 3.0)  # noqa: E731  any map (T, 1) -> (T, 1)
    batch = jnp.array([4, 1])
    want = sum(
        np.sum((0.5 * np.sin(np.asarray(task.inputs[b]) * 3.0) - np.asarray(task.targets[b])) ** 2) for b in (4, 1)
    )
    np.testing.assert_allclose(float(jax.jit(lambda b: task.loss(model, b))(batch)), want, rtol=1e-5)
    zero = float(jax.jit(lambda b: task.loss(jnp.zeros_like, b))(jnp.arange(2)))
    assert 0.4 < zero / (2 * 30) < 0.6  # the trivial predictor: ~1/2 per element


def test_symbol_sequences_place_each_relevant_symbol_once():
    symbols, labels = symbol_sequences(2, 1000)
    assert symbols.shape == (1000, 200)
    relevant = symbols < 2
    assert np.all(relevant.sum(1) == 2)
    first, second = np.argmax(relevant, 1), 199 - np.argmax(relevant[:, ::-1], 1)
    assert first.min() >= 9 and first.max() <= 18 and second.min() >= 39 and second.max() <= 48
    rows = np.arange(1000)
    np.testing.assert_array_equal(labels, 2 * symbols[rows, first] + symbols[rows, second])
    counts = np.bincount(labels, minlength=4)
    assert counts.min() > 200 and counts.max() < 300  # roughly uniform over 4 classes
    assert set(np.unique(symbols[~relevant])) == {2, 3, 4, 5}
    again, _ = symbol_sequences(2, 1000)
    other, _ = symbol_sequences(3, 1000)
    np.testing.assert_array_equal(symbols, again)
    assert not np.array_equal(symbols, other)
    with pytest.raises(ValueError, match="at least 49"):
        symbol_sequences(2, 10, T=40)


def test_symbol_loss_and_accuracy():
    task = symbol_classification(seed=2, n=40, T=60, batch_size=8)
    assert task.inputs.shape == (40, 60, 6) and np.all(np.asarray(task.inputs).sum(-1) == 1)

    # A "model" reading the label from the input itself (positions are not fixed: sum the windows).
    def oracle(x):
        a1 = jnp.sum(x[9:19, 1])
        a2 = jnp.sum(x[39:49, 1])
        logits = 2.0 * jax.nn.one_hot((2 * a1 + a2).astype(jnp.int32), 4)
        return jnp.broadcast_to(logits, (x.shape[0], 4))

    assert float(jax.jit(lambda: task.accuracy(oracle))()) == 1.0
    batch = jnp.arange(8)
    logits = np.asarray(jax.vmap(oracle)(task.inputs[:8])[:, -1], np.float64)
    log_softmax = logits - np.log(np.sum(np.exp(logits), 1, keepdims=True))
    want = -np.sum(log_softmax[np.arange(8), np.asarray(task.labels[:8])])
    np.testing.assert_allclose(float(jax.jit(lambda b: task.loss(oracle, b))(batch)), want, rtol=1e-4)
    with pytest.raises(ValueError, match="batch_size"):
        symbol_classification(n=10, batch_size=20)
