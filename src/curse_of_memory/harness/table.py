"""Small queries over tidy rows (lists of dicts), as claims and figures need them."""

from __future__ import annotations

from typing import Any

import numpy as np

from curse_of_memory.harness.experiment import Rows


def select(rows: Rows, **conditions: Any) -> Rows:
    """The rows whose fields equal all `conditions` (floats compared with a tolerance)."""

    def matches(row):
        for key, want in conditions.items():
            got = row.get(key)
            if isinstance(want, float) and isinstance(got, float):
                if not np.isclose(got, want, rtol=1e-12, atol=1e-15):
                    return False
            elif got != want:
                return False
        return True

    return [row for row in rows if matches(row)]


def column(rows: Rows, name: str) -> np.ndarray:
    """One field of every row as an array (None becomes NaN)."""
    return np.array([np.nan if row.get(name) is None else row[name] for row in rows])


def distinct(rows: Rows, name: str) -> list:
    """The distinct values of a field, in order of first appearance."""
    return list(dict.fromkeys(row[name] for row in rows if row.get(name) is not None))
