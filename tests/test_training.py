import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest

from curse_of_memory.models import linear_rnn
from curse_of_memory.tasks import teacher_student
from curse_of_memory.training import learning_rate_at, train_ensemble


def metrics(model, state, lr):
    """The epoch hook of these tests: the scheduled learning rate and the norm of A."""
    return {"lr": lr, "A_norm": jnp.linalg.norm(model.A)}


@pytest.fixture(scope="module")
def trained():
    """Seeds (0, 0, 1) x learning rates (1e-2, 1e4): one ensemble, one compilation."""
    task = teacher_student(0.5, T=20, batch_size=8)
    seen = []
    result = train_ensemble(
        task,
        lambda key: linear_rnn(key, 1, 1, 8),
        seeds=[0, 0, 1],
        learning_rates=[1e-2, 1e4],
        steps=400,
        epoch_metrics=metrics,
        on_progress=lambda done, total: seen.append((done, total)),
    )
    return task, result, seen


def test_shapes_progress_and_learning(trained):
    task, r, seen = trained
    assert r.epoch_loss.shape == (3, 2, 4) and r.final_loss.shape == (3, 2)
    assert r.metrics["grad_norm"].shape == (3, 2, 4) and r.metrics["param_norm"].shape == (3, 2, 4)
    assert seen[-1] == (400, 400) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    zero = float(task.zero_predictor_loss())
    good = r.final_loss[:, 0]
    assert np.all(good < 0.2 * zero) and np.all(r.epoch_loss[:, 0, -1] < r.epoch_loss[:, 0, 0])
    np.testing.assert_allclose(r.validation_loss[:, 0], good, rtol=0.5)
    row = r.member_row(2, 0)
    assert row["diverged"] is False and row["final_loss"] == float(r.final_loss[2, 0]) and len(row["epoch_loss"]) == 4
    assert r.member_row(2, 1)["diverged"] is True


def test_same_seed_same_run_and_different_seed_differs(trained):
    _, r, _ = trained
    np.testing.assert_array_equal(r.epoch_loss[0, 0], r.epoch_loss[1, 0])
    assert not np.allclose(r.epoch_loss[0, 0], r.epoch_loss[2, 0])


def test_divergence_is_flagged_and_contained(trained):
    _, r, _ = trained
    assert r.diverged[:, 1].all() and not r.diverged[:, 0].any()
    assert np.all(np.isfinite(r.final_loss[:, 0]))


def test_epoch_metrics_hook_sees_the_schedule(trained):
    _, r, _ = trained
    expected = [float(learning_rate_at("cosine", 100 * (e + 1), 1e-2, 400)) for e in range(4)]
    np.testing.assert_allclose(r.metrics["lr"][0, 0], expected, rtol=1e-5)


def test_hook_every_k_epochs_matches_the_every_epoch_record(trained):
    """metrics_every=2: the hook runs after epochs 1 and 3 only, the per-epoch records and the
    training itself are unchanged."""
    task, r, _ = trained
    thin = train_ensemble(
        task,
        lambda key: linear_rnn(key, 1, 1, 8),
        seeds=[0, 0, 1],
        learning_rates=[1e-2, 1e4],
        steps=400,
        epoch_metrics=metrics,
        metrics_every=2,
    )
    np.testing.assert_array_equal(thin.epoch_loss, r.epoch_loss)
    np.testing.assert_array_equal(thin.metrics["grad_norm"], r.metrics["grad_norm"])
    assert thin.metrics["A_norm"].shape == (3, 2, 2)
    np.testing.assert_array_equal(thin.metrics["A_norm"], r.metrics["A_norm"][:, :, 1::2])
    np.testing.assert_array_equal(thin.metrics["lr"], r.metrics["lr"][:, :, 1::2])


def test_cosine_schedule_endpoints():
    assert float(learning_rate_at("cosine", 0, 0.1, 1000)) == pytest.approx(0.1)
    assert float(learning_rate_at("cosine", 1000, 0.1, 1000)) == pytest.approx(1e-7)
    assert float(learning_rate_at("cosine", 500, 0.1, 1000)) == pytest.approx((0.1 + 1e-7) / 2)
    assert float(learning_rate_at("constant", 700, 0.1, 1000)) == pytest.approx(0.1)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"steps": 150}, "multiple"),
        ({"steps": 0}, "steps"),
        ({"learning_rates": [0.1, -1.0]}, "learning rate"),
        ({"schedule": "linear"}, "schedule"),
        ({"metrics_every": 3}, "multiple of metrics_every"),
        ({"metrics_every": 0}, "metrics_every"),
    ],
)
def test_bad_training_settings(kwargs, match):
    args = {"seeds": [0], "learning_rates": [0.1], "steps": 200, **kwargs}
    with pytest.raises(ValueError, match=match):
        train_ensemble(teacher_student(0.5, T=5), lambda k: linear_rnn(k, 1, 1, 2), **args)


def clip_recurrent(model):
    """A projection: keep |A| entrywise below 0.1 (module-level, so compilations are reused)."""
    return eqx.tree_at(lambda m: m.A, model, jnp.clip(model.A, -0.1, 0.1))


def test_sgd_and_projection():
    task = teacher_student(0.5, T=10, batch_size=4)
    r = train_ensemble(
        task,
        lambda k: linear_rnn(k, 1, 1, 4),
        seeds=[0],
        learning_rates=[1e-3],
        steps=100,
        optimizer="sgd",
        project=clip_recurrent,
    )
    assert float(jnp.max(jnp.abs(r.models.A))) <= np.float32(0.1)
    assert np.all(np.isfinite(r.final_loss))
    with pytest.raises(ValueError, match="optimizer"):
        train_ensemble(
            task, lambda k: linear_rnn(k, 1, 1, 4), seeds=[0], learning_rates=[1e-3], steps=100, optimizer="lbfgs"
        )
