"""Figures without pyplot's global state: a `Figure` per experiment, saved as PNG and SVG."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure


def new_figure(nrows: int, ncols: int, *, width: float = 4.2, height: float = 3.4):
    """A Figure and a 2-D array of axes, `width` x `height` inches per panel."""
    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def non_finite_curves(fig: Figure) -> int:
    """How many lines and point sets of `fig` hold NaN or infinite values (diverged runs):
    Matplotlib leaves those points out."""
    data = [line.get_ydata() for ax in fig.axes for line in ax.lines]
    data += [collection.get_offsets() for ax in fig.axes for collection in ax.collections]
    return sum(not _finite(values) for values in data)


def _finite(values) -> bool:
    try:
        return bool(np.isfinite(np.asarray(values, dtype=float)).all())
    except (TypeError, ValueError):  # categorical or date data: not numbers to check
        return True


def save(fig: Figure, path: Path) -> None:
    """`path` as PNG and the same name with .svg; a note at the bottom when curves hold
    non-finite values (they are drawn where finite)."""
    bad = non_finite_curves(fig)
    if bad:
        note = f"{bad} curve(s) hold NaN or infinite values (diverged runs): drawn where finite"
        fig.text(0.01, 0.0, note, fontsize=8, color="#c62828", va="bottom")
    path = Path(path)
    fig.savefig(path, format="png", dpi=110)
    fig.savefig(path.with_suffix(".svg"), format="svg")


def placeholder(path: Path, title: str, message: str) -> None:
    """A figure that states why the real one could not be drawn (PNG and SVG, like `save`)."""
    fig = Figure(figsize=(8, 3))
    fig.text(0.5, 0.65, title, ha="center", va="center", fontsize=13, weight="bold")
    fig.text(0.5, 0.35, textwrap.fill(message, 90), ha="center", va="center", fontsize=9, color="#c62828")
    save(fig, path)


def colors(n: int, cmap: str = "viridis") -> np.ndarray:
    """n colours evenly spaced along a colormap, light to dark."""
    from matplotlib import colormaps

    return colormaps[cmap](np.linspace(0.85, 0.1, n))
