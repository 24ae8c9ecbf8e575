"""Measurements that work on any model: sensitivities, curvature, Adam's effective rates,
memory functions, perturbation curves, approximation error against width, signal
propagation at initialization."""

from curse_of_memory.diagnostics.adam import (
    adam_epoch_metrics,
    effective_learning_rates,
    effective_learning_rates_by_group,
    find_adam_state,
)
from curse_of_memory.diagnostics.approximation import approximation_error
from curse_of_memory.diagnostics.hessian import (
    DENSE_LIMIT,
    Hessian,
    Spectrum,
    directional_sharpness,
    group_weights,
    hessian,
    hessian_vector_product,
    numerical_rank,
    participation_ratio,
    spectrum,
    top_eigenpairs,
)
from curse_of_memory.diagnostics.memory_function import memory_function
from curse_of_memory.diagnostics.parameters import FlatParameters, flatten_parameters, parameter_groups
from curse_of_memory.diagnostics.perturbation import PerturbationCurve, crossings, perturbation_error
from curse_of_memory.diagnostics.sensitivity import (
    SecondMoments,
    group_sensitivity,
    hidden_second_moments,
    top_level_group,
)

__all__ = [
    "PerturbationCurve",
    "SecondMoments",
    "approximation_error",
    "crossings",
    "group_sensitivity",
    "hidden_second_moments",
    "memory_function",
    "perturbation_error",
    "DENSE_LIMIT",
    "FlatParameters",
    "Hessian",
    "Spectrum",
    "adam_epoch_metrics",
    "directional_sharpness",
    "effective_learning_rates",
    "effective_learning_rates_by_group",
    "find_adam_state",
    "flatten_parameters",
    "group_weights",
    "hessian",
    "hessian_vector_product",
    "numerical_rank",
    "parameter_groups",
    "participation_ratio",
    "spectrum",
    "top_eigenpairs",
    "top_level_group",
]
