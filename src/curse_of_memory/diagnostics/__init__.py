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
    "ATTRACTOR_KINDS",
    "DENSE_LIMIT",
    "ExponentialFit",
    "FixedPoints",
    "FlatParameters",
    "Hessian",
    "LossSlice",
    "OrbitDiagram",
    "PerturbationCurve",
    "SecondMoments",
    "SignalPropagation",
    "Smoothness",
    "Spectrum",
    "adam_epoch_metrics",
    "approximation_error",
    "as_float64",
    "as_precision",
    "attractor_kind",
    "autocorrelation",
    "constant_input_map",
    "count_attractors",
    "crossings",
    "default_groups",
    "detect_period",
    "directional_sharpness",
    "dominant_period",
    "effective_learning_rates",
    "effective_learning_rates_by_group",
    "find_adam_state",
    "fit_exponential",
    "fixed_points",
    "flatten_parameters",
    "group_sensitivity",
    "group_weights",
    "growth_rate",
    "hessian",
    "hessian_vector_product",
    "hidden_second_moments",
    "interpolate",
    "largest_lyapunov_exponent",
    "loss_slice",
    "lyapunov_spectrum",
    "memory_function",
    "next_token_loss",
    "numerical_rank",
    "orbit_spread",
    "parameter_groups",
    "participation_ratio",
    "perturbation_error",
    "previous_token_loss",
    "recurrent_jacobians",
    "signal_propagation",
    "smoothness_vs_length",
    "spectrum",
    "top_eigenpairs",
    "top_level_group",
]
