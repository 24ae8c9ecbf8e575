import jax
import numpy as np
import pytest


@pytest.fixture
def x64():
    """Run the test body with float64 enabled (numerical references are float64)."""
    with jax.enable_x64(True):
        yield


@pytest.fixture
def rng():
    return np.random.default_rng(0)
