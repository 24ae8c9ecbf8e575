"""Measurements that work on any model: sensitivities, memory functions, perturbation curves,
approximation error against width."""

from curse_of_memory.diagnostics.approximation import approximation_error
from curse_of_memory.diagnostics.memory_function import memory_function
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
    "top_level_group",
]
