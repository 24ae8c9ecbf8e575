"""Adam's effective learning rate against optax's own update, and recorded during training."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from curse_of_memory.diagnostics import adam_epoch_metrics, effective_learning_rates, find_adam_state
from curse_of_memory.diagnostics.adam import effective_learning_rates_by_group, statistics
from curse_of_memory.models import linear_rnn
from curse_of_memory.tasks import teacher_student
from curse_of_memory.training import train_ensemble


def adam_after_random_steps(lr, steps=7):
    params = {"a": jnp.zeros(3), "b": jnp.zeros((2, 2))}
    opt = optax.adam(lr)
    state = opt.init(params)
    key = jax.random.PRNGKey(0)
    for i in range(steps):
        grads = jax.tree.map(lambda p, i=i: jax.random.normal(jax.random.fold_in(key, i), p.shape) * 3, params)
        _, state = opt.update(grads, state)
    return params, opt, state


def test_effective_rate_is_minus_the_update_for_an_all_ones_gradient():
    lr = 3e-3
    params, opt, state = adam_after_random_steps(lr)
    updates, _ = opt.update(jax.tree.map(jnp.ones_like, params), state)
    eff = effective_learning_rates(state, lr)
    for k in params:
        np.testing.assert_allclose(eff[k], -updates[k], rtol=2e-5)  # float32 op order
    assert int(find_adam_state(state).count) == 7, "the state is left untouched"


def test_ceiling_after_vanishing_gradients_and_negative_rates():
    """Long-vanishing gradients give lr * 0.1 / sqrt(0.001) = lr sqrt(10); m < -1/9 gives eff < 0."""
    zeros = jnp.zeros(4)
    state = optax.ScaleByAdamState(count=jnp.asarray(10**6, jnp.int32), mu=zeros, nu=zeros)
    np.testing.assert_allclose(effective_learning_rates(state, 1e-3), 1e-3 * np.sqrt(10), rtol=1e-4)
    state = optax.ScaleByAdamState(
        count=jnp.asarray(10**6, jnp.int32), mu=jnp.array([-0.2, -0.1, 0.0, 1.0]), nu=jnp.ones(4)
    )
    eff = np.asarray(effective_learning_rates(state, 1.0))
    assert eff[0] < 0 < eff[1]
    stats = statistics(jnp.asarray(eff))
    assert float(stats["nonpositive_fraction"]) == 0.25
    assert float(stats["min"]) == pytest.approx(eff[0])
    log = np.log(np.maximum(eff, 0) + 1e-8)
    assert float(stats["geo_mean"]) == pytest.approx(np.exp(log.mean()), rel=1e-5)
    assert float(stats["geo_std"]) == pytest.approx(np.exp(log.std()), rel=1e-5)


def test_missing_adam_state_is_explained():
    with pytest.raises(ValueError, match="expected one optax ScaleByAdamState"):
        find_adam_state(optax.sgd(0.1).init({"a": jnp.zeros(2)}))


@pytest.mark.slow  # ~50 s on a busy machine; the Fig. 11 test records rates through the same hook
def test_rates_are_recorded_per_group_during_training():
    task = teacher_student(0.9, T=20, batch_size=4)
    result = train_ensemble(
        task,
        lambda k: linear_rnn(k, 1, 1, 4),
        seeds=[0],
        learning_rates=[1e-3, 1e-2],
        steps=200,
        schedule="constant",
        epoch_metrics=adam_epoch_metrics,
        validation_batches=2,
    )
    for group in ("A", "B", "C", "D"):
        for stat in ("geo_mean", "median", "min", "geo_std", "nonpositive_fraction"):
            assert result.metrics[f"eff_lr/{group}/{stat}"].shape == (1, 2, 2)
    # The last epoch's record is the rate computed from the final state.
    for j, lr in enumerate((1e-3, 1e-2)):
        model = jax.tree.map(lambda a, j=j: a[0, j], result.models)
        state = jax.tree.map(lambda a, j=j: a[0, j], result.opt_state)
        by_group = effective_learning_rates_by_group(model, state, lr)
        assert result.metrics["eff_lr/A/median"][0, j, -1] == pytest.approx(float(jnp.median(by_group["A"])), rel=1e-5)
        assert np.all(np.asarray(by_group["D"]) <= lr * np.sqrt(10) * (1 + 1e-5))
