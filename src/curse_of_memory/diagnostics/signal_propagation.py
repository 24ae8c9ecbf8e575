"""Signal propagation at initialization: Zucchet & Orvieto (2024), Figs. 5 and 13.

Any recurrent layer, given as a factory f(key, memory_scale) -> equinox.Module mapping inputs
(T, d) to outputs (T, d), is put into the paper's deep residual network (`models.deep_rnn`,
Sec. 5.4: dense encoder, L blocks of norm -> layer -> GELU -> GLU -> skip, dense decoder),
built once per memory scale of a grid from the same key, and run at initialization on batches
of inputs (N, T, d_in). Per batch it records the loss and, per block, the mean square of the
residual stream after the block and of the layer's hidden states (|h|^2 for complex states);
and the mean squared gradient entry of the loss per parameter group, over the whole network
and within each block. The paper's loss is next-token prediction of the inputs,
1/2 mean((pred[:, :-1] - x[:, 1:])^2).

Hidden states: a layer with `hidden_states(x, method)` and `readout(h, x)` (the diagonal RNNs)
reports h; a layer with `hidden_states(x)` reports those; any other layer its output (or first
output, as the LSTM's (h, c)). Parameter groups: a function of the parameter's path inside the
recurrent layer (`jax.tree_util.keystr`, e.g. ".B_re", ".eigenvalue_params[1]") -> label;
every parameter outside the recurrent layers is "other". `default_groups(layer)` knows the
paper's layers (lambda magnitude / angle, lambda, recurrent cell) and otherwise groups by the
layer's field names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from curse_of_memory.diagnostics.precision import PRECISIONS, as_precision
from curse_of_memory.diagnostics.sensitivity import top_level_group
from curse_of_memory.models import GRU, LSTM, DiagonalRNN
from curse_of_memory.models.deep_rnn import NORMS, deep_rnn
from curse_of_memory.models.rg_lru import RGLRU
from curse_of_memory.models.simple_gru import SimpleGRU

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


def default_groups(layer: Any) -> Callable[[str], str]:
    """Parameter groups of Fig. 5B for a recurrent layer, as a function of the path inside it:
    "lambda magnitude" and "lambda angle" (LRU-like parametrizations; the RG-LRU's Lambda is a
    magnitude), "lambda" (real/imaginary or zoh) and "other" for a `DiagonalRNN`; "recurrent
    cell" for every parameter of a GRU or LSTM; the top-level field name (e.g. "W_z") for any
    other layer."""
    if isinstance(layer, DiagonalRNN):
        names = EIGENVALUE_GROUPS[layer.parametrization]

        def diagonal(path):
            match = re.fullmatch(r"\.eigenvalue_params\[(\d+)\]", path)
            return names[int(match.group(1))] if match else "other"

        return diagonal
    if isinstance(layer, RGLRU):
        return lambda path: "lambda magnitude" if path == ".log_a_param" else "other"
    if isinstance(layer, GATED_CELLS):
        return lambda path: "recurrent cell"
    return top_level_group


RECURRENT_PATH = re.compile(r"\.layers\[(\d+)\]\.recurrent(.*)")


def _label_leaves(model, groups) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Per differentiable leaf of the deep model (in `tree_leaves` order): its group, its block
    (-1 outside the blocks) and its size."""
    params = eqx.filter(model, eqx.is_inexact_array)
    labels, blocks, sizes = [], [], []
    for path, leaf in jax.tree_util.tree_flatten_with_path(params)[0]:
        path = jax.tree_util.keystr(path)
        block = re.match(r"\.layers\[(\d+)\]", path)
        recurrent = RECURRENT_PATH.fullmatch(path)
        if recurrent:
            layer = model.layers[int(recurrent.group(1))].recurrent
            labels.append(str((groups or default_groups(layer))(recurrent.group(2))))
        else:
            labels.append("other")
        blocks.append(int(block.group(1)) if block else -1)
        sizes.append(leaf.size)
    return labels, np.array(blocks), np.array(sizes, float)


def _mean_square(a: Array) -> Array:
    return jnp.mean(jnp.abs(a) ** 2)


@eqx.filter_jit
def _batch_statistics(model, x, loss):
    """Loss, per-block mean squares (L,) of residual streams and hidden states, and the sum of
    squared gradient entries of every differentiable leaf (in `tree_leaves` order)."""

    def objective(model):
        prediction, residuals, hiddens = model.trace(x)
        stats = (jnp.stack([_mean_square(r) for r in residuals]), jnp.stack([_mean_square(h) for h in hiddens]))
        return loss(prediction, x), stats

    (value, (residual, hidden)), grads = eqx.filter_value_and_grad(objective, has_aux=True)(model)
    return value, residual, hidden, jnp.stack([jnp.sum(jnp.abs(g) ** 2) for g in jax.tree_util.tree_leaves(grads)])


@dataclass(frozen=True)
class SignalPropagation:
    """Measurements over S memory scales, B batches and L blocks.

    loss: (S, B). residual, hidden: (S, B, L) mean squares. gradient: group -> (S, B) mean
    squared gradient entry over the group's parameters; layer_gradient: group -> (S, B, L),
    the same within each block (NaN where the block has none of the group's parameters).
    """

    memory_scales: np.ndarray
    loss: np.ndarray
    residual: np.ndarray
    hidden: np.ndarray
    gradient: dict[str, np.ndarray]
    layer_gradient: dict[str, np.ndarray]


