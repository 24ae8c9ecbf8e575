"""Validation of experiment settings: each failure names the field and what is allowed.

Every check takes the setting's name and value; a value may be a single item or a list.
"""

from __future__ import annotations

from typing import Any, Iterable

from curse_of_memory.errors import ConfigError


def require(ok: bool, name: str, allowed: str, value: Any) -> None:
    """Raise ConfigError("NAME must be ALLOWED, got VALUE") unless ok."""
    if not ok:
        raise ConfigError(f"{name} must be {allowed}, got {value!r}")


def _items(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def positive_int(name: str, value: Any) -> None:
    items = _items(value)
    ok = bool(items) and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in items)
    require(ok, name, "a positive integer (or a list of them)", value)


def positive_number(name: str, value: Any) -> None:
    items = _items(value)
    require(bool(items) and all(_is_number(v) and v > 0 for v in items), name,
            "a positive number (or a non-empty list of them)", value)


def in_interval(name: str, value: Any, low: float, high: float, *, closed_high: bool) -> None:
    """Each value lies in [low, high] (closed_high) or [low, high)."""
    items = _items(value)
    ok = bool(items) and all(_is_number(v) and low <= v and (v <= high if closed_high else v < high) for v in items)
    require(ok, name, f"a number in [{low}, {high}{']' if closed_high else ')'} (or a list of them)", value)


def one_of(name: str, value: Any, allowed: Iterable[str]) -> None:
    allowed = list(allowed)
    require(all(v in allowed for v in _items(value)), name, f"one of {allowed} (or a list of them)", value)
