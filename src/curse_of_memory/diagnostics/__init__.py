"""Measurements that work on any model: sensitivities, and more as the toolkit grows."""

from curse_of_memory.diagnostics.sensitivity import (
    SecondMoments,
    group_sensitivity,
    hidden_second_moments,
    top_level_group,
)

__all__ = ["SecondMoments", "group_sensitivity", "hidden_second_moments", "top_level_group"]
