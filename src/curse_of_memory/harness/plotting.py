"""Figures without pyplot's global state: a `Figure` per experiment, saved as PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure


def new_figure(nrows: int, ncols: int, *, width: float = 4.2, height: float = 3.4):
    """A Figure and a 2-D array of axes, `width` x `height` inches per panel."""
    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def save(fig: Figure, path: Path) -> None:
    fig.savefig(path, format="png", dpi=110)


def colors(n: int, cmap: str = "viridis") -> np.ndarray:
    """n colours evenly spaced along a colormap, light to dark."""
    from matplotlib import colormaps

    return colormaps[cmap](np.linspace(0.85, 0.1, n))
