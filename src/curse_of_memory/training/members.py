"""Train a grid of teacher-student members that share their batches, in one compiled program.

A member is (task, student, learning rate): e.g. every (student, nu0, learning rate) of one
figure. With the seed conventions of `train_ensemble` (model from PRNGKey(seed), training data
from PRNGKey(seed + 1), validation data from PRNGKey(seed + 4315623)), every member of a seed
sees the same input stream, so each step draws one batch x (B, T, d_in) per seed, computes its
Gram tensor G once (`TeacherStudent.statistics`, O(B T^2)), and every member's loss and
gradient come from G and its own error kernel (`TeacherStudent.statistics_loss`, O(T^2)):
exactly the sampled loss of Zucchet & Orvieto (2024), Sec. 4.2, for linear students.

Members whose models have the same structure and shapes form a group, vmapped; the groups are
unrolled inside the program. Seeds are vmapped around everything. The optimizer, schedule
and per-epoch records are those of `train_ensemble` (same `_Protocol`, same update).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from curse_of_memory.training.checkpoint import run_chunks
from curse_of_memory.training.ensemble import (
    OPTIMIZERS,
    TRAIN_DATA_SEED_OFFSET,
    VALIDATION_SEED_OFFSET,
    EnsembleResult,
    _check_positive,
    _chunk_size,
    _Protocol,
    apply_update,
)
from curse_of_memory.training.schedule import SCHEDULES, learning_rate_at


class Member(NamedTuple):
    """task: a sample-mode `TeacherStudent` (its teacher, e.g. its nu0); init_model: key ->
    linear student (with `kernel(T)`); learning_rate: the peak learning rate."""

    task: Any
    init_model: Callable[[Array], eqx.Module]
    learning_rate: float


class MembersResult(NamedTuple):
    """Arrays lead with (n_seeds, n_members), members in the order given.

    epoch_loss: (S, M, E) mean training loss of each epoch; final_loss: (S, M) that of the
    last epoch; validation_loss: (S, M) mean over `validation_batches` fresh batches;
    diverged: (S, M) whether an epoch's loss was ever NaN or infinite; metrics: what
    `epoch_metrics` returns, (S, M, E, ...), after every epoch (empty without the hook);
    models: one model per member, its arrays leading with (S,).
    """

    epoch_loss: np.ndarray
    final_loss: np.ndarray
    validation_loss: np.ndarray
    diverged: np.ndarray
    metrics: dict[str, np.ndarray]
    models: list

    member_row = EnsembleResult.member_row  # (seed i, member j) -> losses and status, plain values


def group_members(members: Sequence[Member], key: Array) -> list[list[int]]:
    """Indices of members whose models (as built from `key`) have the same structure, static
    fields and array shapes: each group is vmapped as one stack."""
    groups: dict[Any, list[int]] = {}
    for i, m in enumerate(members):
        shapes = jax.eval_shape(m.init_model, key)
        signature = (jax.tree.structure(shapes), tuple((a.shape, a.dtype) for a in jax.tree.leaves(shapes)))
        groups.setdefault(signature, []).append(i)
    return list(groups.values())


def train_members(
    members: Sequence[Member],
    *,
    seeds: Sequence[int],
    steps: int,
    steps_per_epoch: int = 100,
    schedule: str = "cosine",
    validation_batches: int = 100,
    optimizer: str = "adam",
    epoch_metrics: Callable[[eqx.Module, Any, Array], dict[str, Array]] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> MembersResult:
    """Train every member for every seed (S x M runs) from shared Gram tensors.

    All tasks must draw the same inputs (equal batch_size, T and d_in, sample mode); the
    students must be linear (have `kernel`). Arguments as `train_ensemble`; `epoch_metrics`
    (model, optimizer state, current lr) -> dict of arrays runs after every epoch, and its
    arrays must have the same shapes for every member (e.g. statistics of a parameter group).
    """
    if not members:
        raise ValueError("train_members needs at least one member")
    for name, value in (
        ("steps", steps),
        ("steps_per_epoch", steps_per_epoch),
        ("validation_batches", validation_batches),
    ):
        _check_positive(name, value)
    for m in members:
        _check_positive("every learning rate", m.learning_rate)
    if steps % steps_per_epoch:
        raise ValueError(f"steps ({steps}) must be a multiple of steps_per_epoch ({steps_per_epoch})")
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    template = members[0].task
    shape = (template.batch_size, template.T, template.teacher.d_in)
    for m in members:
        if m.task.mode != "sample" or (m.task.batch_size, m.task.T, m.task.teacher.d_in) != shape:
            raise ValueError("every member's task must be in sample mode with the same batch_size, T and d_in")

    n_epochs = steps // steps_per_epoch
    protocol = _Protocol(steps, steps_per_epoch, schedule, OPTIMIZERS[optimizer], None, epoch_metrics, 1)
    seed_keys = jnp.stack([jax.random.PRNGKey(int(s)) for s in seeds])
    groups = group_members(members, seed_keys[0])
    params, statics, tasks, lrs, states = [], [], [], [], []
    for group in groups:
        # (S, M_g) models: each member initialized from every seed, then stacked on axis 1.
        models = [eqx.filter_vmap(members[i].init_model)(seed_keys) for i in group]
        p, static = eqx.partition(models[0], eqx.is_inexact_array)
        p = jax.tree.map(lambda *a: jnp.stack(a, axis=1), *[eqx.partition(m, eqx.is_inexact_array)[0] for m in models])
        params.append(p)
        statics.append(static)
        tasks.append(jax.tree.map(lambda *a: jnp.stack(a), *[members[i].task for i in group]))
        lrs.append(jnp.asarray([members[i].learning_rate for i in group], dtype=jnp.float32))
        states.append(jax.vmap(jax.vmap(protocol.optimizer.init))(p))
    params, statics, tasks, lrs, states = map(tuple, (params, statics, tasks, lrs, states))
    data_keys = jnp.stack([jax.random.PRNGKey(int(s) + TRAIN_DATA_SEED_OFFSET) for s in seeds])
    val_keys = jnp.stack([jax.random.PRNGKey(int(s) + VALIDATION_SEED_OFFSET) for s in seeds])

    def run_chunk(state, first):
        params, states, loss, metrics = _run_epochs(
            *state, statics, tasks, template, lrs, data_keys, jnp.asarray(first), chunk, protocol
        )
        return (params, states), loss, metrics

    chunk = _chunk_size(n_epochs)
    describe = f"members {list(seeds)} {[m.learning_rate for m in members]} {protocol[:3]} {validation_batches}"
    (params, states), losses, metrics = run_chunks(
        run_chunk, (params, states), n_epochs=n_epochs, chunk=chunk, describe=describe,
        on_progress=on_progress, steps_per_epoch=steps_per_epoch,
    )  # fmt: skip
    order = np.concatenate([np.asarray(g) for g in groups])
    inverse = np.argsort(order)
    # (E, S, M, ...) in group order -> (S, M, E, ...) in the members' order
    per_member = lambda a: np.moveaxis(a, 0, 2)[:, inverse]  # noqa: E731
    epoch_loss = per_member(losses)
    validation = np.asarray(_validation_loss(params, statics, tasks, template, val_keys, validation_batches))
    models = [None] * len(members)
    for g, group in enumerate(groups):
        for j, i in enumerate(group):
            models[i] = eqx.combine(jax.tree.map(lambda a, j=j: a[:, j], params[g]), statics[g])
    return MembersResult(
        epoch_loss=epoch_loss,
        final_loss=epoch_loss[..., -1],
        validation_loss=validation[:, inverse],
        diverged=~np.all(np.isfinite(epoch_loss), axis=-1),
        metrics={k: per_member(v) for k, v in metrics.items()},
        models=models,
    )


def _group_losses(params, statics, tasks, G, grad: bool = True):
    """Each group's member losses (M_g,), with their gradients if `grad`, on the Gram tensor G."""
    out = []
    for p, static, task in zip(params, statics, tasks, strict=True):

        def member(p, task, static=static):
            loss = lambda q: task.statistics_loss(eqx.combine(q, static), G)  # noqa: E731
            return jax.value_and_grad(loss)(p) if grad else loss(p)

        out.append(jax.vmap(member)(p, task))
    return out


