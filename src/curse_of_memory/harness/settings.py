"""Typed experiment settings: one frozen dataclass per experiment, checked when built.

An experiment declares its settings as a subclass of `Settings` whose fields are made by
`setting(default, meaning, ...)`: a type (from the annotation), a one-line meaning and the
allowed values (a range, names, finiteness). The defaults are the paper's protocol (the
`full` profile); the `quick` profile replaces a few of them. Building an instance checks
every field, so bad values (from a profile, `--set` or Python) fail with a `ConfigError`
naming the setting and what is allowed, before anything runs:

    @dataclass(frozen=True, kw_only=True)
    class Fig8(Settings):
        rhos: list[float] = setting([0.0, 1.0], "input autocorrelations", low=0, high=1)
        nu_points: int = setting(200, "grid points in |lambda|", low=3)

Supported types: int, float, bool, str (with `choices`), `list[T]`, `dict[str, T]` and
`T | None`. Integers are accepted where floats are expected (and stored as floats);
booleans are never numbers; NaN and infinities are refused unless `finite=False`.
Cross-field rules go in the subclass's `check()`, which raises with `require`.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import types
import typing
from dataclasses import dataclass
from typing import Any

from curse_of_memory.errors import ConfigError

PROFILES = ("quick", "full")


def setting(
    default: Any,
    meaning: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    choices: typing.Iterable[str] | None = None,
    finite: bool = True,
    min_items: int = 1,
) -> Any:
    """A settings field: its default, one-line meaning and allowed values.

    low, high: bounds of every number in the value (closed unless low_open / high_open).
    choices: the allowed strings (items of lists, keys of dicts).
    finite: refuse NaN and infinities. min_items: the least length of a list or dict.
    """
    rule = _Rule(
        meaning, low, high, low_open, high_open, tuple(choices) if choices is not None else None, finite, min_items
    )
    metadata = {"rule": rule}
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda: copy.deepcopy(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True)
class _Rule:
    meaning: str
    low: float | None
    high: float | None
    low_open: bool
    high_open: bool
    choices: tuple[str, ...] | None
    finite: bool
    min_items: int

    def range_text(self) -> str:
        if self.low is None and self.high is None:
            return ""
        if self.high is None:
            return f" {'>' if self.low_open else '>='} {self.low:g}"
        if self.low is None:
            return f" {'<' if self.high_open else '<='} {self.high:g}"
        return f" in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if self.high_open else ']'}"

    def in_range(self, x: float) -> bool:
        if self.low is not None and (x <= self.low if self.low_open else x < self.low):
            return False
        return not (self.high is not None and (x >= self.high if self.high_open else x > self.high))


@dataclass(frozen=True, kw_only=True)
class Settings:
    """What every experiment has: the profile, the base seed and the as-published switch."""

    profile: str = setting("full", "the profile these settings start from", choices=PROFILES)
    seed: int = setting(0, "base seed: every random key of the run derives from it")
    as_published: bool = setting(False, "reproduce the original code's documented quirks")

    def __post_init__(self):
        hints = typing.get_type_hints(type(self))
        for field in dataclasses.fields(self):
            rule = field.metadata.get("rule")
            if rule is None:
                raise TypeError(f"{type(self).__name__}.{field.name} must be declared with setting(...)")
            value = _checked(field.name, getattr(self, field.name), hints[field.name], rule)
            object.__setattr__(self, field.name, value)
        self.check()

    def check(self) -> None:
        """Rules across fields; subclasses raise with `require`."""

    def to_json(self) -> dict[str, Any]:
        """Every field as plain JSON values."""
        return dataclasses.asdict(self)

    def pick(self, *names: str) -> dict[str, Any]:
        """The named fields as a dict (what a unit's configuration copies from the settings)."""
        return {name: copy.deepcopy(getattr(self, name)) for name in names}


def replace(settings: Settings, overrides: typing.Mapping[str, Any]) -> Settings:
    """`settings` with some fields replaced; an unknown name lists the valid ones."""
    names = [f.name for f in dataclasses.fields(settings)]
    for key in overrides:
        if key not in names:
            raise ConfigError(f"no setting {key!r}; the settings are {', '.join(sorted(names))}")
    return dataclasses.replace(settings, **overrides)


def describe(settings: Settings) -> list[dict[str, str]]:
    """One row per field: name, type, value (as JSON, what `--set` takes), meaning, allowed values
    (what `show` prints)."""
    hints = typing.get_type_hints(type(settings))
    rows = []
    for field in dataclasses.fields(settings):
        rule = field.metadata["rule"]
        rows.append(
            {
                "name": field.name,
                "type": _type_name(hints[field.name]),
                "value": json.dumps(getattr(settings, field.name)),
                "meaning": rule.meaning,
                "allowed": _allowed(hints[field.name], rule),
            }
        )
    return rows


def require(ok: bool, name: str, allowed: str, value: Any) -> None:
    """Raise ConfigError("NAME must be ALLOWED, got VALUE") unless ok."""
    if not ok:
        raise ConfigError(f"{name} must be {allowed}, got {value!r}")


# --- checking values against their annotated types ------------------------------------------------


def _checked(name: str, value: Any, hint: Any, rule: _Rule) -> Any:
    """`value` normalized to `hint` (ints to floats, tuples to lists), or ConfigError."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        try:
            return _checked(name, value, inner, rule)
        except ConfigError:
            raise ConfigError(f"{name} must be {_allowed(hint, rule)}, got {value!r}") from None
    fail = ConfigError(f"{name} must be {_allowed(hint, rule)}, got {value!r}")
    if origin is list:
        if not isinstance(value, (list, tuple)) or len(value) < rule.min_items:
            raise fail
        return [_leaf(name, v, args[0], rule, fail) for v in value]
    if origin is dict:
        if not isinstance(value, dict) or len(value) < rule.min_items:
            raise fail
        for key in value:
            _leaf(name, key, str, rule, fail)
        return {
            k: _checked(f"{name}[{k!r}]", v, args[1], dataclasses.replace(rule, choices=None, min_items=1))
            for k, v in value.items()
        }
    return _leaf(name, value, hint, rule, fail)


def _leaf(name: str, value: Any, hint: Any, rule: _Rule, fail: ConfigError) -> Any:
    if typing.get_origin(hint) is not None:  # a nested container, e.g. list[list[float]]
        return _checked(name, value, hint, dataclasses.replace(rule, min_items=1))
    if hint is bool:
        if not isinstance(value, bool):
            raise fail
        return value
    if hint is str:
        if not isinstance(value, str) or (rule.choices is not None and value not in rule.choices):
            raise fail
        return value
    if hint in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail
        if hint is int and not isinstance(value, int):
            raise fail
        if isinstance(value, float) and rule.finite and not math.isfinite(value):
            raise fail
        if not rule.in_range(value):
            raise fail
        return float(value) if hint is float else value
    raise TypeError(f"unsupported settings type {hint!r} for {name}")


def _type_name(hint: Any) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_name(a) for a in args)
    if origin is not None:
        return f"{origin.__name__}[{', '.join(_type_name(a) for a in args)}]"
    return "None" if hint is type(None) else hint.__name__


def _allowed(hint: Any, rule: _Rule) -> str:
    """What a value of `hint` under `rule` may be, in words."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in args if a is not type(None)]
        return f"{_allowed(inner, rule)} or null"
    if origin is list:
        size = {0: "a list of", 1: "a non-empty list of"}.get(rule.min_items, f"a list of at least {rule.min_items}")
        return f"{size} {_plural(args[0], rule)}"
    if origin is dict:
        keys = f" (keys among {list(rule.choices)})" if rule.choices else ""
        return f"a mapping from names{keys} to {_allowed(args[1], dataclasses.replace(rule, choices=None))}"
    if hint is bool:
        return "true or false"
    if hint is str:
        return f"one of {list(rule.choices)}" if rule.choices is not None else "a string"
    return _numbers(hint, rule, plural=False)


def _plural(hint: Any, rule: _Rule) -> str:
    if typing.get_origin(hint) is not None:
        return f"values that are each {_allowed(hint, dataclasses.replace(rule, min_items=1))}"
    if hint is str:
        return f"names among {list(rule.choices)}" if rule.choices is not None else "strings"
    if hint is bool:
        return "booleans"
    return _numbers(hint, rule, plural=True)


def _numbers(hint: Any, rule: _Rule, *, plural: bool) -> str:
    """Words for numbers under `rule`: "a positive integer", "finite numbers in [0, 1)"..."""
    if hint is int:
        kind = "integers" if plural else "an integer"
    elif rule.finite:
        kind = "finite numbers" if plural else "a finite number"
    else:
        kind = "numbers" if plural else "a number"
    positive = rule.high is None and (
        (hint is int and rule.low == 1 and not rule.low_open) or (rule.low == 0 and rule.low_open)
    )
    if positive:
        return f"positive {kind}" if plural else f"a positive {kind.split(' ', 1)[1]}"
    return kind + rule.range_text()
