"""Train an ensemble (seeds x learning rates) of models in one compiled program.

The protocol of Zucchet & Orvieto (2024), Sec. 4.2 by default: Adam (optax defaults, no
weight decay, no clipping), one learning rate for all parameters, cosine decay from the peak to 1e-7 over
all steps, fresh data every step. Seeds follow the paper's code: the model is initialized
from PRNGKey(seed), training data come from PRNGKey(seed + 1), validation data from
PRNGKey(seed + 4315623). Members that share a seed share their data (and initialization),
so a batch is drawn once per seed and reused by every learning rate.

A member whose loss becomes NaN or infinite is marked diverged; the others go on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import Array

from curse_of_memory.training.checkpoint import run_chunks
from curse_of_memory.training.schedule import SCHEDULES, learning_rate_at

VALIDATION_SEED_OFFSET = 4315623
TRAIN_DATA_SEED_OFFSET = 1


class EnsembleResult(NamedTuple):
    """Arrays lead with (n_seeds, n_learning_rates).

    epoch_loss: (S, L, E) mean training loss of each epoch (fresh data, so unseen batches).
    final_loss: (S, L) mean training loss of the last epoch: what the paper's figures plot.
    validation_loss: (S, L) mean loss on `validation_batches` fresh batches.
    diverged: (S, L) whether the loss ever became NaN or infinite.
    metrics: dict of arrays recorded at the end of epochs: "grad_norm" (of the last step)
        and "param_norm", (S, L, E), after every epoch; whatever `epoch_metrics` returns,
        (S, L, E // metrics_every, ...), after epochs e with e mod metrics_every =
        metrics_every - 1 (0-based).
    models: the final models, stacked with leading (S, L) axes.
    opt_state: the final optax Adam state, stacked likewise.
    """

    epoch_loss: np.ndarray
    final_loss: np.ndarray
    validation_loss: np.ndarray
    diverged: np.ndarray
    metrics: dict[str, np.ndarray]
    models: Any
    opt_state: Any

    def member_row(self, i: int, j: int) -> dict:
        """The losses and status of member (seed i, learning rate j) as plain values for a result row."""
        return {
            "final_loss": float(self.final_loss[i, j]),
            "validation_loss": float(self.validation_loss[i, j]),
            "diverged": bool(self.diverged[i, j]),
            "epoch_loss": self.epoch_loss[i, j].tolist(),
        }

    def rows(self, seeds: Sequence[int], learning_rates: Sequence[float], **fields: Any) -> list[dict]:
        """One result row per member, seeds outer and learning rates inner: `fields`, then
        "seed", "lr" and the member's losses and status (`member_row`)."""
        return [
            {**fields, "seed": seed, "lr": lr, **self.member_row(i, j)}
            for i, seed in enumerate(seeds)
            for j, lr in enumerate(learning_rates)
        ]


def _check_positive(name: str, value) -> None:
    if not value > 0:
        raise ValueError(f"{name} must be positive, got {value}")


def train_ensemble(
    task,
    init_model: Callable[[Array], eqx.Module],
    *,
    seeds: Sequence[int],
    learning_rates: Sequence[float],
    steps: int,
    steps_per_epoch: int = 100,
    schedule: str = "cosine",
    validation_batches: int = 100,
    optimizer: str | optax.GradientTransformation = "adam",
    project: Callable[[eqx.Module], eqx.Module] | None = None,
    epoch_metrics: Callable[[eqx.Module, Any, Array], dict[str, Array]] | None = None,
    metrics_every: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> EnsembleResult:
    """Train len(seeds) x len(learning_rates) models on `task`.

    Args:
        task: has `sample(key) -> batch` and `loss(model, batch) -> scalar`; an Equinox
            module or any pytree (its arrays are traced, so tasks of equal shapes share one
            compilation).
        init_model: key -> model (an Equinox module whose inexact arrays are all trained).
        seeds, learning_rates: the grid; learning rates are the peak values.
        steps: optimizer steps, a multiple of `steps_per_epoch`.
        schedule: "cosine" (peak to 1e-7) or "constant".
        optimizer: the update direction before the learning rate: "adam" (optax defaults,
            the paper's), "clipped_adam" (global gradient norm clipped to 0.25 first), "sgd"
            (plain gradient descent), or any `optax.GradientTransformation` without a learning
            rate of its own (the schedule then scales its update; reuse one object across
            calls to reuse the compilation).
        project: model -> model applied after every update (e.g. a stability projection);
            a module-level function, so that repeated calls reuse the compilation.
        epoch_metrics: (model, adam_state, current_lr) -> dict of arrays, recorded every
            `metrics_every` epochs (a hook that runs the model for long, like an orbit
            diagram, is then neither computed nor stored at the epochs in between).
        on_progress: called with (steps_done, steps) as chunks of epochs finish.
    """
    for name, value in (
        ("steps", steps),
        ("steps_per_epoch", steps_per_epoch),
        ("validation_batches", validation_batches),
        ("metrics_every", metrics_every),
    ):
        _check_positive(name, value)
    for lr in learning_rates:
        _check_positive("every learning rate", lr)
    if steps % steps_per_epoch:
        raise ValueError(f"steps ({steps}) must be a multiple of steps_per_epoch ({steps_per_epoch})")
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    if isinstance(optimizer, str):
        if optimizer not in OPTIMIZERS:
            raise ValueError(
                f"optimizer must be one of {list(OPTIMIZERS)} or an optax.GradientTransformation, got {optimizer!r}"
            )
        optimizer = OPTIMIZERS[optimizer]
    seeds = np.asarray(seeds, dtype=np.int64)
    lrs = jnp.asarray(learning_rates, dtype=jnp.float32)
    n_seeds, n_lrs, n_epochs = len(seeds), len(lrs), steps // steps_per_epoch
    if n_epochs % metrics_every:
        raise ValueError(f"the number of epochs ({n_epochs}) must be a multiple of metrics_every ({metrics_every})")

    models = eqx.filter_vmap(init_model)(jnp.stack([jax.random.PRNGKey(int(s)) for s in seeds]))
    params, static = eqx.partition(models, eqx.is_inexact_array)
    params = jax.tree.map(lambda a: jnp.broadcast_to(a[:, None], (n_seeds, n_lrs, *a.shape[1:])), params)
    opt_state = jax.vmap(jax.vmap(optimizer.init))(params)
    data_keys = jnp.stack([jax.random.PRNGKey(int(s) + TRAIN_DATA_SEED_OFFSET) for s in seeds])
    val_keys = jnp.stack([jax.random.PRNGKey(int(s) + VALIDATION_SEED_OFFSET) for s in seeds])
    protocol = _Protocol(steps, steps_per_epoch, schedule, optimizer, project, epoch_metrics, metrics_every)

    def run_chunk(state, first):
        first = jnp.asarray(first)
        params, opt_state, loss, metrics = _run_epochs(*state, static, task, data_keys, lrs, first, chunk, protocol)
        return (params, opt_state), loss, metrics

    chunk = metrics_every * _chunk_size(n_epochs // metrics_every)
    describe = f"ensemble {seeds.tolist()} {learning_rates} {protocol[:3]} {metrics_every} {validation_batches}"
    (params, opt_state), losses, metrics = run_chunks(
        run_chunk, (params, opt_state), n_epochs=n_epochs, chunk=chunk, describe=describe,
        on_progress=on_progress, steps_per_epoch=steps_per_epoch,
    )  # fmt: skip
    # Chunks are (epochs or snapshots, S, L, ...): put that axis after the member axes.
    epoch_loss = np.moveaxis(losses, 0, -1)
    metrics = {k: np.moveaxis(v, 0, 2) for k, v in metrics.items()}
    validation = _validation_loss(task, static, params, val_keys, validation_batches)
    return EnsembleResult(
        epoch_loss=epoch_loss,
        final_loss=epoch_loss[..., -1],
        validation_loss=np.asarray(validation),
        diverged=~np.all(np.isfinite(epoch_loss), axis=-1),
        metrics=metrics,
        models=eqx.combine(params, static),
        opt_state=opt_state,
    )


# Update directions before the learning rate: module-level, so compilations are reused.
# "clipped_adam" clips the global gradient norm to 0.25 before Adam, as PyTorch's
# clip_grad_norm_(0.25) in Ribeiro et al. (2020)'s code.
OPTIMIZERS = {
    "adam": optax.scale_by_adam(),
    "sgd": optax.identity(),
    "clipped_adam": optax.chain(optax.clip_by_global_norm(0.25), optax.scale_by_adam()),
}


class _Protocol(NamedTuple):
    """The static (hashable) settings of a training run: one compilation per distinct value."""

    steps: int
    steps_per_epoch: int
    schedule: str
    optimizer: optax.GradientTransformation
    project: Callable | None
    epoch_metrics: Callable | None
    metrics_every: int


def apply_update(protocol: _Protocol, static, p, s, grads, lr, t):
    """One optimizer step of one member at step t: (params, state) -> (params, state)."""
    updates, s = protocol.optimizer.update(grads, s)
    lr_t = learning_rate_at(protocol.schedule, t, lr, protocol.steps)
    p = jax.tree.map(lambda w, u: w - lr_t * u, p, updates)
    if protocol.project is not None:
        p = eqx.partition(protocol.project(eqx.combine(p, static)), eqx.is_inexact_array)[0]
    return p, s


def _seed_epoch(params, opt_state, static, task, data_key, lrs, epoch, protocol):
    """One epoch for the members of one seed: params and states lead with (L,)."""

    def member_loss(p, batch):
        return task.loss(eqx.combine(p, static), batch)

    def step(carry, i):
        params, opt_state = carry
        t = epoch * protocol.steps_per_epoch + i
        batch = task.sample(jax.random.fold_in(data_key, t))

        def member(p, s, lr):
            loss, grads = jax.value_and_grad(member_loss)(p, batch)
            p, s = apply_update(protocol, static, p, s, grads, lr, t)
            return p, s, loss, optax.tree.norm(grads)

        params, opt_state, loss, grad_norm = jax.vmap(member)(params, opt_state, lrs)
        return (params, opt_state), (loss, grad_norm)

    (params, opt_state), (losses, grad_norms) = jax.lax.scan(
        step, (params, opt_state), jnp.arange(protocol.steps_per_epoch)
    )

    metrics = {"grad_norm": grad_norms[-1], "param_norm": jax.vmap(optax.tree.norm)(params)}
    return params, opt_state, jnp.mean(losses, axis=0), metrics


def _hook_metrics(params, opt_state, static, lrs, epoch, protocol):
    """`protocol.epoch_metrics` at the end of `epoch` for the members of one seed ((L,) leading)."""
    end = (epoch + 1) * protocol.steps_per_epoch

    def record(p, s, lr):
        lr_t = learning_rate_at(protocol.schedule, end, lr, protocol.steps)
        return protocol.epoch_metrics(eqx.combine(p, static), s, lr_t)

    return jax.vmap(record)(params, opt_state, lrs)


@eqx.filter_jit
def _run_epochs(params, opt_state, static, task, data_keys, lrs, first_epoch, n_epochs, protocol):
    """`n_epochs` epochs of every member (a multiple of `protocol.metrics_every`); seeds on
    axis 0, learning rates on axis 1. Returns per-epoch losses (n_epochs, S, L) and metrics,
    the hook's per snapshot (n_epochs // metrics_every, S, L, ...)."""
    every = protocol.metrics_every

    def epoch_body(carry, epoch):
        params, opt_state = carry
        params, opt_state, loss, metrics = jax.vmap(_seed_epoch, in_axes=(0, 0, None, None, 0, None, None, None))(
            params, opt_state, static, task, data_keys, lrs, epoch, protocol
        )
        return (params, opt_state), (loss, metrics)

    def snapshot_body(carry, first):
        (params, opt_state), (loss, metrics) = jax.lax.scan(epoch_body, carry, first + jnp.arange(every))
        if protocol.epoch_metrics is not None:
            metrics["hook"] = jax.vmap(_hook_metrics, in_axes=(0, 0, None, None, None, None))(
                params, opt_state, static, lrs, first + every - 1, protocol
            )
        return (params, opt_state), (loss, metrics)

    (params, opt_state), (loss, metrics) = jax.lax.scan(
        snapshot_body, (params, opt_state), first_epoch + every * jnp.arange(n_epochs // every)
    )
    # (snapshots, every, ...) -> (epochs, ...) for the per-epoch records; the hook's stay per snapshot.
    hook = metrics.pop("hook", {})
    per_epoch = jax.tree.map(lambda a: a.reshape(-1, *a.shape[2:]), (loss, metrics))
    return params, opt_state, per_epoch[0], {**per_epoch[1], **hook}


def _chunk_size(n_epochs: int, target_chunks: int = 20) -> int:
    """The largest divisor of n_epochs giving at least `target_chunks` progress updates (or 1
    epoch per chunk), so every chunk has the same length and compiles once."""
    best = 1
    for size in range(1, n_epochs + 1):
        if n_epochs % size == 0 and n_epochs // size >= min(target_chunks, n_epochs):
            best = size
    return best


@eqx.filter_jit
def _validation_loss(task, static, params, val_keys, n_batches):
    def seed_validation(params_L, key):
        def batch_loss(i):
            batch = task.sample(jax.random.fold_in(key, i))
            return jax.vmap(lambda p: task.loss(eqx.combine(p, static), batch))(params_L)

        return jnp.mean(jax.lax.map(batch_loss, jnp.arange(n_batches)), axis=0)

    return jax.vmap(seed_validation)(params, val_keys)
