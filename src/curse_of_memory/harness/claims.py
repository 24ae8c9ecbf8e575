"""Building `Claim`s from measurements. A NaN measurement never passes."""

from __future__ import annotations

import math

from curse_of_memory.harness.experiment import Claim


def fmt(x: float) -> str:
    """A number as claims print it: 3 significant digits."""
    return f"{x:.3g}"


def close(claim: str, measured: float, expected: float, rtol: float) -> Claim:
    """|measured / expected - 1| <= rtol."""
    ok = math.isfinite(measured) and abs(measured / expected - 1) <= rtol
    return Claim(claim, f"{fmt(expected)} ± {rtol:.0%}", fmt(measured), bool(ok))


def at_least(claim: str, measured: float, bound: float) -> Claim:
    return Claim(claim, f">= {fmt(bound)}", fmt(measured), bool(measured >= bound))


def at_most(claim: str, measured: float, bound: float) -> Claim:
    return Claim(claim, f"<= {fmt(bound)}", fmt(measured), bool(measured <= bound))
