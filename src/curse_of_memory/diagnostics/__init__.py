"""Measurements that work on any model: sensitivities, curvature, Adam's effective rates,
memory functions, perturbation curves, approximation error against width, signal
propagation at initialization, autocorrelations, recurrent Jacobians,
loss slices and smoothness, attractors (periods, fixed points, Lyapunov spectra) and orbit
diagrams."""

from curse_of_memory.diagnostics.adam import (
    adam_epoch_metrics,
    effective_learning_rates,
    effective_learning_rates_by_group,
    find_adam_state,
)
from curse_of_memory.diagnostics.approximation import approximation_error
from curse_of_memory.diagnostics.attractors import (
    ATTRACTOR_KINDS,
    FixedPoints,
    attractor_kind,
    constant_input_map,
    count_attractors,
    detect_period,
    dominant_period,
    fixed_points,
)
from curse_of_memory.diagnostics.autocorrelation import ExponentialFit, autocorrelation, fit_exponential
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
from curse_of_memory.diagnostics.jacobians import recurrent_jacobians
from curse_of_memory.diagnostics.loss_slice import LossSlice, interpolate, loss_slice
from curse_of_memory.diagnostics.lyapunov import largest_lyapunov_exponent, lyapunov_spectrum
from curse_of_memory.diagnostics.memory_function import memory_function
from curse_of_memory.diagnostics.orbit_diagram import OrbitDiagram, orbit_spread
from curse_of_memory.diagnostics.parameters import FlatParameters, flatten_parameters, parameter_groups
from curse_of_memory.diagnostics.perturbation import PerturbationCurve, crossings, perturbation_error
from curse_of_memory.diagnostics.precision import as_float64, as_precision
from curse_of_memory.diagnostics.sensitivity import (
    SecondMoments,
    group_sensitivity,
    hidden_second_moments,
    top_level_group,
)
from curse_of_memory.diagnostics.signal_propagation import (
    SignalPropagation,
    default_groups,
    next_token_loss,
    previous_token_loss,
    signal_propagation,
)
from curse_of_memory.diagnostics.smoothness import Smoothness, growth_rate, smoothness_vs_length

__all__ = [
    "PerturbationCurve",
    "SecondMoments",
    "approximation_error",
    "as_float64",
    "as_precision",
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
    "ExponentialFit",
    "SignalPropagation",
    "autocorrelation",
    "default_groups",
    "fit_exponential",
    "next_token_loss",
    "previous_token_loss",
    "recurrent_jacobians",
    "signal_propagation",
    "ATTRACTOR_KINDS",
    "FixedPoints",
    "LossSlice",
    "OrbitDiagram",
    "Smoothness",
    "attractor_kind",
    "constant_input_map",
    "count_attractors",
    "detect_period",
    "dominant_period",
    "fixed_points",
    "growth_rate",
    "interpolate",
    "largest_lyapunov_exponent",
    "loss_slice",
    "lyapunov_spectrum",
    "orbit_spread",
    "smoothness_vs_length",
    "top_level_group",
]
