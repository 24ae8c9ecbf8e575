from functools import partial

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from curse_of_memory.models import (
    complex_diagonal_rnn,
    diagonal_rnn,
    impulse_response,
    linear_rnn,
    lru,
    s4d,
)
from curse_of_memory.tasks import dense_teacher
from reference import convolution_loop

KEY = jax.random.PRNGKey(0)


def n_params(model):
    return sum(a.size for a in jax.tree.leaves(eqx.filter(model, eqx.is_inexact_array)))


def test_parameter_counts_match_the_paper():
    """Sanity counts of Sec. 5 at d = 64, d_in = d_out = 1."""
    assert n_params(lru(KEY, 1, 1, 64)) == 449
    assert n_params(complex_diagonal_rnn(KEY, 1, 1, 64)) == 385
    assert n_params(linear_rnn(KEY, 1, 1, 64)) == 4225
    assert n_params(linear_rnn(KEY, 1, 1, 64, n_heads=32)) == 257
    assert n_params(linear_rnn(KEY, 1, 1, 128, n_heads=64)) == 513
    assert n_params(s4d(KEY, 1, 1, 4)) == 29


MODELS = {
    "lru": partial(lru, nu_min=0.99),
    "complex": partial(complex_diagonal_rnn, nu_min=0.9),
    "gamma_l2": partial(diagonal_rnn, parametrization="polar", normalization="l2", nu_min=0.5),
    "opt_l1": partial(diagonal_rnn, parametrization="opt", normalization="l1", nu_min=0.5),
    "s4d": partial(s4d, nu_min=0.9),
    "s4d_shared": partial(s4d, nu_min=0.9, shared_step=True),
    "dense": linear_rnn,
    "heads": partial(linear_rnn, n_heads=4),
}


@pytest.mark.parametrize("name", MODELS)
def test_kernel_forward_and_recurrences_agree(x64, rng, name):
    model = MODELS[name](KEY, 2, 3, 8)
    T = 200
    K = np.asarray(jax.jit(lambda m: m.kernel(T))(model))
    assert K.shape == (T, 3, 2)
    np.testing.assert_allclose(K, np.asarray(jax.jit(lambda m: impulse_response(m, T))(model)), rtol=1e-9, atol=1e-12)
    x = rng.normal(size=(T, 2))
    ref = convolution_loop(K, x[None])[0].real
    for method in ("auto", "convolution", "sequential", "associative"):
        y = jax.jit(lambda m, x, method=method: m(x, method=method))(model, jnp.asarray(x))
        np.testing.assert_allclose(np.asarray(y), ref, rtol=1e-8, atol=1e-10 * np.abs(ref).max())


def test_trainable_leaves_are_real():
    for build in MODELS.values():
        leaves = jax.tree.leaves(eqx.filter(build(KEY, 1, 1, 8), eqx.is_array))
        assert leaves and all(not jnp.iscomplexobj(a) for a in leaves)


def test_lru_initialization_ring_and_gamma(x64):
    model = lru(KEY, 1, 1, 4096, nu_min=0.9, nu_max=0.99, max_phase=0.5)
    lam = np.asarray(model.eigenvalues())
    assert np.all((np.abs(lam) >= 0.9 - 1e-12) & (np.abs(lam) <= 0.99 + 1e-12))
    # Ring-uniform by area: the median of |lambda|^2 is the middle of [0.81, 0.9801].
    np.testing.assert_allclose(np.median(np.abs(lam) ** 2), (0.81 + 0.9801) / 2, atol=0.01)
    angle = np.angle(lam)
    assert np.all(np.abs(angle) <= 0.5 + 1e-9) and angle.min() < -0.45 and angle.max() > 0.45
    np.testing.assert_allclose(np.asarray(model.gamma()), np.sqrt(1 - np.abs(lam) ** 2), rtol=1e-9)


def test_dense_student_and_teacher_eigenvalue_remap(x64):
    student = linear_rnn(KEY, 1, 1, 64)
    mags = np.abs(np.linalg.eigvals(np.asarray(student.A[0])))
    assert mags.max() < np.tanh(10) and mags.min() >= 0
    teacher = dense_teacher(KEY, 0.9)
    mags = np.abs(np.linalg.eigvals(np.asarray(teacher.A[0])))
    # [nu0, nu0 + (1 - nu0) tanh|l|] with |l| of a N(0, 1/n) matrix: at most about 0.76 (1 - nu0).
    assert np.all(mags >= 0.9 - 1e-9) and np.all(mags < 0.9 + 0.1 * np.tanh(3))
    assert teacher.A.shape == (1, 10, 10) and teacher.B.shape == (10, 1)


def test_bad_model_arguments():
    with pytest.raises(ValueError, match="divisible"):
        linear_rnn(KEY, 1, 1, 10, n_heads=3)
    with pytest.raises(ValueError, match="nu_min"):
        lru(KEY, 1, 1, 8, nu_min=0.9, nu_max=0.5)
    with pytest.raises(ValueError, match="zoh"):
        diagonal_rnn(KEY, 1, 1, 8, normalization="step")
    with pytest.raises(ValueError, match="positive"):
        lru(KEY, 1, 1, 8).kernel(0)