def _seed_epoch(params, states, statics, tasks, template, lrs, data_key, epoch, protocol):
    """One epoch of every member of one seed: each group's params lead with (M_g,)."""

    def step(carry, i):
        params, states = carry
        t = epoch * protocol.steps_per_epoch + i
        G = template.statistics(template.sample(jax.random.fold_in(data_key, t)))
        new_params, new_states, losses = [], [], []
        for (loss, grads), p, s, lr, static in zip(
            _group_losses(params, statics, tasks, G), params, states, lrs, statics, strict=True
        ):
            p, s = jax.vmap(lambda p, s, g, lr, static=static: apply_update(protocol, static, p, s, g, lr, t))(
                p, s, grads, lr
            )
            new_params.append(p)
            new_states.append(s)
            losses.append(loss)
        return (tuple(new_params), tuple(new_states)), jnp.concatenate(losses)

    (params, states), losses = jax.lax.scan(step, (params, states), jnp.arange(protocol.steps_per_epoch))
    return params, states, jnp.mean(losses, axis=0), _hook_metrics(params, states, statics, lrs, epoch, protocol)


def _hook_metrics(params, states, statics, lrs, epoch, protocol):
    """`protocol.epoch_metrics` of every member at the end of `epoch`, concatenated over the
    groups ((M,) leading, group order); {} without the hook."""
    if protocol.epoch_metrics is None:
        return {}
    end = (epoch + 1) * protocol.steps_per_epoch

    def record(p, s, lr, static):
        lr_t = learning_rate_at(protocol.schedule, end, lr, protocol.steps)
        return protocol.epoch_metrics(eqx.combine(p, static), s, lr_t)

    per_group = [
        jax.vmap(lambda p, s, lr, static=static: record(p, s, lr, static))(p, s, lr)
        for p, s, lr, static in zip(params, states, lrs, statics, strict=True)
    ]
    return jax.tree.map(lambda *a: jnp.concatenate(a), *per_group)


