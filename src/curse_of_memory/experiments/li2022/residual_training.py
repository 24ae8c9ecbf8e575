"""The student and training settings shared by li2022-fig1 and li2022-fig4: residual RNNs
h_{k+1} = h_k + dt sigma(W h_k + U x_k) (full W, one input, one output) trained for a number
of steps over several seeds, 100 steps per epoch by default."""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp

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
    """A residual RNN 1 -> width -> 1 with `activation` (e.g. "linear", "tanh") and step dt,
    drawn by `residual_rnn` and redrawn (from fold_in(key, 1), fold_in(key, 2), ...) until W is
    Hurwitz, max Re eig(W) < 0: the paper's hypothesis space (LHEL-J, Sec. 3) holds only
    stable W. W = -I + G/sqrt(m) has its spectrum in the unit disc around -1 only as m grows; at
    m = 16 seeds 0 and 5 draw eigenvalues at Re 0.16 and 0.48, whose outputs grow 5e6x over
    li2022-fig4's horizon. A stable draw is kept as it is (6 of seeds 0-19 are redrawn)."""

    def draw(i):
        return residual_rnn(jnp.where(i == 0, key, jax.random.fold_in(key, i)), 1, width, activation=activation, dt=dt)

    def unstable(i):
        return jnp.max(jnp.linalg.eigvals(draw(i).W).real) >= 0

    return draw(jax.lax.while_loop(unstable, lambda i: i + 1, 0))
