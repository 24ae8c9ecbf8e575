"""The student and training settings shared by li2022-fig1 and li2022-fig4: residual RNNs
h_{k+1} = h_k + dt sigma(W h_k + U x_k) (full W, one input, one output) trained for a number
of steps over several seeds, 100 steps per epoch by default."""

from __future__ import annotations

from dataclasses import dataclass

from curse_of_memory.harness.settings import Settings, require, setting
from curse_of_memory.models import residual_rnn


@dataclass(frozen=True, kw_only=True)
class ResidualTrainingSettings(Settings):
    """Width and step of the residual student, seeds and length of the training runs."""

    width: int = setting(16, "hidden states of the residual RNN", low=1)
    dt: float = setting(0.1, "time step of the residual RNN and of the target", low=0, low_open=True)
    seeds: int = setting(10, "training seeds (seed, seed + 1, ...)", low=1)
    steps: int = setting(40_000, "gradient steps per run", low=1)
    steps_per_epoch: int = setting(100, "gradient steps per recorded epoch", low=1)

    def check(self) -> None:
        require(self.steps % self.steps_per_epoch == 0, "steps", "a multiple of steps_per_epoch", self.steps)

    def seed_list(self) -> list[int]:
        """The training seeds: seed, seed + 1, ..., seed + seeds - 1."""
        return list(range(self.seed, self.seed + self.seeds))


def residual_student(key, *, width: int, dt: float, activation: str):
    """A residual RNN 1 -> width -> 1 with `activation` (e.g. "linear", "tanh") and step dt."""
    return residual_rnn(key, 1, width, activation=activation, dt=dt)
