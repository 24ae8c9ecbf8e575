"""Claims: what a paper states, the number we measured, and a verdict.

A claim is `pass` or `fail` when it is checked against an interval [low, high] taken from the
paper (its value with a stated tolerance: the paper's error bars, or a factor of 3 for a value
read off a log axis), and `info` when the number is only recorded. Only checked claims count
anywhere ("8 of 10 checked claims pass, 3 informational"). A missing or NaN measurement never
passes.

`scale="quick"` marks a checked claim whose interval is set for the quick profile, because
the quick profile cannot reach the paper's value; the full profile checks the paper's value.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

Status = Literal["pass", "fail", "info"]


@dataclass(frozen=True)
class Claim:
    """One claim. `value` is the measurement (None when it is not a number); `low` and `high`
    bound the accepted interval (None where open); `source` is the paper's figure panel, table
    or sentence; `expected` and `measured` are the same as text, for people."""

    claim: str
    status: Status
    value: float | None
    low: float | None = None
    high: float | None = None
    source: str = ""
    scale: Literal["paper", "quick"] = "paper"
    expected: str = ""
    measured: str = ""

    def __post_init__(self):
        if self.status not in ("pass", "fail", "info"):
            raise ValueError(f"claim status must be 'pass', 'fail' or 'info', got {self.status!r}")
        if self.status != "info" and not self.source:
            raise ValueError(f"a checked claim names its source in the paper: {self.claim!r}")

    @property
    def checked(self) -> bool:
        return self.status != "info"

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def fmt(x: float | None) -> str:
    """A number as claims print it: 3 significant digits ("n/a" when missing)."""
    return "n/a" if x is None else f"{x:.3g}"


def _raw(value: Any) -> float:
    return math.nan if value is None else float(value)


def _stored(value: float) -> float | None:
    """What claims.json keeps: a finite number, or null (plain JSON has no NaN or Infinity)."""
    return value if math.isfinite(value) else None


def _interval_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"in [{fmt(low)}, {fmt(high)}]"
    return f">= {fmt(low)}" if low is not None else f"<= {fmt(high)}"


def within(
    claim: str,
    value: float | None,
    low: float | None = None,
    high: float | None = None,
    *,
    source: str,
    scale: Literal["paper", "quick"] = "paper",
    expected: str | None = None,
) -> Claim:
    """low <= value <= high (an open end where None); a missing, NaN or infinite value fails."""
    if low is None and high is None:
        raise ValueError(f"a checked claim needs low or high: {claim!r}")
    v = _raw(value)
    ok = math.isfinite(v) and (low is None or v >= low) and (high is None or v <= high)
    text = expected or _interval_text(low, high)
    return Claim(claim, "pass" if ok else "fail", _stored(v), low, high, source, scale, text, fmt(v))


def at_least(claim: str, value: float | None, bound: float, **kw) -> Claim:
    return within(claim, value, low=bound, **kw)


def at_most(claim: str, value: float | None, bound: float, **kw) -> Claim:
    return within(claim, value, high=bound, **kw)


def close(claim: str, value: float | None, target: float, rtol: float, **kw) -> Claim:
    """|value / target - 1| <= rtol."""
    ends = sorted((target * (1 - rtol), target * (1 + rtol)))
    return within(claim, value, *ends, expected=f"{fmt(target)} ± {rtol:.0%}", **kw)


def within_factor(claim: str, value: float | None, target: float, factor: float = 3.0, **kw) -> Claim:
    """target / factor <= value <= target * factor (target > 0): a value read off a log axis."""
    if target <= 0 or factor < 1:
        raise ValueError(f"within_factor needs target > 0 and factor >= 1, got {target}, {factor}")
    return within(claim, value, target / factor, target * factor, expected=f"{fmt(target)} (×/÷ {factor:g})", **kw)


def holds(
    claim: str,
    ok: bool,
    *,
    source: str,
    expected: str,
    measured: str,
    value: float | None = None,
    scale: Literal["paper", "quick"] = "paper",
) -> Claim:
    """A checked claim that is not one number in an interval (an ordering, a shape); `expected`
    and `measured` say what was compared."""
    return Claim(claim, "pass" if ok else "fail", _stored(_raw(value)), None, None, source, scale, expected, measured)


def info(claim: str, value: float | None, *, measured: str | None = None, source: str = "") -> Claim:
    """A number we record but do not check."""
    v = _raw(value)
    return Claim(claim, "info", _stored(v), source=source, expected="(recorded)", measured=measured or fmt(v))


def tally(claims: list[Claim]) -> tuple[int, int, int]:
    """(passing, checked, informational) claims."""
    checked = [c for c in claims if c.checked]
    return sum(c.passed for c in checked), len(checked), len(claims) - len(checked)


def tally_text(claims: list[Claim]) -> str:
    """ "8 of 10 checked claims pass, 3 informational"."""
    passed, checked, n_info = tally(claims)
    return f"{passed} of {checked} checked claims pass, {n_info} informational"


def verdict(claim: Claim) -> str:
    """ "pass", "FAIL" or "info", with "(quick scale)" for a quick-scale interval."""
    text = {"pass": "pass", "fail": "FAIL", "info": "info"}[claim.status]
    return f"{text} (quick scale)" if claim.checked and claim.scale == "quick" else text
