"""Closed-form predictions, so that experiments can put theory next to measurement."""

from curse_of_memory.theory.gru import gru_bias_sensitivity, gru_hidden_variance, leaky_two_point
from curse_of_memory.theory.one_dimensional import (
    hidden_second_moment,
    hidden_second_moment_from_autocorrelation,
    normalized_hidden_second_moment,
    normalized_one_dimensional_loss,
    normalized_sensitivity_as_published,
    normalized_sensitivity_second_moment,
    one_dimensional_loss,
    sensitivity_second_moment,
    sensitivity_second_moment_from_autocorrelation,
    two_point_function,
)

__all__ = [
    "gru_bias_sensitivity",
    "gru_hidden_variance",
    "leaky_two_point",
    "hidden_second_moment",
    "hidden_second_moment_from_autocorrelation",
    "normalized_hidden_second_moment",
    "normalized_one_dimensional_loss",
    "normalized_sensitivity_as_published",
    "normalized_sensitivity_second_moment",
    "one_dimensional_loss",
    "sensitivity_second_moment",
    "sensitivity_second_moment_from_autocorrelation",
    "two_point_function",
]
