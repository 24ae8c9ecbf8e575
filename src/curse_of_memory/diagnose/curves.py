"""Quantities per group against memory scale, the shape every check's rows take:
{"check", "memory_scale", "group", "value"}. Growth across the grid is the verdict."""

from __future__ import annotations

import numpy as np

from curse_of_memory.harness.claims import at_most
from curse_of_memory.harness.plotting import colors
from curse_of_memory.harness.table import column, distinct, select

# Growth across the memory grid above which a quantity is flagged (the paper's LRU keeps all
# but its angle sensitivity within ~30x; the complex diagonal RNN grows by 1e8).
GROWTH_LIMIT = 100.0
SOURCE = (
    "diagnostic criterion after Zucchet & Orvieto 2024, Fig. 5B: the LRU stays within ~30x, the complex RNN grows 1e8x"
)


def curve(rows, check, group) -> tuple[np.ndarray, np.ndarray]:
    """(memory scales, values) of one group, sorted by memory scale."""
    picked = sorted(select(rows, check=check, group=group), key=lambda r: r["memory_scale"])
    return column(picked, "memory_scale"), column(picked, "value")


def growth(rows, check, group) -> float:
    """Value at the longest memory scale over value at the shortest."""
    values = curve(rows, check, group)[1]
    if values.size == 0:
        return float("nan")
    return float(values[-1] / values[0]) if values[0] > 0 else float("inf")


def growth_claims(rows, check) -> list:
    """One claim per group: it grows at most GROWTH_LIMIT times across the memory scales.
    Groups that are zero everywhere (parameters the quantity does not depend on) are skipped."""
    return [
        at_most(
            f"{check}: growth of {group} across memory scales", growth(rows, check, group), GROWTH_LIMIT, source=SOURCE
        )
        for group in distinct(select(rows, check=check), "group")
        if np.any(curve(rows, check, group)[1] != 0)
    ]


def plot_groups(ax, rows, check, ylabel, title) -> None:
    """Each group's curve against memory scale on log-log axes; groups named "(...)" dashed."""
    groups = distinct(select(rows, check=check), "group")
    for group, color in zip(groups, colors(len(groups), "tab10"), strict=True):
        scales, values = curve(rows, check, group)
        if np.any(values > 0):
            ax.plot(scales, values, marker="o", color=color, label=group, ls="--" if group.startswith("(") else "-")
    ax.set(xscale="log", yscale="log", xlabel="memory scale", ylabel=ylabel, title=title)
    ax.legend(fontsize=7)