@eqx.filter_jit
def _run_epochs(params, states, statics, tasks, template, lrs, data_keys, first_epoch, n_epochs, protocol):
    """`n_epochs` epochs of every seed (axis 0) and member; losses (n_epochs, S, M) and the
    hook's metrics (n_epochs, S, M, ...), members in group order."""

    def epoch_body(carry, epoch):
        params, states = carry
        params, states, loss, metrics = jax.vmap(_seed_epoch, in_axes=(0, 0, None, None, None, None, 0, None, None))(
            params, states, statics, tasks, template, lrs, data_keys, epoch, protocol
        )
        return (params, states), (loss, metrics)

    (params, states), (loss, metrics) = jax.lax.scan(epoch_body, (params, states), first_epoch + jnp.arange(n_epochs))
    return params, states, loss, metrics


@eqx.filter_jit
def _validation_loss(params, statics, tasks, template, val_keys, n_batches):
    """(S, M) mean loss over n_batches fresh batches per seed, members in group order."""

    def seed_validation(params, key):
        def batch_loss(i):
            G = template.statistics(template.sample(jax.random.fold_in(key, i)))
            return jnp.concatenate(_group_losses(params, statics, tasks, G, grad=False))

        return jnp.mean(jax.lax.map(batch_loss, jnp.arange(n_batches)), axis=0)

    return jax.vmap(seed_validation)(params, val_keys)
