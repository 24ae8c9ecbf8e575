"""Typed settings: every field is checked for its type, finiteness and range when built."""

from dataclasses import FrozenInstanceError, dataclass

import pytest

from curse_of_memory.errors import ConfigError
from curse_of_memory.harness.settings import Settings, describe, replace, require, setting


@dataclass(frozen=True, kw_only=True)
class Toy(Settings):
    steps: int = setting(100, "training steps", low=1)
    nu0s: list[float] = setting([0.5, 0.9], "teacher memories", low=0, high=1, high_open=True)
    mode: str = setting("sample", "how the loss is computed", choices=["sample", "exact"])
    grids: dict[str, list[float]] = setting(
        {"lru": [0.1]}, "learning rates per student", choices=["lru", "rnn"], low=0, low_open=True
    )
    angle: float | None = setting(None, "a phase, or none", low=-3.2, high=3.2)
    slack: float = setting(float("inf"), "a bound that may be infinite", low=0, finite=False)

    def check(self):
        require(self.steps % 100 == 0, "steps", "a multiple of 100", self.steps)


def test_defaults_are_checked_and_normalized():
    toy = Toy(nu0s=(0, 0.5), angle=1)
    assert toy.nu0s == [0.0, 0.5] and all(isinstance(v, float) for v in toy.nu0s)
    assert isinstance(toy.angle, float)
    assert toy.pick("steps", "mode") == {"steps": 100, "mode": "sample"}
    with pytest.raises(FrozenInstanceError):
        toy.steps = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    "overrides, words",
    [
        ({"steps": [64, 128]}, ["steps must be a positive integer", "[64, 128]"]),
        ({"steps": 2.0}, ["steps must be a positive integer"]),
        ({"steps": True}, ["steps must be a positive integer"]),
        ({"steps": 150}, ["a multiple of 100"]),
        ({"nu0s": 0.5}, ["nu0s must be a non-empty list of finite numbers in [0, 1)"]),
        ({"nu0s": []}, ["non-empty list"]),
        ({"nu0s": [0.5, float("nan")]}, ["finite numbers"]),
        ({"nu0s": [1.0]}, ["[0, 1)"]),
        ({"mode": "fast"}, ["mode must be one of ['sample', 'exact']"]),
        ({"grids": {"gru": [0.1]}}, ["keys among ['lru', 'rnn']"]),
        ({"grids": {"lru": [0.0]}}, ["grids['lru']", "positive"]),
        ({"angle": "abc"}, ["angle must be a finite number in [-3.2, 3.2] or null", "'abc'"]),
        ({"angle": float("inf")}, ["angle"]),
        ({"slack": -1.0}, ["slack must be a number >= 0"]),
        ({"colour": "red"}, ["no setting 'colour'", "steps"]),
    ],
)
def test_bad_values_name_the_setting_and_what_is_allowed(overrides, words):
    with pytest.raises(ConfigError) as error:
        replace(Toy(), overrides)
    for word in words:
        assert word in str(error.value)


def test_infinity_only_where_allowed():
    assert replace(Toy(), {"slack": float("inf"), "angle": None}).slack == float("inf")


def test_every_field_needs_a_meaning():
    @dataclass(frozen=True, kw_only=True)
    class Bare(Settings):
        n: int = 3

    with pytest.raises(TypeError, match="setting"):
        Bare()


def test_describe_lists_type_value_meaning_and_allowed():
    rows = {row["name"]: row for row in describe(Toy())}
    assert rows["nu0s"] == {
        "name": "nu0s",
        "type": "list[float]",
        "value": "[0.5, 0.9]",
        "meaning": "teacher memories",
        "allowed": "a non-empty list of finite numbers in [0, 1)",
    }
    assert rows["angle"]["type"] == "float | None"
    assert {"profile", "seed", "as_published"} <= set(rows)
