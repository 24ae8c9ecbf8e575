"""The students of Fig. 3 (Zucchet & Orvieto 2024, Secs. 5.1 and 5.3), one registry entry each.

Panel B walks from the dense linear RNN to the LRU one change at a time, in the order of
`STUDENTS`: block-diagonal connectivity (2 x 2 blocks), twice the neurons in the same blocks,
a complex diagonal recurrence, gamma normalization, the LRU's exponential parametrization.
Every student maps one input to one output with `d_hidden` states (`more_neurons`: twice
that). LRU-family students start with |lambda| in [nu0, 1); the linear RNNs with the remap to
[0, 1) whatever nu0 (the paper's code). Figs 4, 9 and 10 reuse some of them.

Adding a student = adding one entry to `STUDENTS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import equinox as eqx
from jax import Array

from curse_of_memory.models import complex_diagonal_rnn, diagonal_rnn, linear_rnn, lru


@dataclass(frozen=True)
class Student:
    """label: its name in figures and claims; build(key, nu0, d_hidden, max_phase) -> model;
    learning_rates: the paper's grid (scans/*.yaml); color: its colour in every figure."""

    label: str
    build: Callable[[Array, float, int, float], eqx.Module]
    learning_rates: tuple[float, ...]
    color: str


def _ring(nu0: float, max_phase: float) -> dict:
    return {"nu_min": nu0, "nu_max": 1.0, "max_phase": max_phase}


def _rnn(key, nu0, d_hidden, max_phase):
    return linear_rnn(key, 1, 1, d_hidden, max_phase=max_phase)


def _block_diagonal(key, nu0, d_hidden, max_phase):
    return linear_rnn(key, 1, 1, d_hidden, n_heads=d_hidden // 2, max_phase=max_phase)


def _more_neurons(key, nu0, d_hidden, max_phase):
    return linear_rnn(key, 1, 1, 2 * d_hidden, n_heads=d_hidden, max_phase=max_phase)


def _complex(key, nu0, d_hidden, max_phase):
    return complex_diagonal_rnn(key, 1, 1, d_hidden, **_ring(nu0, max_phase))


def _gamma(key, nu0, d_hidden, max_phase):
    return diagonal_rnn(
        key, 1, 1, d_hidden, parametrization="real_imag", normalization="learned", **_ring(nu0, max_phase)
    )


def _lru(key, nu0, d_hidden, max_phase):
    return lru(key, 1, 1, d_hidden, **_ring(nu0, max_phase))


# Panel B's order: from the dense RNN to the LRU.
STUDENTS: dict[str, Student] = {
    "rnn": Student("RNN", _rnn, (3.2e-3, 1e-3, 3.2e-4, 1e-4, 3.2e-5), "tab:orange"),
    "block_diagonal": Student("block diagonal", _block_diagonal, (1e-2, 3.2e-3, 1e-3, 3.2e-4), "tab:red"),
    "more_neurons": Student("more neurons", _more_neurons, (1e-2, 3.2e-3, 1e-3, 3.2e-4), "tab:purple"),
    "complex": Student("complex diagonal", _complex, (0.1, 0.032, 0.01, 3.2e-3, 1e-3, 3.2e-4, 1e-4), "tab:green"),
    "gamma": Student("+ gamma normalization", _gamma, (0.1, 0.032, 0.01, 3.2e-3, 1e-3, 3.2e-4, 1e-4), "tab:brown"),
    "lru": Student("LRU", _lru, (0.32, 0.1, 0.032, 0.01, 0.0032), "tab:blue"),
}


def student_init(name: str, *, nu0: float, d_hidden: int, max_phase: float) -> Callable[[Array], eqx.Module]:
    """key -> a freshly initialized student `name` (what `train_ensemble` takes)."""
    return partial(STUDENTS[name].build, nu0=nu0, d_hidden=d_hidden, max_phase=max_phase)


def paper_learning_rates() -> dict[str, list[float]]:
    """Every student's paper grid, as a settings value."""
    return {name: list(student.learning_rates) for name, student in STUDENTS.items()}
