"""The input settings shared by the signal-propagation experiments (Zucchet & Orvieto 2024,
Figs. 5 and 12-15): `inputs` is "synthetic" (Gaussian embeddings with the autocorrelation of
Sec. 3.8) or the path of a user's `.npy` array of embeddings (N, T, d); `input_seed` seeds the
synthetic ones."""

from __future__ import annotations

from dataclasses import dataclass

from curse_of_memory.errors import ConfigError
from curse_of_memory.harness.settings import Settings, require, setting
from curse_of_memory.tasks.embeddings import embedding_inputs, load_embeddings

INPUTS_ALLOWED = '"synthetic" or the path of a .npy array (N, T, d)'


@dataclass(frozen=True, kw_only=True)
class EmbeddingInputSettings(Settings):
    """What the figures fed with embeddings share; each says how many sequences of how many
    steps it reads (`input_shape`), which a user's array must provide."""

    inputs: str = setting("synthetic", f"the input embeddings: {INPUTS_ALLOWED}")
    input_seed: int = setting(0, "seed of the synthetic inputs", low=0)

    def check(self) -> None:
        require(self.inputs != "", "inputs", INPUTS_ALLOWED, self.inputs)

    def input_shape(self) -> tuple[int, int]:
        """(n, T): the first n sequences and T steps of the inputs that the experiment reads."""
        raise NotImplementedError


def check_input_file(s: EmbeddingInputSettings) -> None:
    """ConfigError unless a user's inputs hold `s.input_shape()` sequences and steps of finite
    floats. The file is read, so this is the experiments' `validate` rather than part of the
    settings' own checks (which run at every copy of the settings)."""
    if s.inputs == "synthetic":
        return
    n, T = s.input_shape()
    try:
        load_embeddings(s.inputs, n, T)
    except ValueError as error:
        raise ConfigError(f"inputs: {error}") from None


def inputs_for(config, n: int, T: int):
    """The (n, T, d) inputs of a unit whose config holds `inputs` and `input_seed`."""
    return embedding_inputs(config["inputs"], n, T, seed=config["input_seed"])
