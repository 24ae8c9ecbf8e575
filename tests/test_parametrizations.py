import jax.numpy as jnp
import numpy as np
import pytest

from curse_of_memory.parametrizations import (
    NORMALIZATIONS,
    PARAMETRIZATIONS,
    gamma,
    get_parametrization,
    init_learned_gamma,
    opt_angle_scale,
    softplus_inverse,
)


@pytest.mark.parametrize("name", sorted(PARAMETRIZATIONS))
def test_encode_then_decode_is_identity(x64, rng, name):
    lam = rng.uniform(0.05, 0.9999, 16) * np.exp(1j * rng.uniform(-3.1, 3.1, 16))
    params = get_parametrization(name).encode(jnp.asarray(lam))
    assert all(not jnp.iscomplexobj(p) for p in params), "stored parameters must be real"
    np.testing.assert_allclose(np.asarray(get_parametrization(name).decode(*params)), lam, rtol=1e-10)


def test_exp_parametrization_of_a_real_eigenvalue_has_zero_angle(x64):
    w_nu, w_theta = get_parametrization("exp").encode(jnp.asarray([0.5 + 0j]))
    assert float(get_parametrization("exp").decode(w_nu, w_theta).imag[0]) == 0.0


def test_opt_scale_gives_unit_angle_curvature(x64):
    """E|dh/dtheta|^2 = nu^2 (1 + nu^2) / (1 - nu^2)^2 for normalized white noise (Sec. 3.3):
    the opt coordinate multiplies it by s(nu)^2, which makes it exactly 1."""
    nu = jnp.linspace(0.05, 0.999, 50)
    angle_sensitivity = nu**2 * (1 + nu**2) / (1 - nu**2) ** 2
    np.testing.assert_allclose(np.asarray(angle_sensitivity * opt_angle_scale(nu) ** 2), 1.0, rtol=1e-12)


def test_normalizations(x64):
    lam = jnp.asarray([0.0, 0.6j, 0.99])
    np.testing.assert_allclose(gamma("none", lam), 1.0)
    np.testing.assert_allclose(gamma("l2", lam), np.sqrt(1 - np.abs(lam) ** 2))
    np.testing.assert_allclose(gamma("l1", lam), 1 - np.abs(lam))
    stored = init_learned_gamma(lam, log_stored=True)
    np.testing.assert_allclose(gamma("learned", lam, stored, log_stored=True), np.sqrt(1 - np.abs(lam) ** 2))
    np.testing.assert_allclose(gamma("step", lam, softplus_inverse(jnp.asarray(0.3))), 0.3)
    assert set(NORMALIZATIONS) == {"none", "learned", "l2", "l1", "step"}


def test_bad_names_list_the_choices():
    with pytest.raises(ValueError, match="polar"):
        get_parametrization("cartesian")
    with pytest.raises(ValueError, match="learned"):
        gamma("batchnorm", jnp.ones(2))
