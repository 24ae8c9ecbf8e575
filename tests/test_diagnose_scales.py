"""A diagnosis checks the user's factory at every memory scale it will use, before it runs."""

import pytest

from curse_of_memory.diagnose import diagnosis
from curse_of_memory.errors import ConfigError
from curse_of_memory.models import lru


def only_short_memories(key, memory_scale):
    """An LRU layer of width 4 that cannot be built beyond memory scale 10."""
    if memory_scale > 10:
        raise ValueError("memory scale too large")
    return lru(key, 4, 4, 8, nu_min=1 - 1 / memory_scale)


def test_a_factory_failing_at_a_larger_memory_scale_is_bad_input_before_the_run():
    exp = diagnosis(only_short_memories, "short")
    assert exp.settings("quick", overrides={"width": 4, "memory_scales": [1.0, 10.0]}).width == 4
    with pytest.raises(ConfigError, match=r"memory_scale=31\.6.*memory scale too large"):
        exp.settings("quick", overrides={"width": 4, "memory_scales": [1.0, 10.0, 10**1.5]})
