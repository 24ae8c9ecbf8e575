"""Check `memory`: the layer's memory function and whether `memory_scale` controls it.

M_k of Wang, Li & Li (ICLR 2024, Def. 3.1; `diagnostics.memory_function`): the response of
the output's increments to a step input, maximized over random input directions and scales.
Its effective length sum_k M_k / max_k M_k is exactly 1 / (1 - lambda) for M_k ~ lambda^k, so
for the paper's layers it equals the memory scale; the check asks that it grow with the
memory scale by at least the square root of the grid's span (a layer whose factory ignores
`memory_scale`, or forgets faster than it claims, fails).
"""

from __future__ import annotations

import jax
import numpy as np

from curse_of_memory.diagnostics import memory_function
from curse_of_memory.harness.claims import at_least
from curse_of_memory.harness.plotting import colors
from curse_of_memory.harness.table import column, select

# Small steps: the memory of the layer as initialized (its linear response around the zero
# state); large inputs saturate gates and measure a different, input-driven timescale.
INPUT_SCALES = (0.1,)


def effective_length(curve) -> float:
    """sum_k M_k / max_k M_k, in steps."""
    curve = np.asarray(curve)
    return float(curve.sum() / curve.max()) if curve.max() > 0 else 0.0


def rows(factory, config) -> list[dict]:
    k_layer, k_probe = jax.random.split(jax.random.PRNGKey(config["seed"]))
    layer = factory(k_layer, config["memory_scale"])
    curve = memory_function(
        layer, config["width"], key=k_probe, T=config["T"], draws=config["probes"], scales=INPUT_SCALES
    )
    return [
        {
            "check": "memory",
            "memory_scale": config["memory_scale"],
            "group": "memory function",
            "value": effective_length(curve),
            "curve": curve.tolist(),
        }
    ]


def claims(rows, settings):
    picked = sorted(select(rows, check="memory"), key=lambda r: r["memory_scale"])
    scales, lengths = column(picked, "memory_scale"), column(picked, "value")
    if len(picked) < 2:  # nothing measured: the claim fails on NaN
        span, ratio = float("nan"), float("nan")
    else:
        span = scales[-1] / scales[0]
        ratio = lengths[-1] / lengths[0] if lengths[0] > 0 else float("inf")
    return [
        at_least(
            f"memory: effective memory length grows with memory scale (x{span:g} in scale)",
            ratio,
            float(np.sqrt(span)) if np.isfinite(span) else 1.0,
            source="diagnostic criterion after Wang, Li & Li 2024, Sec. 4: a layer's memory function lengthens "
            "with its memory scale (at least as the square root of the scale here)",
        )
    ]


def draw(ax, rows):
    picked = sorted(select(rows, check="memory"), key=lambda r: r["memory_scale"])
    for row, color in zip(picked, colors(len(picked)), strict=True):
        curve = np.asarray(row["curve"])
        ax.plot(
            np.arange(1, len(curve) + 1),
            np.maximum(curve, 1e-16),
            color=color,
            label=f"scale {row['memory_scale']:.3g}: length {row['value']:.3g}",
        )
    ax.set(xscale="log", yscale="log", xlabel="k + 1 (steps)", ylabel="memory function M_k", title="memory function")
    ax.legend(fontsize=7)
