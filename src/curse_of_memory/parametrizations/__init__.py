"""Eigenvalue parametrizations and input normalizations (real trainable arrays only)."""

from curse_of_memory.parametrizations.eigenvalues import (
    PARAMETRIZATIONS,
    EigenvalueParametrization,
    get_parametrization,
    opt_angle_scale,
    softplus_inverse,
)
from curse_of_memory.parametrizations.normalization import (
    NORMALIZATIONS,
    gamma,
    init_learned_gamma,
    l2_gamma,
)
from curse_of_memory.parametrizations.stable import (
    STABLE_PARAMETRIZATIONS,
    continuous_decay,
    continuous_gradient_scale,
    continuous_raw,
    discrete_eigenvalue,
    discrete_gradient_scale,
)

__all__ = [
    "NORMALIZATIONS",
    "PARAMETRIZATIONS",
    "STABLE_PARAMETRIZATIONS",
    "EigenvalueParametrization",
    "continuous_decay",
    "continuous_gradient_scale",
    "continuous_raw",
    "discrete_eigenvalue",
    "discrete_gradient_scale",
    "gamma",
    "get_parametrization",
    "init_learned_gamma",
    "l2_gamma",
    "opt_angle_scale",
    "softplus_inverse",
]
