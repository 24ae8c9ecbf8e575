"""Eigenvalue initializations of Zucchet & Orvieto (2024), Secs. 4.1, 5.1 and 5.3."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Complex, Float, PRNGKeyArray


def check_magnitude_range(nu_min: float, nu_max: float) -> None:
    if not 0 <= nu_min <= nu_max <= 1:
        raise ValueError(f"eigenvalue magnitudes need 0 <= nu_min <= nu_max <= 1, got [{nu_min}, {nu_max}]")


def ring_uniform(key: PRNGKeyArray, n: int, nu_min: float, nu_max: float, max_phase: float) -> Complex[Array, " n"]:
    """n complex eigenvalues uniform over the annulus nu_min <= |lambda| <= nu_max (by area),
    with phase uniform in [-max_phase, max_phase] (Sec. 5.1).

    nu = sqrt(U (nu_max^2 - nu_min^2) + nu_min^2). Returns (n,) complex.
    """
    check_magnitude_range(nu_min, nu_max)
    k_nu, k_theta = jax.random.split(key)
    u = jax.random.uniform(k_nu, (n,))
    nu = jnp.sqrt(u * (nu_max**2 - nu_min**2) + nu_min**2)
    theta = jax.random.uniform(k_theta, (n,), minval=-max_phase, maxval=max_phase)
    return nu * jnp.exp(1j * theta)


def remap_eigenvalues(A0: Float[Array, "k k"], nu_min: float, nu_max: float, max_phase: float) -> Float[Array, "k k"]:
    """Real matrix with the eigenvectors of A0 and remapped eigenvalues (Secs. 4.1 and 5.3).

    Each eigenvalue l of A0 = V diag(l) V^-1 becomes
    l' = (nu_min + (nu_max - nu_min) tanh|l|) exp(i angle(l) max_phase / pi), and the result
    is Re(V diag(l') V^-1). Conjugate pairs stay conjugate, so the real part drops only
    round-off. A0: (k, k) real -> (k, k) real.
    """
    check_magnitude_range(nu_min, nu_max)
    lam, V = jnp.linalg.eig(A0)
    mag = nu_min + (nu_max - nu_min) * jnp.tanh(jnp.abs(lam))
    lam_new = mag * jnp.exp(1j * jnp.angle(lam) * max_phase / jnp.pi)
    return jnp.real(V @ jnp.diag(lam_new) @ jnp.linalg.inv(V)).astype(A0.dtype)
