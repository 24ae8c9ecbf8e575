"""Measurements that work on any model: sensitivities, and more as the toolkit grows."""

from curse_of_memory.diagnostics.sensitivity import SecondMoments, hidden_second_moments

__all__ = ["SecondMoments", "hidden_second_moments"]
