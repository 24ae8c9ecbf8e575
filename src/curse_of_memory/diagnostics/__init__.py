"""Measurements that work on any model: sensitivities, loss slices and smoothness, attractors
(periods, fixed points, Lyapunov spectra) and orbit diagrams."""

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
from curse_of_memory.diagnostics.loss_slice import LossSlice, interpolate, loss_slice
from curse_of_memory.diagnostics.lyapunov import largest_lyapunov_exponent, lyapunov_spectrum
from curse_of_memory.diagnostics.orbit_diagram import OrbitDiagram, orbit_spread, snapshots
from curse_of_memory.diagnostics.sensitivity import (
    SecondMoments,
    group_sensitivity,
    hidden_second_moments,
    top_level_group,
)
from curse_of_memory.diagnostics.smoothness import Smoothness, growth_rate, smoothness_vs_length

__all__ = [
    "ATTRACTOR_KINDS",
    "FixedPoints",
    "LossSlice",
    "OrbitDiagram",
    "SecondMoments",
    "Smoothness",
    "attractor_kind",
    "constant_input_map",
    "count_attractors",
    "detect_period",
    "dominant_period",
    "fixed_points",
    "group_sensitivity",
    "growth_rate",
    "hidden_second_moments",
    "interpolate",
    "largest_lyapunov_exponent",
    "loss_slice",
    "lyapunov_spectrum",
    "orbit_spread",
    "smoothness_vs_length",
    "snapshots",
    "top_level_group",
]
