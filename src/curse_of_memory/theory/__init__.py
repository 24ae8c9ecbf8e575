"""Closed-form predictions, so that experiments can put theory next to measurement."""

from curse_of_memory.theory.diagonal_hessian import diagonal_rnn_hessian
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
from curse_of_memory.theory.parametrized_loss import (
    LANDSCAPE_PARAMETRIZATIONS,
    coordinate_curvature,
    coordinate_loss,
    optimum_curvatures,
)
from curse_of_memory.theory.two_point import (
    sensitivity_two_point,
    sensitivity_two_point_as_published,
    sensitivity_two_point_closed_form,
)

__all__ = [
    "LANDSCAPE_PARAMETRIZATIONS",
    "coordinate_curvature",
    "coordinate_loss",
    "diagonal_rnn_hessian",
    "gru_bias_sensitivity",
    "gru_hidden_variance",
    "hidden_second_moment",
    "hidden_second_moment_from_autocorrelation",
    "leaky_two_point",
    "normalized_hidden_second_moment",
    "normalized_one_dimensional_loss",
    "normalized_sensitivity_as_published",
    "normalized_sensitivity_second_moment",
    "one_dimensional_loss",
    "optimum_curvatures",
    "sensitivity_second_moment",
    "sensitivity_second_moment_from_autocorrelation",
    "sensitivity_two_point",
    "sensitivity_two_point_as_published",
    "sensitivity_two_point_closed_form",
    "two_point_function",
]
