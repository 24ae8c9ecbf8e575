"""The claim constructors: intervals, missing values, statuses and the tally."""

import math

import pytest

from curse_of_memory.harness.claims import (
    Claim,
    at_least,
    at_most,
    close,
    holds,
    info,
    tally,
    tally_text,
    verdict,
    within,
    within_factor,
)

SRC = "Fig. 1 (left)"


def test_intervals():
    assert within("x", 2.0, 1.0, 3.0, source=SRC).passed
    assert not within("x", 3.5, 1.0, 3.0, source=SRC).passed
    assert at_least("x", 1e8, 1e7, source=SRC).passed and not at_least("x", 1e6, 1e7, source=SRC).passed
    assert at_most("x", 1e-5, 1e-4, source=SRC).passed and not at_most("x", 1e-3, 1e-4, source=SRC).passed
    c = close("x", 0.26, 0.25, 0.1, source=SRC)
    assert c.passed and c.low == pytest.approx(0.225) and c.high == pytest.approx(0.275)
    assert close("x", -1.05, -1.0, 0.1, source=SRC).passed  # a negative target orders its ends
    c = within_factor("x", 2e-5, 5e-5, source=SRC)
    assert c.passed and c.low == pytest.approx(5e-5 / 3) and c.high == pytest.approx(1.5e-4)
    assert not within_factor("x", 1e-5, 5e-5, source=SRC).passed


@pytest.mark.parametrize("value", [None, math.nan, math.inf, -math.inf])
def test_missing_or_non_finite_values_fail(value):
    for c in (at_least("x", value, -1e300, source=SRC), at_most("x", value, 1e300, source=SRC)):
        assert c.status == "fail" and c.value is None  # claims.json holds plain JSON: null


def test_statuses_and_tally():
    claims = [
        at_least("a", 2, 1, source=SRC),
        at_least("b", 0, 1, source=SRC, scale="quick"),
        holds("c", True, source=SRC, expected="increasing", measured="1 < 2 < 3"),
        info("d", 0.3),
    ]
    assert [c.status for c in claims] == ["pass", "fail", "pass", "info"]
    assert tally(claims) == (2, 3, 1)
    assert tally_text(claims) == "2 of 3 checked claims pass, 1 informational"
    assert verdict(claims[1]) == "FAIL (quick scale)" and verdict(claims[3]) == "info"
    assert Claim(**claims[0].to_json()) == claims[0]


def test_checked_claims_need_a_source_and_an_interval():
    with pytest.raises(ValueError, match="source"):
        at_least("x", 1.0, 0.0, source="")
    with pytest.raises(ValueError, match="low or high"):
        within("x", 1.0, source=SRC)
    with pytest.raises(ValueError, match="status"):
        Claim("x", "passed", 1.0)
