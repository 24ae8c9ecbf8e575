"""Experiments end to end at toy scale, and their claim checks on rows that must fail."""

import numpy as np
import pytest

from curse_of_memory.experiments import get_experiment
from curse_of_memory.runner.sweep import reproduce

FIG1, FIG2, FIG3 = (get_experiment(f"zucchet2024-fig{i}") for i in (1, 2, 3))


@pytest.fixture(scope="module")
def fig1_theory_rows():
    s = FIG1.settings("quick", overrides={"grid_points": 200})
    return FIG1.run_unit(FIG1.units(s)[0], lambda f: None), s


def _mc_rows(s, error):
    from curse_of_memory.theory import hidden_second_moment, sensitivity_second_moment

    return [
        {
            "kind": "mc",
            "rho": rho,
            "lam": lam,
            "mc_variance": float(hidden_second_moment(lam, rho)) * (1 + error),
            "mc_sensitivity": float(sensitivity_second_moment(lam, rho)) * (1 - error),
            "theory_variance": float(hidden_second_moment(lam, rho)),
            "theory_sensitivity": float(sensitivity_second_moment(lam, rho)),
        }
        for rho in s.mc_rhos
        for lam in s.mc_lambdas
    ]


def test_fig1_claims_pass_on_theory_and_fail_on_bad_monte_carlo(fig1_theory_rows):
    rows, s = fig1_theory_rows
    good = FIG1.claims(rows + _mc_rows(s, 0.01), s)
    assert all(c.passed for c in good), [c for c in good if not c.passed]
    bad = FIG1.claims(rows + _mc_rows(s, 0.1), s)
    assert [c.claim for c in bad if not c.passed] == [c.claim for c in bad if c.claim.startswith("Monte Carlo")]
    # A wrong law (sensitivity growing like the variance) fails the slope claims.
    flat = [dict(r, sensitivity=r["variance"]) if r["kind"] == "theory" else r for r in rows]
    assert not any(c.passed for c in FIG1.claims(flat + _mc_rows(s, 0.0), s) if c.claim.startswith("slope of E[(dh"))


def test_fig2_as_published_changes_the_expected_limit():
    exact = FIG2.settings("quick", overrides={"grid_points": 200, "mc_rhos": [0.0]})
    published = FIG2.settings("quick", overrides={"grid_points": 200, "mc_rhos": [0.0]}, as_published=True)
    rows_exact = FIG2.run_unit(FIG2.units(exact)[0], lambda f: None)
    rows_published = FIG2.run_unit(FIG2.units(published)[0], lambda f: None)
    mc = [
        {
            "kind": "mc",
            "rho": 0.0,
            "lam": 0.9,
            "mc_variance": 1.0,
            "mc_sensitivity": 0.2,
            "theory_variance": 1.0,
            "theory_sensitivity": 0.2,
        }
    ]
    assert all(c.passed for c in FIG2.claims(rows_exact + mc, exact))
    assert all(c.passed for c in FIG2.claims(rows_published + mc, published))
    mixed = FIG2.claims(rows_exact + mc, published)
    assert any(not c.passed and "tends to 0.5" in c.claim for c in mixed)


def _fig3_rows(rnn_loss):
    rows = []
    for student, nu0s in (
        ("lru", [0.36, 0.84, 0.98, 0.99]),
        ("rnn", [0.36, 0.84, 0.98, 0.99]),
        ("block_diagonal", [0.99]),
    ):
        for nu0 in nu0s:
            for seed in range(3):
                for lr in (1e-2, 1e-3):
                    loss = (
                        {"lru": 1e-5 * (1 + nu0), "rnn": rnn_loss(nu0), "block_diagonal": 1e-4}[student]
                        * (1 + 0.1 * seed)
                        * (1 if lr == 1e-2 else 3)
                    )
                    rows.append(
                        {"student": student, "nu0": nu0, "seed": seed, "lr": lr, "final_loss": loss, "diverged": False}
                    )
    return rows


def test_fig3_claims_follow_the_rows():
    s = FIG3.settings("quick", overrides={"panel_b_students": ["rnn", "block_diagonal", "lru"]})
    paper_like = FIG3.claims(_fig3_rows(lambda nu0: 1e-8 if nu0 == 0.36 else 1e-1), s)
    assert all(c.passed for c in paper_like if c.checked), [c for c in paper_like if not c.passed]
    no_curse = FIG3.claims(_fig3_rows(lambda nu0: 1e-5), s)
    failed = {c.claim[:5] for c in no_curse if not c.passed}
    assert {"(i) d", "(iii)", "(iv) ", "(v) d"} <= failed


def test_fig3_seeds_needed_follow_the_spread_of_log_losses():
    from curse_of_memory.experiments.zucchet2024.fig3 import seeds_needed

    rows = [
        {"student": "rnn", "nu0": 0.99, "seed": i, "lr": 1e-3, "final_loss": 10.0**i, "diverged": False}
        for i in range(3)
    ]
    # log10 losses 0, 1, 2: standard deviation 1, so (1.96 / log10 3)^2 = 16.9 -> 17 seeds.
    assert seeds_needed(rows, "rnn", 0.99) == 17
    assert seeds_needed(rows, "rnn", 0.99, factor=10) == 4
    assert np.isnan(seeds_needed(rows[:1], "rnn", 0.99))


