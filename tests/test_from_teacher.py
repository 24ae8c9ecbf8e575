"""Students mapped exactly onto a dense linear teacher sit at the optimum (loss at round-off)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from curse_of_memory.models import dense_rnn_from, diagonal_rnn_from, s4d_from
from curse_of_memory.tasks import dense_teacher, white_noise
from curse_of_memory.tasks.teacher_student import TeacherStudent

kernel = eqx.filter_jit(lambda model, T: model.kernel(T))
loss = eqx.filter_jit(lambda task, model, x: task.loss(model, x))

STUDENTS = {
    "dense": dense_rnn_from,
    "complex": diagonal_rnn_from,
    "lru": lambda t: diagonal_rnn_from(t, parametrization="exp", normalization="learned"),
    "polar_l2": lambda t: diagonal_rnn_from(t, parametrization="polar", normalization="l2"),
    "opt_l1": lambda t: diagonal_rnn_from(t, parametrization="opt", normalization="l1"),
    "s4d": s4d_from,
}


@pytest.mark.parametrize(("name", "d"), [(name, 1) for name in STUDENTS] + [("complex", 2), ("s4d", 2)])
def test_students_reproduce_the_teacher_kernel(name, d):
    with jax.enable_x64(True):
        teacher = dense_teacher(jax.random.PRNGKey(42), 0.99, n=6, d_in=d, d_out=d)  # float64
    student = STUDENTS[name](teacher)  # mapped outside x64: must still be exact float64
    with jax.enable_x64(True):
        check_at_teacher(teacher, student, d)


def check_at_teacher(teacher, student, d):
    assert all(a.dtype == jnp.float64 for a in jax.tree.leaves(student))
    T = 300
    K_teacher = np.asarray(kernel(dense_rnn_from(teacher), T))
    np.testing.assert_allclose(np.asarray(kernel(student, T)), K_teacher, atol=1e-11 * np.abs(K_teacher).max())
    task = TeacherStudent(dense_rnn_from(teacher), jnp.asarray(K_teacher), 16, "sample")
    x = white_noise(jax.random.PRNGKey(1), (16, T, d), jnp.float64)
    assert float(loss(task, student, x)) < 1e-22 * float(task.zero_predictor_loss())


def test_the_as_published_s4_mapping_misses_slightly(x64):
    teacher = dense_teacher(jax.random.PRNGKey(42), 0.99, n=4)
    task = TeacherStudent(dense_rnn_from(teacher), kernel(dense_rnn_from(teacher), 300), 16, "sample")
    x = white_noise(jax.random.PRNGKey(1), (16, 300, 1), jnp.float64)
    relative = float(loss(task, s4d_from(teacher, as_published=True), x) / task.zero_predictor_loss())
    assert 1e-16 < relative < 1e-5


def test_bad_requests_are_explained():
    teacher = dense_teacher(jax.random.PRNGKey(0), 0.5, n=2)
    with pytest.raises(ValueError, match="use s4d_from"):
        diagonal_rnn_from(teacher, parametrization="zoh")
    with pytest.raises(ValueError, match="step must be positive"):
        s4d_from(teacher, step=0.0)
