"""Reading plateaus off training curves (spec E3): shared by li2022-fig1 and li2022-fig4.

A plateau of a (median) loss curve is the longest window of epochs in which log10(loss) varies
by less than `tolerance` decades while staying above `above` times the final loss; its
length is reported as a fraction of the run.
"""

from __future__ import annotations

import numpy as np


def plateau(loss, *, tolerance: float = 0.1, above: float = 10.0) -> tuple[float, int, float]:
    """(fraction of the run, first epoch, level) of the longest plateau; (0, -1, nan) if none.
    Non-finite curves have no plateau."""
    log = np.log10(np.asarray(loss, float))
    n = log.size
    if n == 0 or not np.all(np.isfinite(log)):
        return 0.0, -1, float("nan")
    high = log > log[-1] + np.log10(above)
    best = (0, -1)
    for i in range(n):
        lo = hi = log[i]
        j = i
        while j < n and high[j]:
            lo, hi = min(lo, log[j]), max(hi, log[j])
            if hi - lo >= tolerance:
                break
            j += 1
        if j - i > best[0]:
            best = (j - i, i)
    length, start = best
    if length == 0:
        return 0.0, -1, float("nan")
    return length / n, start, float(10 ** np.median(log[start : start + length]))


def escape_epoch(loss, level: float, start: int = 0) -> float:
    """First epoch at or after `start` with loss below level / 2 (inf if never)."""
    loss = np.asarray(loss, float)
    hit = np.nonzero(loss[start:] < level / 2)[0]
    return float(start + hit[0]) if hit.size else float("inf")


def median_curve(curves) -> np.ndarray:
    """Median over runs (axis 0) of loss curves, (epochs,). A diverged run's non-finite losses
    count as +inf, the worst rank: the median stays finite while fewer than half have diverged
    (a plain median of NaN would hide every finite run)."""
    curves = np.asarray(curves, float)
    return np.median(np.where(np.isnan(curves), np.inf, curves), axis=0)