def test_fig3_students_come_from_the_registry():
    from curse_of_memory.experiments.zucchet2024.students import STUDENTS

    s = FIG3.settings("quick", overrides={"learning_rates": {"lru": [1e-2]}, "panel_b_students": ["rnn", "gamma"]})
    units = FIG3.units(s)
    assert [u["seeds"] for u in units] == [[s.seed + i] for i in range(s.seeds)], "one unit per training seed"
    grids = {r["student"]: r["learning_rates"] for r in units[0]["runs"]}
    # A student without a grid in learning_rates gets the paper's.
    assert grids == {
        "lru": [1e-2],
        "rnn": list(STUDENTS["rnn"].learning_rates),
        "gamma": list(STUDENTS["gamma"].learning_rates),
    }


def test_fig3_end_to_end_at_toy_scale(tmp_path):
    overrides = {
        "steps": 200,
        "seeds": 2,
        "nu0s": [0.36, 0.99],
        "T": 30,
        "batch_size": 8,
        "d_hidden": 8,
        "panel_b_students": ["rnn", "block_diagonal", "lru"],
        "learning_rates": {"lru": [1e-2], "rnn": [1e-3, 1e9], "block_diagonal": [1e-2]},
    }
    s = FIG3.settings("quick", overrides=overrides)
    outcome = reproduce(FIG3, s, tmp_path)
    from curse_of_memory.runner.store import read_rows

    rows = read_rows(tmp_path / "zucchet2024-fig3" / "results.parquet")
    assert len(rows) == 2 * 2 * 1 + 2 * 2 * 2 + 2  # lru, rnn (2 lrs) at 2 nu0s; block diagonal at 0.99
    assert all(len(r["epoch_loss"]) == 2 and len(r["teacher_magnitudes"]) == 10 for r in rows)
    huge = [r for r in rows if r["lr"] == 1e9]
    assert huge and all(r["diverged"] for r in huge), "a diverged run is kept with its status"
    assert any(c.claim.startswith("diverged runs") for c in outcome.claims)
    assert {c.claim[:4] for c in outcome.claims} >= {"(i) ", "(ii)", "(iii", "(iv)"}
    assert (tmp_path / "zucchet2024-fig3" / "figure.png").stat().st_size > 1000


def test_a_grid_unit_trains_the_same_runs_as_one_ensemble_per_student():
    """`train_grid` in sample mode (every run of a seed from shared Gram tensors) against one
    `train_ensemble` per run (one convolution per member): same rows, losses within float32
    trajectory error, the hook's metrics recorded per epoch."""
    from curse_of_memory.experiments.zucchet2024.students import student_init
    from curse_of_memory.experiments.zucchet2024.teacher_student_runs import teacher_task, train_grid
    from curse_of_memory.training import train_ensemble

    shared = {"seeds": [3], "steps": 300, "batch_size": 32, "T": 40, "d_hidden": 8, "teacher_seed": 42}
    shared |= {"max_phase": 3.14, "mode": "sample"}
    runs = [
        {"student": "lru", "nu0": 0.9, "learning_rates": [3e-3, 1e-2]},
        {"student": "rnn", "nu0": 0.99, "learning_rates": [1e-3]},
    ]
    hook = lambda model, state, lr: {"lr_now": lr}  # noqa: E731
    grid = train_grid({**shared, "runs": runs}, lambda done: None, epoch_metrics=hook)
    assert len(grid) == 3 and all(len(r["lr_now"]) == 3 and r["lr_now"][0] < r["lr"] for r in grid)
    for run in runs:
        setup = {**shared, **run}
        init = student_init(run["student"], nu0=run["nu0"], d_hidden=8, max_phase=3.14)
        alone = train_ensemble(teacher_task(setup), init, seeds=[3], learning_rates=run["learning_rates"], steps=300)
        for j, lr in enumerate(run["learning_rates"]):
            row = next(r for r in grid if (r["student"], r["nu0"], r["lr"]) == (run["student"], run["nu0"], lr))
            assert row["seed"] == 3 and len(row["teacher_magnitudes"]) == 10
            np.testing.assert_allclose(row["epoch_loss"], alone.epoch_loss[0, j], rtol=1e-3)
            np.testing.assert_allclose(row["validation_loss"], alone.validation_loss[0, j], rtol=1e-3)


def test_a_grid_unit_on_the_population_loss_trains_each_run_alone():
    from curse_of_memory.experiments.zucchet2024.teacher_student_runs import train_grid

    unit = {"seeds": [0, 1], "steps": 100, "batch_size": 4, "T": 20, "d_hidden": 4, "teacher_seed": 42}
    unit |= {
        "max_phase": 3.14,
        "mode": "population",
        "runs": [{"student": "lru", "nu0": 0.9, "learning_rates": [1e-2]}],
    }
    done = []
    rows = train_grid(unit, done.append, epoch_metrics=lambda model, state, lr: {"lr_now": lr})
    assert [(r["seed"], r["student"], r["nu0"]) for r in rows] == [(0, "lru", 0.9), (1, "lru", 0.9)]
    assert all(len(r["lr_now"]) == 1 and np.isfinite(r["final_loss"]) for r in rows) and done[-1] == 1.0
