"""Curvature of a loss over a model's parameters: dense Hessians, their spectra, and top
eigenpairs by Hessian-vector products for models too large for a dense Hessian.

Zucchet & Orvieto (2024), Sec. 3.5 and Figs. 4, 9, 10: at a zero-residual optimum the
Hessian is the Gauss-Newton matrix; its numerical rank counts the transfer-function degrees
of freedom (2n + 1 for a SISO linear system with n states) and the participation ratio of
its eigenvectors says whether sharp directions sit on a few coordinates (diagonal models)
or spread over many (dense RNN).

`loss` is always a function of the model alone (close over the batch). Everything is
computed in float64: the chosen parameter groups are cast, and a loss whose data are
float32 is promoted, so build the data in float64 when the optimum must be at round-off.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse.linalg

from curse_of_memory.diagnostics.parameters import flatten_parameters

# Largest parameter count for which `hessian` forms the dense matrix (P^2 entries, P
# Hessian-vector products); beyond it use `top_eigenpairs`.
DENSE_LIMIT = 2048

Loss = Callable[[object], jax.Array]


class Hessian(NamedTuple):
    """matrix: (P, P) float64; labels: (P,) group of each row; groups: ((name, size), ...)."""

    matrix: np.ndarray
    labels: tuple[str, ...]
    groups: tuple[tuple[str, int], ...]


class Spectrum(NamedTuple):
    """eigenvalues: (k,) in decreasing order; eigenvectors: (P, k) unit columns."""

    eigenvalues: np.ndarray
    eigenvectors: np.ndarray


def hessian(loss: Loss, model, *, groups: Sequence[str] | None = None, max_params: int = DENSE_LIMIT) -> Hessian:
    """The dense Hessian of loss(model) over the chosen parameter groups (all by default), in
    float64, rows ordered as the groups (see `diagnostics.parameters`).

    Compiled once per (loss function, model structure, groups): pass the same `loss` object
    to reuse the compilation across models of the same shape."""
    with jax.enable_x64(True):
        flat = flatten_parameters(model, groups, dtype=jnp.float64)
        P = flat.values.shape[0]
        if P > max_params:
            raise ValueError(
                f"a dense Hessian of {P} parameters exceeds max_params = {max_params} "
                f"({P}^2 entries); use top_eigenpairs(loss, model, k) for the leading "
                "eigenpairs by Hessian-vector products, choose fewer groups, or raise max_params"
            )
        matrix = _dense_hessian(loss, model, None if groups is None else tuple(groups))
        return Hessian(np.asarray(matrix, np.float64), flat.labels, flat.groups)


@eqx.filter_jit
def _dense_hessian(loss, model, groups):
    flat = flatten_parameters(model, groups, dtype=jnp.float64)
    return jax.hessian(lambda v: loss(flat.unflatten(v)))(flat.values)


def spectrum(matrix: np.ndarray) -> Spectrum:
    """All eigenpairs of a symmetric matrix, largest eigenvalue first (symmetrized first, so
    round-off asymmetry of an autodiff Hessian does not matter)."""
    matrix = np.asarray(matrix, np.float64)
    values, vectors = np.linalg.eigh(0.5 * (matrix + matrix.T))
    order = np.argsort(values)[::-1]
    return Spectrum(values[order], vectors[:, order])


def numerical_rank(eigenvalues: np.ndarray, rtol: float = 1e-8) -> int:
    """How many |eigenvalues| exceed rtol times the largest |eigenvalue|."""
    magnitudes = np.abs(np.asarray(eigenvalues))
    if magnitudes.size == 0 or magnitudes.max() == 0:
        return 0
    return int(np.sum(magnitudes > rtol * magnitudes.max()))


def participation_ratio(vectors: np.ndarray) -> np.ndarray:
    """1 / sum_i v_i^4 of each unit-normalized column: 1 for a vector on one coordinate, P
    for one spread evenly over P. vectors: (P,) or (P, k) -> () or (k,)."""
    v = np.asarray(vectors, np.float64)
    v = v / np.linalg.norm(v, axis=0, keepdims=True)
    return 1.0 / np.sum(v**4, axis=0)


def group_weights(vectors: np.ndarray, labels: Sequence[str]) -> dict[str, np.ndarray]:
    """Share of each unit column's squared norm that sits on each parameter group:
    group -> (k,), summing to 1 over groups."""
    v = np.asarray(vectors, np.float64).reshape(len(labels), -1)
    v2 = v**2 / np.sum(v**2, axis=0, keepdims=True)
    labels = np.asarray(labels)
    return {g: np.sum(v2[labels == g], axis=0) for g in dict.fromkeys(labels.tolist())}


def hessian_vector_product(loss: Loss, model, *, groups: Sequence[str] | None = None):
    """(hvp, flat): a jitted float64 v -> H v over the chosen groups (forward-over-reverse,
    the cost of about two gradients) and the `FlatParameters` it acts on. Call `hvp` inside
    `jax.enable_x64(True)`."""
    with jax.enable_x64(True):
        flat = flatten_parameters(model, groups, dtype=jnp.float64)

    def flat_loss(v):
        return loss(flat.unflatten(v))

    @jax.jit
    def hvp(v):
        return jax.jvp(jax.grad(flat_loss), (flat.values,), (v,))[1]

    return hvp, flat


def top_eigenpairs(
    loss: Loss,
    model,
    k: int = 10,
    *,
    groups: Sequence[str] | None = None,
    which: str = "LA",
    tol: float = 1e-10,
    seed: int = 0,
) -> Spectrum:
    """The k extreme eigenpairs of the Hessian by Lanczos iteration on Hessian-vector
    products (scipy's ARPACK `eigsh`), never forming the matrix.

    which: "LA" largest algebraic (the sharpest directions, default), "LM" largest
    magnitude, "SA" smallest algebraic. Returns eigenvalues in decreasing order.
    """
    if which not in ("LA", "LM", "SA"):
        raise ValueError(f"which must be 'LA', 'LM' or 'SA', got {which!r}")
    hvp, flat = hessian_vector_product(loss, model, groups=groups)
    P = flat.values.shape[0]
    if not 1 <= k < P:
        raise ValueError(f"k must lie in [1, {P - 1}] for {P} parameters, got {k}")

    def matvec(v):
        with jax.enable_x64(True):
            return np.asarray(hvp(jnp.asarray(np.ravel(v), jnp.float64)))

    operator = scipy.sparse.linalg.LinearOperator((P, P), matvec=matvec, dtype=np.float64)
    v0 = np.random.default_rng(seed).normal(size=P)
    values, vectors = scipy.sparse.linalg.eigsh(operator, k=k, which=which, tol=tol, v0=v0)
    order = np.argsort(values)[::-1]
    return Spectrum(values[order], vectors[:, order])


def directional_sharpness(loss: Loss, model, direction=None, *, groups: Sequence[str] | None = None) -> float:
    """d^T H d / |d|^2 along a flat direction d over the chosen groups (the gradient by
    default: the curvature a gradient step actually feels)."""
    hvp, flat = hessian_vector_product(loss, model, groups=groups)
    with jax.enable_x64(True):
        if direction is None:
            d = jax.jit(jax.grad(lambda v: loss(flat.unflatten(v))))(flat.values)
        else:
            d = jnp.asarray(direction, jnp.float64).ravel()
            if d.shape != flat.values.shape:
                raise ValueError(f"direction has {d.size} entries, the chosen groups have {flat.values.size}")
        norm2 = float(jnp.vdot(d, d))
        if norm2 == 0:
            raise ValueError("the direction (or the gradient) is zero: sharpness is undefined")
        return float(jnp.vdot(d, hvp(d))) / norm2