def _check_inputs(inputs: Any, batch_size: int, n_sequences: int | None) -> int:
    shape = getattr(inputs, "shape", None)
    if shape is None or len(shape) != 3 or shape[1] < 2:
        raise ValueError(f"inputs must be an array-like of shape (N, T, d) with T >= 2, got shape {shape}")
    n = shape[0] if n_sequences is None else n_sequences
    if batch_size < 1 or n < batch_size or n % batch_size or n > shape[0]:
        raise ValueError(
            f"need 1 <= batch_size <= n_sequences <= {shape[0]} (the inputs' rows) with n_sequences "
            f"a multiple of batch_size; got batch_size={batch_size}, n_sequences={n}"
        )
    return n // batch_size


def signal_propagation(
    layer: Callable[[Array, float], Any],
    memory_scales: Iterable[float],
    inputs: Any,
    *,
    seed: int = 0,
    d_model: int = 256,
    n_layers: int = 4,
    norm: str = "none",
    norm_twice: bool = False,
    batch_size: int = 16,
    n_sequences: int | None = None,
    loss: Callable[[Array, Array], Array] = next_token_loss,
    groups: Callable[[str], str] | None = None,
    precision: str = "float64",
    on_progress: Callable[[int, int], None] | None = None,
) -> SignalPropagation:
    """Signal propagation of a deep residual network around `layer`, per memory scale.

    Args:
        layer: f(key, memory_scale) -> equinox.Module mapping (T, d_model) -> (T, d_model): a
            user's layer, or one of the paper's, e.g.
            `lambda key, t: models.recurrent_layer("lru", key, 256, t)`.
        memory_scales: the grid, each > 0 (what a scale means is the layer's business; the
            paper's layers remember for about that many steps).
        inputs: array-like (N, T, d_in) whose row slices give arrays (NumPy arrays,
            memory-mapped `.npy` files, `tasks.SyntheticEmbeddings`); the network's encoder
            maps d_in -> d_model and its decoder back.
        seed: key of the network's parameters, the same at every memory scale (as the paper).
        d_model, n_layers, norm ("none", "layer", "batch"), norm_twice: the network
            (`models.deep_rnn`); norm_twice is the paper notebook's double norm.
        batch_size: sequences per batch; n_sequences: how many of the first rows to use (all
            by default), a multiple of batch_size.
        loss: (prediction, x) -> scalar; `next_token_loss` (default) or `previous_token_loss`.
        groups: path inside the recurrent layer -> group label (`default_groups(layer)` by
            default); parameters outside the recurrent layers are "other".
        precision: "float64" (the paper's) or "float32". The network is built with float64
            enabled, then cast, so both precisions start from the same draw.
        on_progress: called with (batches done, total batches).

    Returns:
        `SignalPropagation` with (scales, batches[, blocks]) arrays.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    scales = np.asarray(list(memory_scales), float)
    if scales.ndim != 1 or scales.size == 0 or not np.all(scales > 0):
        raise ValueError(f"memory_scales must be a non-empty list of positive numbers, got {scales.tolist()}")
    n_batches = _check_inputs(inputs, batch_size, n_sequences)
    d_in = inputs.shape[2]
    dtype = jnp.float64 if precision == "float64" else jnp.float32
    per_scale = []
    for s, t in enumerate(scales):
        with jax.enable_x64(True):
            model = deep_rnn(
                jax.random.PRNGKey(seed),
                lambda key, t=float(t): layer(key, t),
                d_in=d_in,
                d_out=d_in,
                d_model=d_model,
                n_layers=n_layers,
                norm_kind=norm,
                norm_twice=norm_twice,
            )
        with jax.enable_x64(precision == "float64"):
            model = as_precision(model, precision)
            leaves = _label_leaves(model, groups)
            batches = []
            for b in range(n_batches):
                x = jnp.asarray(inputs[b * batch_size : (b + 1) * batch_size], dtype)
                batches.append([np.asarray(v, float) for v in _batch_statistics(model, x, loss)])
                if on_progress is not None:
                    on_progress(s * n_batches + b + 1, len(scales) * n_batches)
            per_scale.append((leaves, batches))
    return _assemble(scales, per_scale, n_layers)


def _assemble(scales, per_scale, n_layers) -> SignalPropagation:
    names = sorted({g for (labels, _, _), _ in per_scale for g in labels})
    n_batches = len(per_scale[0][1])
    gradient = {g: np.full((len(scales), n_batches), np.nan) for g in names}
    layer_gradient = {g: np.full((len(scales), n_batches, n_layers), np.nan) for g in names}
    for s, ((labels, blocks, sizes), batches) in enumerate(per_scale):
        labels = np.array(labels)
        for b, (*_, squares) in enumerate(batches):
            for g in names:
                mask = labels == g
                if mask.any():
                    gradient[g][s, b] = squares[mask].sum() / sizes[mask].sum()
                for block in range(n_layers):
                    in_block = mask & (blocks == block)
                    if in_block.any():
                        layer_gradient[g][s, b, block] = squares[in_block].sum() / sizes[in_block].sum()

    def stack(i):
        return np.array([[batch[i] for batch in batches] for _, batches in per_scale])

    return SignalPropagation(scales, stack(0), stack(1), stack(2), gradient, layer_gradient)
