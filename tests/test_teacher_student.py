from functools import partial

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from curse_of_memory.models import linear_rnn, lru
from curse_of_memory.tasks import teacher_student
from curse_of_memory.tasks.teacher_student import kernel_weights

KEY = jax.random.PRNGKey(3)


@pytest.fixture(scope="module")
def setup():
    with jax.enable_x64(True):
        task = teacher_student(0.9, T=60, batch_size=16)
        student = lru(KEY, 1, 1, 8, nu_min=0.5)
        x = task.sample(jax.random.PRNGKey(1))
    return task, student, x


def test_kernel_loss_equals_running_both_networks(x64, setup):
    """The kernel path is the paper's sampled loss exactly: same inputs, same outputs."""
    task, student, x = setup
    outputs = [jax.vmap(partial(net, method="sequential"))(x) for net in (student, task.teacher)]
    direct = 0.5 * jnp.mean((outputs[0] - outputs[1]) ** 2)
    for method in ("auto", "sequential", "associative"):
        variant = teacher_student(0.9, T=60, batch_size=16, student_method=method)
        loss = eqx.filter_jit(lambda t, s, x: t.loss(s, x))(variant, student, x)
        np.testing.assert_allclose(float(loss), float(direct), rtol=1e-10)


def test_population_loss_is_the_expectation_of_the_sampled_loss(x64, setup):
    task, student, _ = setup
    pop = teacher_student(0.9, T=60, mode="population")
    exact = float(pop.loss(student, pop.sample(KEY)))
    delta = student.kernel(60) - task.teacher_kernel
    np.testing.assert_allclose(
        exact, 0.5 * np.sum(np.asarray(kernel_weights(60)) * np.asarray(delta[:, 0, 0]) ** 2), rtol=1e-12
    )
    big = teacher_student(0.9, T=60, batch_size=20000)
    sampled = float(eqx.filter_jit(lambda t, s, x: t.loss(s, x))(big, student, big.sample(KEY)))
    # 20000 x 60 samples: the relative standard error is well under 1%.
    np.testing.assert_allclose(sampled, exact, rtol=0.03)
    zero = float(pop.zero_predictor_loss())
    np.testing.assert_allclose(
        zero, 0.5 * np.sum(np.asarray(kernel_weights(60)) * np.asarray(task.teacher_kernel[:, 0, 0]) ** 2)
    )


def test_teacher_is_the_same_for_every_training_seed():
    a, b = teacher_student(0.99, T=10), teacher_student(0.99, T=10)
    np.testing.assert_array_equal(np.asarray(a.teacher_kernel), np.asarray(b.teacher_kernel))
    c = teacher_student(0.99, T=10, teacher_seed=7)
    assert not np.allclose(np.asarray(a.teacher_kernel), np.asarray(c.teacher_kernel))


def test_population_mode_needs_a_kernel():
    task = teacher_student(0.5, T=10, mode="population", student_method="sequential")
    with pytest.raises(ValueError, match="kernel"):
        task.loss(linear_rnn(KEY, 1, 1, 4), task.sample(KEY))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"nu0": 1.0}, "nu0"),
        ({"nu0": -0.1}, "nu0"),
        ({"nu0": 0.5, "T": 0}, "T must"),
        ({"nu0": 0.5, "batch_size": 0}, "batch_size"),
        ({"nu0": 0.5, "mode": "exact"}, "mode"),
    ],
)
def test_bad_task_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        teacher_student(**kwargs)
