"""Signal propagation at initialization: Zucchet & Orvieto (2024), Figs. 5 and 13.

For each memory scale t of a grid, a model is built by `factory(t)` and run on batches of
inputs (N, T, d). Per batch it records the loss and, per layer, the mean square of the
residual stream after the layer and of the recurrent layer's hidden states (|h|^2 for complex
states); and the mean squared gradient entry of the loss per parameter group, over the whole
model and within each layer. The paper's loss is next-token prediction of the input
embeddings, 1/2 mean((pred[:, :-1] - x[:, 1:])^2).

Works on any model: pass `trace(model, x) -> (prediction, residual streams, hidden states)`
(lists with one (B, T, .) array per layer; the default calls `model.trace(x)`, as
`models.DeepRNN` has), `groups(path) -> label` for the parameter groups and
`layer_of(path) -> int | None` for the layer of a parameter, where `path` is
`jax.tree_util.keystr` of the parameter's path in the model (e.g. ".layers[2].recurrent.B_re").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from curse_of_memory.models import GRU, LSTM, DiagonalRNN
from curse_of_memory.models.rg_lru import RGLRU
from curse_of_memory.models.simple_gru import SimpleGRU

PRECISIONS = ("float64", "float32")
# How the stored eigenvalue arrays of a DiagonalRNN split into magnitude and angle.
EIGENVALUE_GROUPS = {
    "exp": ("lambda magnitude", "lambda angle"),
    "polar": ("lambda magnitude", "lambda angle"),
    "opt": ("lambda magnitude", "lambda angle"),
    "real_imag": ("lambda", "lambda"),
    "zoh": ("lambda", "lambda", "lambda"),
}
GATED_CELLS = (GRU, LSTM, SimpleGRU)


def next_token_loss(prediction: Array, x: Array) -> Array:
    """1/2 mean((prediction[:, t] - x[:, t + 1])^2): predict the next input (the default)."""
    return 0.5 * jnp.mean((prediction[:, :-1] - x[:, 1:]) ** 2)


def previous_token_loss(prediction: Array, x: Array) -> Array:
    """1/2 mean((prediction[:, t + 1] - x[:, t])^2): the paper's notebook, which despite its
    "next token" comment compares each prediction with the previous input (Sec. 7, issue 8)."""
    return 0.5 * jnp.mean((prediction[:, 1:] - x[:, :-1]) ** 2)


def _layer_groups(layer: Any, sub_path: str) -> str:
    if isinstance(layer, DiagonalRNN):
        match = re.fullmatch(r"\.eigenvalue_params\[(\d+)\]", sub_path)
        return EIGENVALUE_GROUPS[layer.parametrization][int(match.group(1))] if match else "other"
    if isinstance(layer, RGLRU):
        return "lambda magnitude" if sub_path == ".log_a_param" else "other"
    return "recurrent cell"


def default_groups(model: Any) -> Callable[[str], str]:
    """Parameter groups as in Fig. 5B: "lambda magnitude" and "lambda angle" (LRU-like
    parametrizations, and the RG-LRU's Lambda), "lambda" (real/imaginary or zoh), "recurrent
    cell" (every parameter of a GRU or LSTM cell), and "other" for everything else."""
    is_layer = lambda node: isinstance(node, (DiagonalRNN, RGLRU, *GATED_CELLS))
    labels = {}
    for path, node in jax.tree_util.tree_flatten_with_path(model, is_leaf=is_layer)[0]:
        if is_layer(node):
            for sub, _ in jax.tree_util.tree_flatten_with_path(node)[0]:
                labels[jax.tree_util.keystr(path + sub)] = _layer_groups(node, jax.tree_util.keystr(sub))
    return lambda path: labels.get(path, "other")


def layer_index(path: str) -> int | None:
    """The block i of a parameter under `.layers[i]` (None for encoders and decoders)."""
    match = re.match(r"\.layers\[(\d+)\]", path)
    return int(match.group(1)) if match else None


def _mean_square(a: Array) -> Array:
    return jnp.mean(jnp.abs(a) ** 2)


@eqx.filter_jit
def _batch_statistics(model, x, loss, trace):
    """Loss, per-layer mean squares (L,) of residual streams and hidden states, and the sum of
    squared gradient entries of every differentiable leaf (in `tree_leaves` order)."""

    def objective(model):
        prediction, residuals, hiddens = trace(model, x)
        stats = (jnp.stack([_mean_square(r) for r in residuals]), jnp.stack([_mean_square(h) for h in hiddens]))
        return loss(prediction, x), stats

    (value, (residual, hidden)), grads = eqx.filter_value_and_grad(objective, has_aux=True)(model)
    return value, residual, hidden, jnp.stack([jnp.sum(g**2) for g in jax.tree_util.tree_leaves(grads)])


def _cast(leaf: Any, precision: str) -> Any:
    """A floating array leaf in the working precision (complex stays complex)."""
    if not eqx.is_inexact_array(leaf):
        return leaf
    bits = 64 if precision == "float64" else 32
    return leaf.astype(f"complex{2 * bits}" if jnp.iscomplexobj(leaf) else f"float{bits}")


def _trace(model, x):
    return model.trace(x)


@dataclass(frozen=True)
class SignalPropagation:
    """Measurements over S memory scales, B batches and L layers.

    loss: (S, B). residual, hidden: (S, B, L) mean squares. gradient: group -> (S, B) mean
    squared gradient entry over the group's parameters; layer_gradient: group -> (S, B, L),
    the same within each layer (NaN where the layer has none of the group's parameters).
    parameter_groups: parameter path -> group.
    """

    memory_scales: np.ndarray
    loss: np.ndarray
    residual: np.ndarray
    hidden: np.ndarray
    gradient: dict[str, np.ndarray]
    layer_gradient: dict[str, np.ndarray]
    parameter_groups: dict[str, str]


def signal_propagation(
    factory: Callable[[float], Any],
    memory_scales: Iterable[float],
    inputs: Any,
    *,
    batch_size: int = 16,
    n_sequences: int | None = None,
    loss: Callable[[Array, Array], Array] = next_token_loss,
    groups: Callable[[str], str] | None = None,
    layer_of: Callable[[str], int | None] = layer_index,
    trace: Callable[[Any, Array], tuple[Array, list[Array], list[Array]]] = _trace,
    precision: str = "float64",
    on_progress: Callable[[int, int], None] | None = None,
) -> SignalPropagation:
    """Measure signal propagation over a grid of memory scales (see the module docstring).

    Args:
        factory: memory scale -> model, called once per scale with float64 enabled; its
            parameters are then cast to `precision`, so that both precisions start from the
            same draw. The model is reused for every batch, as in the paper.
        memory_scales: the grid.
        inputs: an array-like (N, T, d) whose row slices give arrays (NumPy arrays, memory-mapped
            `.npy` files, `tasks.SyntheticEmbeddings`).
        batch_size: sequences per batch; n_sequences: how many of the first rows to use
            (all by default), a multiple of batch_size.
        loss: (prediction, x) -> scalar; `next_token_loss` (default) or `previous_token_loss`.
        groups: parameter path -> group label; `default_groups(model)` by default.
        layer_of: parameter path -> layer index or None.
        trace: (model, x) -> (prediction, residual streams, hidden states).
        precision: "float64" (the paper's) or "float32".
        on_progress: called with (batches done, total batches).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    scales = np.asarray(list(memory_scales), float)
    n = len(inputs) if n_sequences is None else n_sequences
    if batch_size < 1 or n < batch_size or n % batch_size or n > len(inputs):
        raise ValueError(f"need 1 <= batch_size <= n_sequences <= {len(inputs)} (the inputs' rows) with "
                         f"n_sequences a multiple of batch_size; got batch_size={batch_size}, n_sequences={n}")
    n_batches = n // batch_size
    per_scale = []
    for s, t in enumerate(scales):
        with jax.enable_x64(True):
            model = factory(float(t))
        with jax.enable_x64(precision == "float64"):
            dtype = jnp.float64 if precision == "float64" else jnp.float32
            model = jax.tree_util.tree_map(lambda a: _cast(a, precision), model)
            params = eqx.filter(model, eqx.is_inexact_array)
            paths = [jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_flatten_with_path(params)[0]]
            sizes = np.array([leaf.size for leaf in jax.tree_util.tree_leaves(params)], float)
            label = groups or default_groups(model)
            batches = []
            for b in range(n_batches):
                x = jnp.asarray(inputs[b * batch_size : (b + 1) * batch_size], dtype)
                batches.append([np.asarray(v, float) for v in _batch_statistics(model, x, loss, trace)])
                if on_progress is not None:
                    on_progress(s * n_batches + b + 1, len(scales) * n_batches)
            per_scale.append((paths, sizes, label, batches))
    return _assemble(scales, per_scale, layer_of)


def _assemble(scales, per_scale, layer_of) -> SignalPropagation:
    n_layers = len(per_scale[0][3][0][1])
    names = sorted({label(p) for paths, _, label, _ in per_scale for p in paths})
    gradient = {g: np.full((len(scales), len(per_scale[0][3])), np.nan) for g in names}
    layer_gradient = {g: np.full((*gradient[g].shape, n_layers), np.nan) for g in names}
    parameter_groups = {}
    for s, (paths, sizes, label, batches) in enumerate(per_scale):
        leaf_groups = np.array([label(p) for p in paths])
        leaf_layers = np.array([-1 if layer_of(p) is None else layer_of(p) for p in paths])
        parameter_groups.update(zip(paths, leaf_groups.tolist()))
        for b, (_, _, _, squares) in enumerate(batches):
            for g in names:
                mask = leaf_groups == g
                if mask.any():
                    gradient[g][s, b] = squares[mask].sum() / sizes[mask].sum()
                for l in range(n_layers):
                    in_layer = mask & (leaf_layers == l)
                    if in_layer.any():
                        layer_gradient[g][s, b, l] = squares[in_layer].sum() / sizes[in_layer].sum()
    stack = lambda i: np.array([[batch[i] for batch in batches] for *_, batches in per_scale])
    return SignalPropagation(scales, stack(0), stack(1), stack(2), gradient, layer_gradient, parameter_groups)
