"""`train_members`: a grid of (task, student, learning rate) members trained from shared Gram
tensors, against `train_ensemble` on the convolution (reference) path."""

from functools import partial

import equinox as eqx
import numpy as np
import optax
import pytest

from curse_of_memory.models import linear_rnn, lru
from curse_of_memory.tasks import teacher_student
from curse_of_memory.tasks.teacher_student import TeacherStudent
from curse_of_memory.training import Member, train_ensemble, train_members

T, BATCH = 100, 32


@pytest.fixture(scope="module")
def grid():
    """LRU at two nu0 and a dense RNN, 2 seeds, 1,000 steps: one program."""
    tasks = {nu0: teacher_student(nu0, T=T, batch_size=BATCH) for nu0 in (0.9, 0.99)}
    members = [
        Member(tasks[0.9], partial(lru, d_in=1, d_out=1, d_hidden=16, nu_min=0.9), 3e-3),
        Member(tasks[0.99], partial(linear_rnn, d_in=1, d_out=1, d_hidden=16), 1e-3),
        Member(tasks[0.99], partial(lru, d_in=1, d_out=1, d_hidden=16, nu_min=0.99), 3e-3),
    ]
    return members, train_members(members, seeds=[0, 1], steps=1000, validation_batches=2)


@pytest.mark.slow
def test_float32_trajectories_follow_the_convolution_path(grid):
    """1,000 float32 steps from shared Gram tensors stay within 1e-3 (relative, every epoch)
    of each member trained alone through the convolution."""
    members, result = grid
    assert result.epoch_loss.shape == (2, 3, 10) and not result.diverged.any()
    for i, m in enumerate(members):
        reference = train_ensemble(
            TeacherStudent(m.task.teacher, m.task.teacher_kernel, BATCH, "sample", "convolution"),
            m.init_model,
            seeds=[0, 1],
            learning_rates=[m.learning_rate],
            steps=1000,
            validation_batches=2,
        )
        np.testing.assert_allclose(result.epoch_loss[:, i], reference.epoch_loss[:, 0], rtol=1e-3)
        np.testing.assert_allclose(result.validation_loss[:, i], reference.validation_loss[:, 0], rtol=1e-3)
        assert result.final_loss[0, i] < 0.1 * result.epoch_loss[0, i, 0]


def test_a_small_grid_matches_training_each_member_alone():
    """Two architectures in one program, members out of group order, 200 steps."""
    task = teacher_student(0.9, T=20, batch_size=8)
    members = [
        Member(task, partial(lru, d_in=1, d_out=1, d_hidden=4, nu_min=0.9), 1e-2),
        Member(task, partial(linear_rnn, d_in=1, d_out=1, d_hidden=4), 1e-2),
        Member(task, partial(lru, d_in=1, d_out=1, d_hidden=4, nu_min=0.9), 1e-3),
    ]
    result = train_members(members, seeds=[3], steps=200, validation_batches=2, epoch_metrics=_hook)
    assert [type(m).__name__ for m in result.models] == ["DiagonalRNN", "LinearRNN", "DiagonalRNN"]
    assert result.models[1].A.shape == (1, 1, 4, 4) and result.final_loss.shape == (1, 3)
    reference = TeacherStudent(task.teacher, task.teacher_kernel, 8, "sample", "convolution")
    for i in (1, 2):
        alone = train_ensemble(
            reference,
            members[i].init_model,
            seeds=[3],
            learning_rates=[members[i].learning_rate],
            steps=200,
            validation_batches=2,
            epoch_metrics=_hook,
        )
        np.testing.assert_allclose(result.epoch_loss[:, i], alone.epoch_loss[:, 0], rtol=1e-4)
        np.testing.assert_allclose(result.validation_loss[:, i], alone.validation_loss[:, 0], rtol=1e-4)
        for name in ("lr", "norm"):  # (S, M, E): after each of the 2 epochs
            assert result.metrics[name].shape == (1, 3, 2)
            np.testing.assert_allclose(result.metrics[name][:, i], alone.metrics[name][:, 0], rtol=1e-4)


def _hook(model, adam_state, lr):
    """The current learning rate and the parameters' norm: both differ between members."""
    return {"lr": lr, "norm": optax.tree.norm(eqx.filter(model, eqx.is_inexact_array))}


def test_members_must_share_their_inputs():
    a, b = teacher_student(0.5, T=10, batch_size=4), teacher_student(0.5, T=12, batch_size=4)
    init = partial(linear_rnn, d_in=1, d_out=1, d_hidden=2)
    with pytest.raises(ValueError, match="same batch_size"):
        train_members([Member(a, init, 1e-3), Member(b, init, 1e-3)], seeds=[0], steps=100)
