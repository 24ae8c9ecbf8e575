"""Step-level parity with the original code of Zucchet & Orvieto (2024): the project's loss,
gradient and Adam update computed from the original's own parameters, batch and optimizer
state, against what the original computed from them.

`arrays` holds the original's numbers under the names written by bench/official_original.py
(the fixture tests/data/official_parity.npz is a subset): "teacher/A".."teacher/D"; and per
student kind ("lru", "rnn"), "{kind}/init/params/..." (initial parameters), "{kind}/x",
"{kind}/y" (a batch, (B, T, 1)), "{kind}/loss" and "{kind}/grad/params/..." (its loss and
gradient), "{kind}/epoch1/params/..." and "{kind}/adam/0/{count,mu,nu}/..." (parameters and
Adam state after one epoch), "{kind}/x_next", "{kind}/y_next" (the next batch),
"{kind}/next/params/..." (the parameters after one step on it) and "{kind}/lr" (peak rate).
"""

from __future__ import annotations

from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from curse_of_memory.models.flax_layout import linear_rnn_from_flax, lru_from_flax
from curse_of_memory.tasks import teacher_student
from curse_of_memory.training.schedule import learning_rate_at

FROM_FLAX = {"lru": lru_from_flax, "rnn": linear_rnn_from_flax}
NU0, STEPS = 0.99, 10_000  # the task and schedule length of the arrays (Fig. 3, nu0 = 0.99)


def under(arrays: Mapping[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The arrays whose names start with `prefix`, named by the rest of their names."""
    return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}


def _model(arrays, kind: str, prefix: str):
    return FROM_FLAX[kind](under(arrays, f"{kind}/{prefix}/"))


def _flat(tree) -> np.ndarray:
    return np.concatenate([np.ravel(a) for a in jax.tree.leaves(eqx.filter(tree, eqx.is_inexact_array))])


def _relative(ours, theirs) -> float:
    return float(np.linalg.norm(_flat(ours) - _flat(theirs)) / np.linalg.norm(_flat(theirs)))


def batch_loss(model, x, y):
    """The original's loss: 1/2 mean over batch and time of the squared output error."""
    return 0.5 * jnp.mean(jnp.sum((jax.vmap(model)(x) - y) ** 2, axis=-1))


def teacher_error(arrays: Mapping[str, np.ndarray]) -> float:
    """Largest relative difference between our teacher's A, B, C, D (seed 42, legacy PRNG,
    nu0 = 0.99) and the original's."""
    teacher = teacher_student(NU0).teacher
    ours = {"A": teacher.A[0], "B": teacher.B, "C": teacher.C, "D": teacher.D}
    return max(
        float(np.max(np.abs(ours[k] - arrays[f"teacher/{k}"])) / np.max(np.abs(arrays[f"teacher/{k}"]))) for k in ours
    )


def step_errors(arrays: Mapping[str, np.ndarray], kind: str) -> dict[str, float]:
    """Relative differences between the project and the original for student `kind`.

    loss: our loss of the original's initial parameters on its batch and targets;
    teacher_loss: the same with targets from our teacher (`teacher_student`);
    gradient: ||g_ours - g_original|| / ||g_original|| over all parameters;
    update: our Adam step from the original's (parameters, state) after one epoch, as
    ||p_ours - p_original|| / ||p_original - p_before||: the error relative to the step.
    """
    model, x, y = _model(arrays, kind, "init/params"), arrays[f"{kind}/x"], arrays[f"{kind}/y"]
    loss, grads = eqx.filter_value_and_grad(batch_loss)(model, x, y)
    theirs = float(arrays[f"{kind}/loss"])
    teacher_loss = teacher_student(NU0).loss(model, x)

    before = _model(arrays, kind, "epoch1/params")
    state = optax.ScaleByAdamState(
        count=jnp.asarray(arrays[f"{kind}/adam/0/count"]),
        mu=_model(arrays, kind, "adam/0/mu/params"),
        nu=_model(arrays, kind, "adam/0/nu/params"),
    )
    step_grads = eqx.filter_grad(batch_loss)(before, arrays[f"{kind}/x_next"], arrays[f"{kind}/y_next"])
    updates, _ = optax.scale_by_adam().update(step_grads, state)
    lr = learning_rate_at("cosine", state.count, float(arrays[f"{kind}/lr"]), STEPS)
    after = eqx.apply_updates(before, jax.tree.map(lambda u: -lr * u, updates))
    theirs_after = _model(arrays, kind, "next/params")
    return {
        "loss": abs(float(loss) - theirs) / theirs,
        "teacher_loss": abs(float(teacher_loss) - theirs) / theirs,
        "gradient": _relative(grads, _model(arrays, kind, "grad/params")),
        "update": float(np.linalg.norm(_flat(after) - _flat(theirs_after)))
        / float(np.linalg.norm(_flat(theirs_after) - _flat(before))),
    }
