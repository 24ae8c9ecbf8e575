"""S(lambda1, lambda2, rho) = d^2 f / d lambda1 d lambda2 = E[dh(lambda1)/dlambda dh(lambda2)/dlambda]
for h_t = lambda h_{t-1} + x_t with real unit-variance AR(1)(rho) inputs (Zucchet & Orvieto
2024, Sec. 3.2; Fig. 8), where f = E[h(lambda1) h(lambda2)] is `two_point_function`.

The default `sensitivity_two_point` differentiates f holomorphically with autodiff, exactly.
`sensitivity_two_point_closed_form` is the exact closed form of the spec, and
`sensitivity_two_point_as_published` the notebook's (`visualization_S.ipynb`), whose
numerator is exact only at rho in {0, 1} (Sec. 7, issue 4). E|dh/dlambda|^2 = S(lambda,
conj(lambda), rho). All functions broadcast over their arguments; use float64.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array

from curse_of_memory.theory.one_dimensional import two_point_function


def _complex(x) -> Array:
    x = jnp.asarray(x)
    return x.astype(jnp.result_type(x.dtype, jnp.complex64))


def sensitivity_two_point(lam1: Array, lam2: Array, rho: Array) -> Array:
    """S by holomorphic automatic differentiation of f (complex output)."""
    lam1, lam2 = _complex(lam1), _complex(lam2)
    rho = jnp.asarray(rho, lam1.real.dtype)

    def f(a, b, r):
        return two_point_function(a, b, r)

    s = jax.grad(jax.grad(f, 0, holomorphic=True), 1, holomorphic=True)
    return jnp.vectorize(s)(lam1, lam2, rho.astype(lam1.dtype))


def _denominator(lam1, lam2, rho):
    return (1 - rho * lam1) ** 2 * (1 - rho * lam2) ** 2 * (1 - lam1 * lam2) ** 3


def sensitivity_two_point_closed_form(lam1: Array, lam2: Array, rho: Array) -> Array:
    """S = N / [(1 - rho l1)^2 (1 - rho l2)^2 (1 - l1 l2)^3] with
    N = 1 + p - 2 rho p s - 4 rho^2 p + 4 rho^2 p^2 + 2 rho^3 p s - rho^4 p^2 (1 + p),
    p = l1 l2, s = l1 + l2."""
    p, s = lam1 * lam2, lam1 + lam2
    N = 1 + p - 2 * rho * p * s - 4 * rho**2 * p + 4 * rho**2 * p**2 + 2 * rho**3 * p * s - rho**4 * p**2 * (1 + p)
    return N / _denominator(lam1, lam2, rho)


def sensitivity_two_point_as_published(lam1: Array, lam2: Array, rho: Array) -> Array:
    """The notebook's S, with numerator
    (1 - rho)(1 + p) + rho^2 (1 - p)^3 - rho (1 - rho) p (2 l1 + 2 l2 - rho p (1 + p)):
    it differs from the exact one by rho (rho - 1)(...), so it is exact at rho = 0 and 1 only."""
    p = lam1 * lam2
    N = (1 - rho) * (1 + p) + rho**2 * (1 - p) ** 3 - rho * (1 - rho) * p * (2 * lam1 + 2 * lam2 - rho * p * (1 + p))
    return N / _denominator(lam1, lam2, rho)
