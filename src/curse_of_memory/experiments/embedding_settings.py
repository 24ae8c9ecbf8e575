"""The `inputs` and `input_seed` settings shared by the signal-propagation experiments
(Zucchet & Orvieto 2024, Figs. 5 and 12-15): "synthetic" (Sec. 3.8) or the path of a user's
`.npy` array of embeddings (N, T, d)."""

from __future__ import annotations

from curse_of_memory.errors import ConfigError
from curse_of_memory.experiments import checks
from curse_of_memory.tasks.embeddings import embedding_inputs, load_embeddings

INPUT_SETTINGS = {"inputs": "synthetic", "input_seed": 0}


def validate_inputs(s, n: int, T: int) -> None:
    """ConfigError unless the inputs give n sequences of T steps (the file is read and checked)."""
    checks.require(
        isinstance(s["inputs"], str) and s["inputs"] != "",
        "inputs",
        '"synthetic" or the path of a .npy array (N, T, d)',
        s["inputs"],
    )
    checks.require(
        isinstance(s["input_seed"], int) and s["input_seed"] >= 0,
        "input_seed",
        "a non-negative integer",
        s["input_seed"],
    )
    if s["inputs"] != "synthetic":
        try:
            load_embeddings(s["inputs"], n, T)
        except ValueError as error:
            raise ConfigError(f"inputs: {error}") from None


def inputs_for(config, n: int, T: int):
    """The (n, T, d) inputs of a unit whose config holds `inputs` and `input_seed`."""
    return embedding_inputs(config["inputs"], n, T, seed=config["input_seed"])
