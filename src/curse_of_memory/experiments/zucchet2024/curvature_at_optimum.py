"""The Hessian at the optimum and Adam's effective learning rates (Zucchet & Orvieto 2024,
Secs. 3.5-3.6): the machinery of Figs. 4 and 9, which run it on different students.

Hessian: a hand-built teacher with n = 4 states (two conjugate pairs of eigenvalues of
magnitude ~0.99), one fixed batch of 64 Gaussian sequences of length 300, and each student
mapped exactly onto the teacher (loss at round-off, `models.from_teacher`), so the Hessian is
the Gauss-Newton matrix, of rank 2n + 1. Effective learning rates: each student trained on
the teacher-student task of Sec. 4 at nu0 = 0.99 with a constant learning rate for 10k steps,
then Adam's effective learning rate of every parameter (Sec. 3.6,
`diagnostics.effective_learning_rates`), over several training seeds: training is chaotic
(docs/parity.md), so the paper's one run is one draw, and the claims compare it with the
median over ours (`seed_claims`).

A unit is either {"kind": "hessian", "model", ...} or {"kind": "eff_lr", "model", "seed", ...};
both figures' rows carry "kind" and "model".
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from curse_of_memory.diagnostics import (
    effective_learning_rates_by_group,
    group_weights,
    hessian,
    numerical_rank,
    participation_ratio,
    spectrum,
)
from curse_of_memory.experiments.zucchet2024.teacher_student_runs import TrainingSettings
from curse_of_memory.harness.claims import Claim, holds, info
from curse_of_memory.harness.plotting import new_figure, save
from curse_of_memory.harness.settings import setting
from curse_of_memory.harness.table import select
from curse_of_memory.models import LinearRNN
from curse_of_memory.tasks import teacher_student, white_noise
from curse_of_memory.tasks.teacher_student import TeacherStudent
from curse_of_memory.training import train_ensemble

SOURCE = "Zucchet & Orvieto 2024, Figs 4 and 9 (spec Sec. 3.5-3.6)"


HESSIAN_TEACHERS = ("paper", "redrawn")


@dataclass(frozen=True, kw_only=True)
class CurvatureSettings(TrainingSettings):
    """The Hessians' teacher, batch and spectrum cut-offs, and the training of the
    effective-learning-rate runs; the defaults are the paper's, but for the seeds (the paper
    trains one)."""

    hessian_teacher: str = setting(
        "paper",
        "the Hessian panel's n = 4 teacher and batch: the paper's (key 0 under JAX's old PRNG, the "
        "original code's key paths) or redrawn under today's PRNG from teacher_seed_hessian",
        choices=HESSIAN_TEACHERS,
    )
    teacher_seed_hessian: int = setting(0, "seed of the redrawn teacher of the Hessian panel")
    hessian_T: int = setting(300, "sequence length of the Hessian's fixed batch", low=1)
    hessian_batch: int = setting(64, "sequences in the Hessian's fixed batch", low=1)
    top_k: int = setting(10, "top Hessian eigenvectors kept per model", low=1)
    rank_rtol: float = setting(
        1e-9, "relative eigenvalue cut-off of the numerical rank", low=1e-16, high=1, high_open=True
    )
    nu0: float = setting(0.99, "teacher memory nu0 of the effective-learning-rate runs", low=0, high=1, high_open=True)
    learning_rate: float = setting(
        1e-3, "constant learning rate of the effective-learning-rate runs", low=0, low_open=True
    )
    max_phase: float = setting(3.14, "largest eigenvalue phase of the students' initialization", low=0, high=np.pi)
    seeds: int = setting(
        10, "training seeds of the effective-learning-rate runs per model (seed, seed + 1, ...)", low=1
    )


# Distinct, non-conjugate teacher eigenvalues closer than this (and pairs closer than this to
# the real axis) lose the rank-(2n + 1) structure numerically: redraw (spec, Fig. 4).
MIN_SEPARATION = 0.1
MAX_DRAWS = 100


def hand_built_teacher(seed: int, *, paper: bool = True) -> tuple[LinearRNN, int]:
    """The Fig. 4 teacher, float64, and the number of draws it took.

    Two eigenvalues (0.99 + 0.003 U) exp(2 pi i U) and their conjugates; eigenvector matrix P:
    two rows (N + i N) / (2 sqrt 2) stacked with their conjugates; A = Re(P^-1 diag(l) P);
    B ~ N(0, 1), C ~ N(0, 1) / 2, D ~ N(0, 1). paper: key 0 under JAX's old PRNG
    (jax_threefry_partitionable = False), the eigenvalues from split(key 0, 4) as in the
    notebook and B, C, D as its LinearSystem(seed=0) drew them. Otherwise drawn from `seed`
    under today's PRNG, redrawn (fold_in(key, draw)) until the four eigenvalues are at least
    MIN_SEPARATION apart (today's key 0 gives two pairs at nearly the same phase).
    """
    with jax.enable_x64(True):
        if paper:
            with jax.threefry_partitionable(False):
                root = jax.random.PRNGKey(0)
                return _teacher(jax.random.split(root, 4), jax.random.split(root, 4)[1:]), 1
        for draw in range(MAX_DRAWS):
            keys = jax.random.split(jax.random.fold_in(jax.random.PRNGKey(seed), draw), 7)
            teacher = _teacher(keys[:4], keys[4:])
            eig = np.linalg.eigvals(np.asarray(teacher.A[0]))
            gaps = np.abs(eig[:, None] - eig[None, :])[np.triu_indices(4, 1)]
            if gaps.min() >= MIN_SEPARATION:
                return teacher, draw + 1
    raise RuntimeError(f"no separated teacher in {MAX_DRAWS} draws")


def _teacher(eig_keys, io_keys) -> LinearRNN:
    k_mag, k_phase, k_re, k_im = eig_keys
    eig = (0.99 + 0.003 * jax.random.uniform(k_mag, (2,))) * jnp.exp(2j * jnp.pi * jax.random.uniform(k_phase, (2,)))
    eig = jnp.concatenate([eig, jnp.conj(eig)])
    P = (jax.random.normal(k_re, (2, 4)) + 1j * jax.random.normal(k_im, (2, 4))) / (2 * np.sqrt(2))
    P = np.concatenate([P, np.conj(P)])
    A = np.real(np.linalg.inv(P) @ np.diag(eig) @ P)
    k_B, k_C, k_D = io_keys
    return LinearRNN(
        A=jnp.asarray(A)[None],
        B=jax.random.normal(k_B, (4, 1)),
        C=jax.random.normal(k_C, (1, 4)) / 2,
        D=jax.random.normal(k_D, (1, 1)),
    )


def fixed_batch(T: int, batch: int, *, paper: bool = True) -> jax.Array:
    """One batch of Gaussian sequences (batch, T, 1), float64, from seed 1. paper: the key path
    of the original data loader (RegressionDataLoader(seed 1), first batch, old PRNG)."""
    with jax.enable_x64(True):
        if not paper:
            return white_noise(jax.random.PRNGKey(1), (batch, T, 1), jnp.float64)
        with jax.threefry_partitionable(False):
            key = jax.random.split(jax.random.split(jax.random.PRNGKey(1))[0], 1000)[0]
            sample = lambda k: jax.random.normal(jax.random.split(k)[0], (T, 1), jnp.float64)  # noqa: E731
            return jax.vmap(sample)(jax.random.split(key, batch))


def hessian_row(model_name: str, student, teacher: LinearRNN, x, *, groups=None, top_k: int, rank_rtol: float) -> dict:
    """Everything the figure and the claims need about the Hessian of one student at the
    teacher: the matrix, its spectrum, numerical rank, the top eigenvectors, their
    participation ratios and their weight on each parameter group."""
    with jax.enable_x64(True):
        task = TeacherStudent(teacher, teacher.kernel(x.shape[1]), x.shape[0], "sample")
        loss = jax.jit(lambda m: task.loss(m, x))
        H = hessian(loss, student, groups=groups)
        values, vectors = spectrum(H.matrix)
        top = vectors[:, :top_k]
        return {
            "kind": "hessian",
            "model": model_name,
            "labels": list(H.labels),
            "groups": [g for g, _ in H.groups],
            "hessian": H.matrix.ravel().tolist(),
            "eigenvalues": values.tolist(),
            "top_vectors": top.T.ravel().tolist(),
            "participation": participation_ratio(top).tolist(),
            "group_weights": {g: w.tolist() for g, w in group_weights(top, H.labels).items()},
            "rank": numerical_rank(values, rank_rtol),
            "loss_at_optimum": float(loss(student)),
            "zero_loss": float(task.zero_predictor_loss()),
        }


def effective_lr_row(model_name: str, init, c: dict) -> dict:
    """Train one student with a constant learning rate and return Adam's final effective
    learning rate of every parameter, labelled by group."""
    task = teacher_student(c["nu0"], teacher_seed=c["teacher_seed"], T=c["T"], batch_size=c["batch_size"])
    result = train_ensemble(
        task,
        init,
        seeds=[c["seed"]],
        learning_rates=[c["learning_rate"]],
        steps=c["steps"],
        schedule="constant",
        validation_batches=10,
    )
    model = jax.tree.map(lambda a: a[0, 0], result.models)
    state = jax.tree.map(lambda a: a[0, 0], result.opt_state)
    by_group = effective_learning_rates_by_group(model, state, c["learning_rate"])
    return {
        "kind": "eff_lr",
        "model": model_name,
        "learning_rate": c["learning_rate"],
        "labels": [g for g, v in by_group.items() for _ in range(v.size)],
        "eff_lr": np.concatenate([np.asarray(v) for v in by_group.values()]).tolist(),
        "seed": c["seed"],
        "final_loss": float(result.final_loss[0, 0]),
        "diverged": bool(result.diverged[0, 0]),
    }


def trace_share(row: dict, groups) -> float:
    """Share of the Hessian's trace (the sum of its eigenvalues, each spread over coordinates
    as v_i^2) that sits on the given parameter groups: where the curvature is."""
    diagonal = np.diag(np.asarray(row["hessian"]).reshape(len(row["labels"]), -1))
    return float(np.sum(diagonal[np.isin(row["labels"], list(groups))]) / np.sum(diagonal))


def group_values(row: dict, group: str) -> np.ndarray:
    """The entries of one parameter group in an "eff_lr" row."""
    return np.asarray(row["eff_lr"])[np.asarray(row["labels"]) == group]


def positive_median(values: np.ndarray) -> float:
    """Median of the positive entries (NaN if none): the paper plots effective learning rates on
    a log axis, which drops the non-positive ones (about half of the dense A's)."""
    positive = np.asarray(values)[np.asarray(values) > 0]
    return float(np.median(positive)) if positive.size else float("nan")


def teacher_and_batch(c: dict) -> tuple[LinearRNN, int, jax.Array]:
    """A Hessian unit's teacher, the draws it took, and its fixed batch (float64)."""
    paper = c["hessian_teacher"] == "paper"
    teacher, draws = hand_built_teacher(c["teacher_seed_hessian"], paper=paper)
    return teacher, draws, fixed_batch(c["hessian_T"], c["hessian_batch"], paper=paper)


def hessian_units(s: CurvatureSettings, names) -> list[dict]:
    """One Hessian unit per model name."""
    keep = ("hessian_teacher", "teacher_seed_hessian", "hessian_T", "hessian_batch", "top_k", "rank_rtol")
    keep += ("as_published",)
    return [{"kind": "hessian", "model": m, **s.pick(*keep)} for m in names]


def lr_units(s: CurvatureSettings, names) -> list[dict]:
    """One effective-learning-rate unit (one training run) per model name and seed."""
    keep = ("nu0", "learning_rate", "steps", "d_hidden", "T", "batch_size", "teacher_seed", "max_phase")
    seeds = range(s.seed, s.seed + s.seeds)
    return [{"kind": "eff_lr", "model": m, "seed": seed, **s.pick(*keep)} for m in names for seed in seeds]


def lr_runs(rows, model: str) -> dict[int, dict]:
    """{seed: effective-lr row} of one model."""
    return {r["seed"]: r for r in select(rows, kind="eff_lr", model=model)}


def seed_claims(claim: str, values, check) -> list[Claim]:
    """`check(text, value)` applied to the median over training seeds of a per-run quantity,
    and the quantity's range over the seeds as info. Training is chaotic (docs/parity.md), so
    the paper's one run is compared with the middle of our runs, not with one of them."""
    values = np.asarray(values, dtype=float)
    return [
        check(f"{claim} (median of {values.size} seeds)", float(np.median(values))),
        info(f"{claim}: range over the seeds", None, measured=f"{np.nanmin(values):.3g} to {np.nanmax(values):.3g}"),
    ]


def hessian_claims(rows, s, models, n_states=4):
    """Rank 2n + 1 for every model, with the spectral gap that makes it unambiguous; a model
    without a Hessian row fails."""
    out = []
    measured = {r["model"]: r for r in select(rows, kind="hessian")}
    for model in models:
        if model not in measured:
            out.append(
                holds(
                    f"{model}: numerical rank of the Hessian at the optimum",
                    False,
                    source=SOURCE,
                    expected=f"2n + 1 = {2 * n_states + 1}",
                    measured="not measured",
                )
            )
            continue
        r = measured[model]
        values = np.asarray(r["eigenvalues"])
        gap = values[2 * n_states] / max(abs(values[2 * n_states + 1]), 1e-300)
        out.append(
            holds(
                f"{r['model']}: numerical rank of the Hessian at the optimum (relative cut-off {s.rank_rtol:g})",
                r["rank"] == 2 * n_states + 1,
                source=SOURCE,
                expected=f"2n + 1 = {2 * n_states + 1}",
                measured=f"{r['rank']} (eigenvalue gap {gap:.2g}, loss {r['loss_at_optimum']:.2g})",
            )
        )
    return out


def divergence_claims(rows) -> list[Claim]:
    """A failing claim per effective-lr run that diverged."""
    return [
        holds(
            f"{r['model']}: effective-lr run of seed {r['seed']} diverged",
            False,
            source=SOURCE,
            expected="no divergence",
            measured="diverged",
        )
        for r in select(rows, kind="eff_lr")
        if r["diverged"]
    ]


def draw_hessians(rows, ax_row, title):
    """Per model: symlog Hessian image, top eigenvectors, sorted spectrum (one row of axes)."""
    from matplotlib.colors import SymLogNorm

    models = select(rows, kind="hessian")
    for k, r in enumerate(models):
        H = np.asarray(r["hessian"]).reshape(len(r["labels"]), -1)
        bound = np.abs(H).max()
        image = ax_row[3 * k].imshow(H, cmap="RdBu_r", norm=SymLogNorm(linthresh=1, vmin=-bound, vmax=bound))
        ax_row[3 * k].figure.colorbar(image, ax=ax_row[3 * k], shrink=0.8)
        V = np.asarray(r["top_vectors"]).reshape(-1, len(r["labels"])).T
        ax_row[3 * k + 1].imshow(V, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
        ticks = [r["labels"].index(g) for g in r["groups"]]
        for a in (ax_row[3 * k], ax_row[3 * k + 1]):
            a.set_yticks(ticks, r["groups"], fontsize=6)
        ax_row[3 * k].set_xticks(ticks, r["groups"], fontsize=6, rotation=90)
        ax_row[3 * k].set_title(f"{title}{r['model']}: Hessian (symlog)")
        ax_row[3 * k + 1].set(title=f"top-{V.shape[1]} eigenvectors", xlabel="eigenvector")
        values = np.asarray(r["eigenvalues"])
        ax_row[3 * k + 2].plot(np.arange(1, values.size + 1), np.abs(values), "o-", ms=3)
        ax_row[3 * k + 2].axvline(r["rank"] + 0.5, color="grey", ls=":")
        ax_row[3 * k + 2].set(
            yscale="log", ylim=(1e-8, 10 * values.max()), xlabel="index", title=f"|eigenvalues| (rank {r['rank']})"
        )


def draw_effective_lrs(rows, ax, base_lr):
    """One jittered strip of log10 effective lr per parameter group of each trained model,
    pooled over its seeds."""
    rng = np.random.default_rng(0)
    position, ticks = 0, []
    for model in dict.fromkeys(r["model"] for r in select(rows, kind="eff_lr")):
        runs = lr_runs(rows, model).values()
        for g in dict.fromkeys(next(iter(runs))["labels"]):
            values = np.concatenate([group_values(r, g) for r in runs])
            positive = values[values > 0]
            ax.plot(position + 0.15 * rng.uniform(-1, 1, positive.size), np.log10(positive), ".", ms=2, alpha=0.5)
            ticks.append((position, f"{model}: {g} ({np.mean(values <= 0):.0%} <= 0)"))
            position += 1
    ax.axhline(np.log10(base_lr), color="grey")
    ax.axhline(np.log10(base_lr * np.sqrt(10)), color="grey", ls=":")
    ax.set_xticks([p for p, _ in ticks], [t for _, t in ticks], rotation=90, fontsize=6)
    ax.set(
        ylabel="log10 effective lr",
        title="Adam effective learning rates, all seeds (grey: base lr; dotted: ceiling)",
    )


def curvature_figure(rows, s, path):
    """Top: Hessian, eigenvectors and spectrum of each model; bottom: effective learning rates."""
    n_models = len(select(rows, kind="hessian"))
    fig, ax = new_figure(2, 3 * n_models, width=3.0, height=3.2)
    draw_hessians(rows, ax[0], "")
    grid = ax[1, 0].get_gridspec()
    for a in ax[1]:
        a.remove()
    draw_effective_lrs(rows, fig.add_subplot(grid[1, :]), s.learning_rate)
    save(fig, path)
