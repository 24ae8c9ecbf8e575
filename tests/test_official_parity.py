"""Step-level parity with the original code of Zucchet & Orvieto (2024), without it: the
fixture tests/data/official_parity.npz holds numbers the original computed (its teacher, the
initial LRU and dense RNN of seed 2023, a batch, their loss and gradient, one Adam step after
an epoch), written by bench/official_parity.py --fixture."""

from pathlib import Path

import numpy as np
import pytest

from curse_of_memory.training.step_parity import step_errors, teacher_error

FIXTURE = Path(__file__).parent / "data" / "official_parity.npz"


@pytest.fixture(scope="module")
def original():
    return dict(np.load(FIXTURE))


def test_the_teacher_is_the_originals(original):
    # Bit-identical on one CPU, not across CPUs: the teacher is built by float32 linear algebra
    # whose rounding depends on the machine (1.7e-6 between the fixture's machine and another).
    assert teacher_error(original) <= 1e-5


@pytest.mark.parametrize("kind", ["lru", "rnn"])
def test_loss_gradient_and_adam_step_match_the_original(original, kind):
    errors = step_errors(original, kind)
    assert errors["loss"] <= 1e-6, errors  # same parameters, batch and targets: float32 rounding
    assert errors["teacher_loss"] <= 1e-4, errors  # our teacher's targets (a float32 convolution)
    assert errors["gradient"] <= 1e-5, errors
    assert errors["update"] <= 1e-4, errors  # relative to the step itself


def test_a_wrong_state_is_detected(original):
    """The checks can fail: a perturbed Adam moment moves the update off the original's."""
    broken = dict(original)
    name = "lru/adam/0/mu/params/lambda"
    broken[name] = original[name] * 1.01
    assert step_errors(broken, "lru")["update"] > 1e-3
