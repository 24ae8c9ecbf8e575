"""Measurements that work on any model: sensitivities, signal propagation, autocorrelations,
recurrent Jacobians."""

from curse_of_memory.diagnostics.autocorrelation import ExponentialFit, autocorrelation, fit_exponential
from curse_of_memory.diagnostics.jacobians import recurrent_jacobians
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

__all__ = [
    "ExponentialFit",
    "SecondMoments",
    "SignalPropagation",
    "autocorrelation",
    "default_groups",
    "fit_exponential",
    "group_sensitivity",
    "hidden_second_moments",
    "next_token_loss",
    "previous_token_loss",
    "recurrent_jacobians",
    "signal_propagation",
    "top_level_group",
]
