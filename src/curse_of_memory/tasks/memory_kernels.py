"""Memory kernels rho(t) of linear functionals H_t(x) = int_0^inf rho(s) x_{t-s} ds.

Li, Han, E & Li (JMLR 2022), Secs. 4 and 7; Wang, Li & Li (ICLR 2024) and Wang & Li (ICML
2024) experiments. Every target of the spec's table (Sec. 6) is a closed form in t >= 0:

| name      | rho(t)                                               | parameters (defaults)              |
| --------- | ---------------------------------------------------- | ---------------------------------- |
| exp       | e^{-rate t}  (0.9^t is rate = -log 0.9)              | rate = 1                           |
| pol       | (1 + scale t)^{-(1 + omega)}                         | omega = 0.1, scale = 1             |
| shift     | 1{start < t < stop}                                  | start = 9, stop = 11               |
| twoparts  | e^{-t} + e^{-(t - delay)^2}                          | delay = 9                          |
| airy      | Ai(scale (t - t0))                                   | scale = 1, t0 = 6                  |
| sin       | sin(frequency t)  (not in L1: a control)             | frequency = 1                      |
| bump      | a e^{-w t} + c exp(-(t - delay)^2 / (2 sigma^2))     | a = 1, w = 0.5, c = 1, sigma = 1,  |
|           | (eq. 99, memory 1/omega = delay)                     | delay = 10                         |
| exp_sum   | sum_j amplitudes_j e^{-rates_j t}                    | amplitudes, rates (lists)          |

`memory_kernel` evaluates rho on given times; `check_integrable` refuses a kernel outside
L1(0, inf) (the theory's setting) unless asked not to; `discretize` gives rho(k dt) for
k < T.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import airy


def _exp(t, rate=1.0):
    return np.exp(-rate * t)


def _pol(t, omega=0.1, scale=1.0):
    return (1 + scale * t) ** (-(1 + omega))


def _shift(t, start=9.0, stop=11.0):
    return ((t > start) & (t < stop)).astype(float)


def _twoparts(t, delay=9.0):
    return np.exp(-t) + np.exp(-((t - delay) ** 2))


def _airy(t, scale=1.0, t0=6.0):
    return airy(scale * (t - t0))[0]


def _sin(t, frequency=1.0):
    return np.sin(frequency * t)


def _bump(t, a=1.0, w=0.5, c=1.0, sigma=1.0, delay=10.0):
    return a * np.exp(-w * t) + c * np.exp(-((t - delay) ** 2) / (2 * sigma**2))


def _exp_sum(t, amplitudes=(1.0,), rates=(1.0,)):
    a, w = np.asarray(amplitudes, float), np.asarray(rates, float)
    return np.exp(-np.multiply.outer(t, w)) @ a


KERNELS: dict[str, Callable[..., np.ndarray]] = {
    "exp": _exp,
    "pol": _pol,
    "shift": _shift,
    "twoparts": _twoparts,
    "airy": _airy,
    "sin": _sin,
    "bump": _bump,
    "exp_sum": _exp_sum,
}


def _check_name(name: str) -> None:
    if name not in KERNELS:
        raise ValueError(f"unknown memory kernel {name!r}; choose from {sorted(KERNELS)}")


def check_integrable(name: str, **params: Any) -> None:
    """Raise ValueError unless rho is in L1(0, inf): sin never is; exp, bump and exp_sum need
    positive rates; pol needs omega > 0 and scale > 0."""
    _check_name(name)
    if name == "sin":
        raise ValueError(
            "the sin kernel is not integrable on [0, inf) (not in L1): it is a control "
            "outside the theory; pass require_integrable=False to use it anyway"
        )
    rates = {
        "exp": [params.get("rate", 1.0)],
        "bump": [params.get("w", 0.5)],
        "exp_sum": list(params.get("rates", [1.0])),
    }.get(name, [])
    if any(not r > 0 for r in rates):
        raise ValueError(f"the {name} kernel is integrable only with positive decay rates, got {rates}")
    if name == "pol" and not (params.get("omega", 0.1) > 0 and params.get("scale", 1.0) > 0):
        raise ValueError(
            "(1 + scale t)^-(1 + omega) is integrable on [0, inf) only for omega > 0 and "
            f"scale > 0, got omega = {params.get('omega', 0.1)}, scale = {params.get('scale', 1.0)}"
        )


def memory_kernel(name: str, t, *, require_integrable: bool = True, **params: Any) -> np.ndarray:
    """rho(t) in float64 for times t >= 0 (any shape)."""
    _check_name(name)
    if require_integrable:
        check_integrable(name, **params)
    t = np.asarray(t, np.float64)
    if np.any(t < 0):
        raise ValueError("memory kernels are defined for t >= 0 (causal functionals)")
    try:
        values = KERNELS[name](t, **params)
    except TypeError as error:
        raise ValueError(f"bad parameters {params} for the {name} kernel: {error}") from None
    if not np.all(np.isfinite(values)):
        raise ValueError(f"the {name} kernel with {params} is not finite on the horizon")
    return values


def discretize(name: str, T: int, dt: float = 1.0, *, start: int = 0, **params: Any) -> np.ndarray:
    """rho(k dt) for k = start, ..., start + T - 1, float64 (T,)."""
    if T < 1:
        raise ValueError(f"T must be a positive number of steps, got {T}")
    if not dt > 0:
        raise ValueError(f"dt must be positive, got {dt}")
    return memory_kernel(name, dt * np.arange(start, start + T), **params)
