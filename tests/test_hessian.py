"""Hessians, spectra and Hessian-vector products against dense float64 references."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from curse_of_memory.diagnostics import (
    directional_sharpness,
    flatten_parameters,
    group_weights,
    hessian,
    numerical_rank,
    parameter_groups,
    participation_ratio,
    spectrum,
    top_eigenpairs,
)
from curse_of_memory.models import complex_diagonal_rnn, dense_rnn_from, diagonal_rnn_from, linear_rnn, lru
from curse_of_memory.tasks import dense_teacher, white_noise
from curse_of_memory.tasks.teacher_student import TeacherStudent

KEY = jax.random.PRNGKey(0)


def small_task(n=3, T=60, batch=8, nu0=0.8):
    """A float64 teacher-student task and one fixed batch (call inside x64)."""
    teacher = dense_rnn_from(dense_teacher(jax.random.PRNGKey(3), nu0, n=n))
    task = TeacherStudent(teacher, teacher.kernel(T), batch, "sample")
    x = white_noise(jax.random.PRNGKey(1), (batch, T, 1), jnp.float64)
    return task, x


def finite_difference_jacobian(f, x, eps=1e-5):
    """Central differences of a vector function of a float64 vector: J[i, j] = df_i/dx_j."""
    x = np.asarray(x, np.float64)
    columns = []
    for j in range(x.size):
        step = eps * max(1.0, abs(x[j]))
        e = np.zeros_like(x)
        e[j] = step
        columns.append((np.asarray(f(jnp.asarray(x + e))) - np.asarray(f(jnp.asarray(x - e)))) / (2 * step))
    return np.stack(columns, axis=1)


def test_group_names_are_ordered_and_label_real_and_imaginary_parts():
    assert list(parameter_groups(linear_rnn(KEY, 1, 1, 4))) == ["A", "B", "C", "D"]
    model = complex_diagonal_rnn(KEY, 1, 1, 3)
    assert list(parameter_groups(model)) == ["lambda_re", "lambda_im", "B_re", "B_im", "C_re", "C_im", "D"]
    np.testing.assert_array_equal(parameter_groups(model)["lambda_im"], np.imag(model.eigenvalues()))
    assert list(parameter_groups(lru(KEY, 1, 1, 3)))[:3] == ["lambda_log_neg_log_nu", "lambda_log_theta", "gamma_param"]


def test_flatten_round_trips_and_keeps_the_requested_order():
    model = complex_diagonal_rnn(KEY, 1, 1, 3)
    flat = flatten_parameters(model, ["D", "lambda_im"])
    assert flat.labels == ("D", "lambda_im", "lambda_im", "lambda_im")
    assert flat.groups == (("D", 1), ("lambda_im", 3))
    moved = flat.unflatten(flat.values + 1.0)
    np.testing.assert_allclose(moved.D, model.D + 1)
    np.testing.assert_allclose(moved.eigenvalue_params[1], model.eigenvalue_params[1] + 1)
    np.testing.assert_array_equal(moved.B_re, model.B_re)


def test_bad_groups_and_oversized_dense_requests_are_explained():
    model = linear_rnn(KEY, 1, 1, 8)
    with pytest.raises(
        ValueError, match=r"unknown parameter group\(s\) \['lambda_re'\]; this model has \['A', 'B', 'C', 'D'\]"
    ):
        hessian(lambda m: jnp.sum(m.A**2), model, groups=["lambda_re"])
    with pytest.raises(ValueError, match=r"exceeds max_params = 50.*top_eigenpairs"):
        hessian(lambda m: jnp.sum(m.A**2), model, max_params=50)


@pytest.mark.parametrize(
    "make",
    [lambda k: linear_rnn(k, 1, 1, 3), pytest.param(lambda k: lru(k, 1, 1, 3, nu_min=0.5), marks=pytest.mark.slow)],
)
def test_hessian_matches_finite_differences_of_the_gradient(x64, make):
    task, x = small_task()
    model = make(KEY)
    H = hessian(lambda m: task.loss(m, x), model)
    flat = flatten_parameters(model, dtype=jnp.float64)
    grad = jax.jit(jax.grad(lambda v: task.loss(flat.unflatten(v), x)))
    np.testing.assert_allclose(
        H.matrix, finite_difference_jacobian(grad, flat.values), rtol=1e-5, atol=1e-6 * np.abs(H.matrix).max()
    )
    assert H.labels == flat.labels


def test_a_chosen_group_is_the_matching_block_of_the_full_hessian(x64):
    task, x = small_task()
    model = complex_diagonal_rnn(KEY, 1, 1, 3, nu_min=0.5)
    full = hessian(lambda m: task.loss(m, x), model)
    part = hessian(lambda m: task.loss(m, x), model, groups=["D", "lambda_re"])
    rows = [full.labels.index("D"), *[i for i, g in enumerate(full.labels) if g == "lambda_re"]]
    np.testing.assert_allclose(part.matrix, full.matrix[np.ix_(rows, rows)], rtol=1e-12)


@pytest.mark.parametrize("student", ["dense", "complex", pytest.param("lru", marks=pytest.mark.slow)])
def test_hessian_at_the_teacher_has_rank_2n_plus_1(x64, student):
    """Sec. 3.5: a SISO system with n states has 2n + 1 transfer-function degrees of freedom."""
    n = 3
    task, x = small_task(n=n)
    model = {
        "dense": dense_rnn_from,
        "complex": diagonal_rnn_from,
        "lru": lambda t: diagonal_rnn_from(t, parametrization="exp", normalization="learned"),
    }[student](task.teacher)
    assert float(task.loss(model, x)) < 1e-24
    values = spectrum(hessian(lambda m: task.loss(m, x), model).matrix).eigenvalues
    assert numerical_rank(values, rtol=1e-9) == 2 * n + 1
    assert values[2 * n] / values[0] > 1e-6 > 1e-12 > np.abs(values[2 * n + 1]) / values[0]


def test_top_eigenpairs_and_sharpness_match_the_dense_hessian(x64):
    task, x = small_task()
    model = linear_rnn(KEY, 1, 1, 8)  # 81 parameters

    def loss(m):
        return task.loss(m, x)

    dense = spectrum(hessian(loss, model).matrix)
    top = top_eigenpairs(loss, model, k=4)
    np.testing.assert_allclose(top.eigenvalues, dense.eigenvalues[:4], rtol=1e-8)
    overlaps = np.abs(np.sum(top.eigenvectors * dense.eigenvectors[:, :4], axis=0))
    np.testing.assert_allclose(overlaps, 1, atol=1e-6)
    flat = flatten_parameters(model, dtype=jnp.float64)
    g = np.asarray(jax.grad(lambda v: loss(flat.unflatten(v)))(flat.values))
    H = hessian(loss, model).matrix
    assert directional_sharpness(loss, model) == pytest.approx(g @ H @ g / (g @ g), rel=1e-9)
    d = np.random.default_rng(0).normal(size=g.size)
    assert directional_sharpness(loss, model, d) == pytest.approx(d @ H @ d / (d @ d), rel=1e-9)
    with pytest.raises(ValueError, match="direction has 3 entries"):
        directional_sharpness(loss, model, np.ones(3))


def test_spectrum_tools_on_known_matrices():
    values = np.array([5.0, 1.0, 1e-3, 1e-13, -1e-14])
    Q = np.linalg.qr(np.random.default_rng(0).normal(size=(5, 5)))[0]
    s = spectrum(Q @ np.diag(values) @ Q.T)
    np.testing.assert_allclose(s.eigenvalues, values, atol=1e-12)
    assert numerical_rank(s.eigenvalues, rtol=1e-8) == 3
    assert numerical_rank(np.zeros(3)) == 0
    np.testing.assert_allclose(participation_ratio(np.eye(4)), 1)
    assert participation_ratio(np.ones(9)) == pytest.approx(9)
    weights = group_weights(np.array([[3.0, 0.0], [4.0, 1.0], [0.0, 0.0]]), ["a", "b", "b"])
    np.testing.assert_allclose(weights["a"], [0.36, 0.0])
    np.testing.assert_allclose(weights["b"], [0.64, 1.0])


def test_hessian_works_on_any_equinox_module():
    class Quadratic(eqx.Module):
        w: jax.Array
        v: jax.Array

    M = np.array([[2.0, 1.0], [1.0, 3.0]])
    model = Quadratic(jnp.ones(2), jnp.ones(1))
    H = hessian(lambda m: 0.5 * m.w @ jnp.asarray(M) @ m.w + jnp.sum(m.v**4), model)
    np.testing.assert_allclose(H.matrix, [[2, 1, 0], [1, 3, 0], [0, 0, 12]], atol=1e-12)
    assert H.groups == (("w", 2), ("v", 1))
