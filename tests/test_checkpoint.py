"""Stopped trainings resume from their last saved chunk with the result of an uninterrupted
run, bit for bit (`training/checkpoint.py`), and the runner resumes a stopped unit."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from curse_of_memory.harness.claims import info
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.settings import Settings
from curse_of_memory.models import linear_rnn, lru
from curse_of_memory.runner.store import RunStore
from curse_of_memory.runner.sweep import run_units
from curse_of_memory.tasks import teacher_student
from curse_of_memory.training import Member, train_ensemble, train_members
from curse_of_memory.training.checkpoint import saving_to

TASK = teacher_student(0.9, T=20, batch_size=8)


class Stop(Exception):
    """Stands for a killed process."""


def stop_after(n_calls):
    calls = []

    def progress(done, total):
        calls.append(done)
        if len(calls) == n_calls:
            raise Stop

    return progress


def norm_of_A(model, state, lr):
    return {"A_norm": jnp.linalg.norm(model.A), "lr": lr}


def ensemble(lr=1e-2, on_progress=None):
    return train_ensemble(
        TASK,
        lambda key: linear_rnn(key, 1, 1, 4),
        seeds=[0, 1],
        learning_rates=[lr, 3 * lr],
        steps=800,
        epoch_metrics=norm_of_A,
        metrics_every=2,
        validation_batches=2,
        on_progress=on_progress,
    )


def assert_identical(a, b):
    np.testing.assert_array_equal(a.epoch_loss, b.epoch_loss)
    np.testing.assert_array_equal(a.validation_loss, b.validation_loss)
    assert a.metrics.keys() == b.metrics.keys()
    for k in a.metrics:
        np.testing.assert_array_equal(a.metrics[k], b.metrics[k])
    for x, y in zip(jax.tree.leaves(a.models), jax.tree.leaves(b.models), strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.fixture(scope="module")
def reference():
    return ensemble()


def test_a_stopped_ensemble_resumes_bit_for_bit(tmp_path, reference):
    with saving_to(tmp_path), pytest.raises(Stop):
        ensemble(on_progress=stop_after(2))  # 4 chunks of 2 epochs; stopped after the second
    assert np.load(tmp_path / "training-0.npz")["epoch"] == 4
    seen = []
    with saving_to(tmp_path) as saving:
        resumed = ensemble(on_progress=lambda done, total: seen.append(done))
    assert seen == [600, 800], "the saved chunks are not run again"
    assert saving.resumed_seconds > 0
    assert_identical(resumed, reference)


def test_a_finished_training_is_replayed_and_another_one_ignores_the_file(tmp_path, reference):
    with saving_to(tmp_path):
        ensemble()
    seen = []
    with saving_to(tmp_path):
        assert_identical(ensemble(on_progress=lambda done, total: seen.append(done)), reference)
    assert seen == []
    # Another training at the same place (other learning rates): the file is not its own.
    with saving_to(tmp_path) as saving:
        other = ensemble(lr=2e-2)
    assert saving.resumed_seconds == 0
    assert_identical(other, ensemble(lr=2e-2))


def test_trainings_of_a_unit_are_numbered_and_nothing_is_saved_outside(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ensemble()
    assert list(tmp_path.iterdir()) == []
    with saving_to(tmp_path / "unit"):
        ensemble()
        ensemble(lr=2e-2)
    assert sorted(p.name for p in (tmp_path / "unit").iterdir()) == ["training-0.npz", "training-1.npz"]


def test_a_stopped_grid_of_members_resumes_bit_for_bit(tmp_path):
    members = [
        Member(TASK, partial(lru, d_in=1, d_out=1, d_hidden=4, nu_min=0.9), 1e-2),
        Member(TASK, partial(linear_rnn, d_in=1, d_out=1, d_hidden=4), 1e-2),
    ]
    hook = lambda model, state, lr: {"lr": lr}  # noqa: E731
    train = partial(train_members, members, seeds=[3], steps=500, validation_batches=2, epoch_metrics=hook)
    reference = train()
    with saving_to(tmp_path), pytest.raises(Stop):
        train(on_progress=stop_after(3))
    with saving_to(tmp_path):
        resumed = train()
    np.testing.assert_array_equal(resumed.epoch_loss, reference.epoch_loss)
    np.testing.assert_array_equal(resumed.metrics["lr"], reference.metrics["lr"])
    np.testing.assert_array_equal(resumed.validation_loss, reference.validation_loss)


def _stopping_experiment(stops):
    """One unit that trains, then fails while `stops` is not empty (a killed first run)."""

    def run_unit(config, progress):
        result = ensemble()
        if stops:
            raise Stop(stops.pop())
        return [{"final_loss": float(result.final_loss[0, 0])}]

    return Experiment(
        id="test-stopping",
        paper="-",
        figure_label="-",
        description="trains, stopped once",
        profiles={"quick": Settings(), "full": Settings()},
        minutes={"quick": 0, "full": 0},
        units=lambda s: [{"i": 0}],
        run_unit=run_unit,
        claims=lambda rows, s: [info("final loss", rows[0]["final_loss"])],
        figure=lambda rows, s, path: None,
    )


def test_the_runner_resumes_a_stopped_unit_and_counts_its_earlier_compute(tmp_path, reference):
    exp = _stopping_experiment(["killed"])
    store = RunStore(tmp_path)
    with pytest.raises(Stop):
        run_units(exp, exp.settings("quick"), store)
    (partial_folder,) = tmp_path.glob("*.partial")
    saved = float(np.load(partial_folder / "training-0.npz")["seconds"])
    units = run_units(exp, exp.settings("quick"), store)
    assert units.rows[0]["final_loss"] == float(reference.final_loss[0, 0])
    assert units.seconds > saved > 0
    assert not partial_folder.exists(), "the saved trainings go once the unit is stored"


def test_an_unreadable_save_is_named_and_the_training_starts_over(tmp_path, reference, caplog):
    (tmp_path / "training-0.npz").write_bytes(b"PK\x03\x04 cut short")
    with saving_to(tmp_path):
        assert_identical(ensemble(), reference)
    assert "unreadable saved training" in caplog.text and "training-0.npz" in caplog.text
