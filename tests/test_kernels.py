"""The fast kernels of linear students (closed-form or two-level powers) against their own
sequential recurrence on an impulse, near |lambda| = 1."""

import jax
import numpy as np
import pytest

from curse_of_memory.models import complex_diagonal_rnn, linear_rnn, lru
from curse_of_memory.models.lti import impulse_response, lag_blocks

KEY = jax.random.PRNGKey(5)
NEAR_ONE = {"nu_min": 0.999, "nu_max": 0.9999}

STUDENTS = {
    "lru": lambda: lru(KEY, 2, 3, 16, **NEAR_ONE),
    "complex diagonal": lambda: complex_diagonal_rnn(KEY, 1, 1, 16, **NEAR_ONE),
    "dense": lambda: linear_rnn(KEY, 2, 3, 16, **NEAR_ONE),
    "multi-head": lambda: linear_rnn(KEY, 1, 1, 16, n_heads=8, **NEAR_ONE),
}


@pytest.mark.parametrize("T", [1, 2, 37, 1000])
@pytest.mark.parametrize("name", list(STUDENTS))
def test_kernel_is_the_impulse_response_of_the_recurrence(x64, name, T):
    student = STUDENTS[name]()
    fast = np.asarray(jax.jit(lambda s: s.kernel(T))(student))
    reference = np.asarray(jax.jit(lambda s: impulse_response(s, T, "sequential"))(student))
    assert fast.shape == (T, student.d_out, student.d_in)
    np.testing.assert_allclose(fast, reference, rtol=0, atol=1e-11 * np.abs(reference).max())


def test_lag_blocks_cover_every_lag():
    for T in (1, 2, 3, 16, 17, 300, 3000):
        s, n = lag_blocks(T)
        assert s * n >= T and s * (n - 1) < T
