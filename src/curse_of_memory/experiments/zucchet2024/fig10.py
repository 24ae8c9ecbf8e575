"""Zucchet & Orvieto (2024), Fig. 10: concentrating the eigenvalue phases (theta0).

Theory (Sec. 3.5): the Hessian at the optimum of a complex diagonal RNN over its eigenvalues
(Re lambda, Im lambda), for n = 10 eigenvalues with |lambda| ring-uniform in
[nu0, (nu0 + 1) / 2] and phases uniform in [-theta0, theta0]. As theta0 shrinks the
eigenvalues crowd together, their sensitivities correlate (S is large for nearby
eigenvalues, Fig. 8), and the Hessian becomes ill-conditioned with delocalized top
eigenvectors; at theta0 = pi they are nearly axis-aligned.

Learning: the teacher-student task of Sec. 4 at nu0 = 0.99 with teacher and student phases
limited to max_phase, for the LRU, the complex diagonal RNN and the dense RNN, through the
same ensemble trainer and aggregation as Fig. 3 (best learning rate by seed-mean final loss).
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from curse_of_memory.diagnostics import numerical_rank, participation_ratio, spectrum
from curse_of_memory.experiments.zucchet2024.students import STUDENTS
from curse_of_memory.experiments.zucchet2024.teacher_student_runs import (
    EnsembleSettings,
    best,
    diverged_claims,
    train_grid,
    unit_learning_rates,
)
from curse_of_memory.harness.claims import at_least, at_most, holds
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.plotting import colors, new_figure, save
from curse_of_memory.harness.settings import require, setting
from curse_of_memory.harness.table import column, select
from curse_of_memory.models import ring_uniform
from curse_of_memory.theory import diagonal_rnn_hessian

SOURCE = "Zucchet & Orvieto 2024, Fig. 10 (spec Fig 10)"

FIG10_STUDENTS = ("lru", "complex", "rnn")  # the models of the paper's Fig. 10 (names in `students.STUDENTS`)


@dataclass(frozen=True, kw_only=True)
class Fig10Settings(EnsembleSettings):
    """The paper's protocol (full profile). Theory panel: seed 53 and rho = 0.99 as in the
    paper (the learning panel uses white noise). Learning panel: Sec. 4 and sweeps 10 p1-p3."""

    theory_seed: int = setting(53, "seed of the theory panel's eigenvalues and b, c")
    theory_n: int = setting(10, "eigenvalues n of the theory panel (the Hessian is 2n x 2n)", low=1)
    theory_nu0: float = setting(
        0.99, "smallest |lambda| of the theory panel (ring up to (nu0 + 1) / 2)", low=0, high=1, high_open=True
    )
    theory_rho: float = setting(0.99, "input autocorrelation rho of the theory panel", low=0, high=1, high_open=True)
    theta0s: list[float] = setting(
        [float(np.pi / 100), float(np.pi / 10), float(np.pi)],
        "phase ranges theta0 of the theory panel (phases uniform in [-theta0, theta0])",
        low=1e-6,
        high=np.pi,
    )
    top_k: int = setting(10, "top Hessian eigenvectors kept per theta0 (at most 2 theory_n)", low=1)
    nu0: float = setting(0.99, "teacher memory nu0 of the learning panel", low=0, high=1, high_open=True)
    students: list[str] = setting(list(FIG10_STUDENTS), "students of the learning panel", choices=FIG10_STUDENTS)
    max_phases: list[float] = setting(
        [3.14, 0.993, 0.314, 0.0993, 0.0314],
        "largest eigenvalue phase of the teacher and the students' initialization",
        low=1e-6,
        high=np.pi,
    )
    learning_rates: dict[str, list[float]] = setting(
        {
            "lru": [1.0, 0.32, 0.1, 0.032, 0.01, 3.2e-3, 1e-3, 3.2e-4],
            "complex": [1e-2, 3.2e-3, 1e-3, 3.2e-4],
            "rnn": [1e-3, 3.2e-4, 1e-4, 3.2e-5],
        },
        "learning-rate grid per student",
        low=0,
        low_open=True,
        choices=FIG10_STUDENTS,
    )

    def check(self) -> None:
        super().check()
        require(self.top_k <= 2 * self.theory_n, "top_k", f"at most 2 theory_n = {2 * self.theory_n}", self.top_k)
        require(
            all(m in self.learning_rates for m in self.students),
            "learning_rates",
            "a mapping with a learning-rate grid for every student",
            self.learning_rates,
        )


PROFILES = {
    # Two phase ranges (pi and pi/100, the ends of the paper's range), one seed, and per model
    # the best learning rate of a one-seed pilot of the full grids at max_phase in {3.14,
    # 0.314, 0.0314} (lr 0.1 blew the LRU up to losses ~10-100 at max_phase 3.14); never
    # fewer steps (docs/performance.md).
    "quick": Fig10Settings(
        max_phases=[3.14, 0.0314],
        seeds=1,
        learning_rates={"lru": [0.032], "complex": [3.2e-3], "rnn": [3.2e-4]},
    ),
    "full": Fig10Settings(),
}


def units(s):
    keep = ("theory_seed", "theory_n", "theory_nu0", "theory_rho", "top_k")
    theory = [{"kind": "theory", "theta0": t, **s.pick(*keep)} for t in s.theta0s]
    keep = ("nu0", "steps", "batch_size", "T", "d_hidden", "teacher_seed", "mode")
    runs = [
        {"student": m, "max_phase": p, "learning_rates": unit_learning_rates(s.learning_rates[m])}
        for p in s.max_phases
        for m in s.students
    ]
    return theory + [{"kind": "train", "seeds": [seed], "runs": runs, **s.pick(*keep)} for seed in s.seed_list()]


def theory_draw(seed: int, n: int, nu0: float, theta0: float):
    """(lambda, b, c): |lambda| ring-uniform in [nu0, (nu0 + 1) / 2], phase U(-theta0, theta0),
    b and c complex standard normal (variance 1/2 per part). The same key for every theta0,
    so only the phase range changes."""
    k_lam, k_b, k_c = jax.random.split(jax.random.PRNGKey(seed), 3)

    def complex_normal(key):
        re, im = jax.random.normal(key, (2, n))
        return (re + 1j * im) / jnp.sqrt(2)

    return ring_uniform(k_lam, n, nu0, (nu0 + 1) / 2, theta0), complex_normal(k_b), complex_normal(k_c)


def run_unit(c, progress):
    if c["kind"] == "train":
        return train_grid(c, progress)
    with jax.enable_x64(True):
        lam, b, cc = theory_draw(c["theory_seed"], c["theory_n"], c["theory_nu0"], c["theta0"])
        H = np.asarray(diagonal_rnn_hessian(lam, b, cc, c["theory_rho"]))
    values, vectors = spectrum(H)
    top = vectors[:, : c["top_k"]]
    return [
        {
            "kind": "theory",
            "theta0": c["theta0"],
            "hessian": H.ravel().tolist(),
            "eigenvalues": values.tolist(),
            "top_vectors": top.T.ravel().tolist(),
            "participation": participation_ratio(top).tolist(),
            "condition": float(values[0] / values[-1]),
            "rank": numerical_rank(values, 1e-12),
            "eigenvalues_lambda": [[z.real, z.imag] for z in np.asarray(lam)],
        }
    ]


def claims(rows, s):
    out = []
    theory = sorted(select(rows, kind="theory"), key=lambda r: -r["theta0"])  # pi first, then smaller
    if len(theory) >= 2:
        top = column(theory, "condition"), np.array([r["eigenvalues"][0] for r in theory])
        order = ", ".join(f"{r['theta0'] / np.pi:.3g} pi" for r in theory)
        for name, values in (("condition number", top[0]), ("top eigenvalue", top[1])):
            out.append(
                holds(
                    f"theory: the Hessian's {name} grows by orders of magnitude as theta0 shrinks ({order})",
                    bool(values[-1] >= 100 * values[0]),
                    source=SOURCE,
                    expected=">= 100x from the largest to the smallest theta0",
                    measured=", ".join(f"{v:.3g}" for v in values),
                )
            )
        pr = [float(np.mean(r["participation"][:5])) for r in theory]
        out.append(
            holds(
                "theory: mean participation ratio of the top-5 eigenvectors grows as theta0 shrinks",
                pr[-1] > pr[0],
                source=SOURCE,
                expected="smallest theta0 > largest theta0",
                measured=", ".join(f"{v:.3g}" for v in pr),
            )
        )
        if np.isclose(theory[0]["theta0"], np.pi):
            out.append(
                at_most(
                    "theory: mean participation ratio of the top-5 eigenvectors at theta0 = pi",
                    pr[0],
                    2.5,
                    source=SOURCE,
                )
            )
    phases = sorted(s.max_phases, reverse=True)
    loss = {m: {p: best(select(rows, max_phase=p), m, s.nu0)[0] for p in phases} for m in s.students}
    if "rnn" in loss:
        out.append(
            at_least("dense RNN: final loss at every max_phase (min)", min(loss["rnn"].values()), 1e-2, source=SOURCE)
        )
        for m in ("lru", "complex"):
            if m in loss:
                ratio = min(loss["rnn"][p] / loss[m][p] for p in phases)
                out.append(
                    at_least(
                        f"dense RNN / {STUDENTS[m].label} final loss at every max_phase (min)",
                        ratio,
                        100,
                        source=SOURCE,
                    )
                )
    if "lru" in loss and len(phases) >= 2:
        out.append(
            at_least(
                f"LRU: final loss at max_phase {phases[0]} / at {phases[-1]}",
                loss["lru"][phases[0]] / loss["lru"][phases[-1]],
                10,
                source=SOURCE,
            )
        )
    if "complex" in loss and len(phases) >= 2:
        values = list(loss["complex"].values())
        out.append(
            at_most(
                "complex diagonal RNN: roughly flat over max_phase (max / min final loss)",
                max(values) / min(values),
                10,
                source=SOURCE,
            )
        )
    runs = [r for r in rows if r.get("diverged") is not None]  # training rows (a joined table pads theory rows)
    return out + diverged_claims(runs)


def figure(rows, s, path):
    from matplotlib.colors import SymLogNorm

    theory = sorted(select(rows, kind="theory"), key=lambda r: -r["theta0"])
    fig, ax = new_figure(2, max(len(theory) + 1, 2), width=3.4, height=3.2)
    for a, r in zip(ax[0], theory, strict=False):  # one more axis: the spectra
        H = np.asarray(r["hessian"]).reshape(len(r["eigenvalues"]), -1)
        bound = np.abs(H).max()
        image = a.imshow(H, cmap="RdBu_r", norm=SymLogNorm(linthresh=1, vmin=-bound, vmax=bound))
        fig.colorbar(image, ax=a, shrink=0.8)
        n = H.shape[0] // 2
        a.set_xticks([0, n], ["Re lambda", "Im lambda"], fontsize=7)
        a.set_yticks([0, n], ["Re lambda", "Im lambda"], fontsize=7)
        a.set_title(f"theta0 = {r['theta0'] / np.pi:.3g} pi (cond {r['condition']:.2g})")
    spectra = ax[0, len(theory)]
    for r, color in zip(theory, colors(len(theory)), strict=True):
        spectra.plot(
            np.arange(1, len(r["eigenvalues"]) + 1),
            r["eigenvalues"],
            "o-",
            ms=3,
            color=color,
            label=f"{r['theta0'] / np.pi:.3g} pi",
        )
    spectra.set(yscale="log", xlabel="index", ylabel="eigenvalue", title="Hessian spectra")
    spectra.legend(fontsize=7, title="theta0")
    learning = ax[1, 0]
    phases = sorted(s.max_phases)
    for m in s.students:
        stats = np.array([best(select(rows, max_phase=p), m, s.nu0)[:2] for p in phases])
        learning.errorbar(
            np.asarray(phases) / np.pi,
            stats[:, 0],
            yerr=stats[:, 1],
            marker="o",
            capsize=3,
            color=STUDENTS[m].color,
            label=STUDENTS[m].label,
        )
    learning.set(
        xscale="log",
        yscale="log",
        xlabel="max_phase / pi",
        ylabel="final training loss (best lr)",
        title=f"learning at nu0 = {s.nu0}",
    )
    learning.legend(fontsize=7)
    for a in ax[1, 1:]:
        a.set_visible(False)
    save(fig, path)


EXPERIMENT = Experiment(
    id="zucchet2024-fig10",
    paper="Zucchet & Orvieto, NeurIPS 2024",
    figure_label="Fig. 10",
    description="Concentrated eigenvalue phases: the theoretical Hessian of a diagonal RNN becomes "
    "ill-conditioned as the phase range theta0 shrinks, and learning results over theta0 for the LRU, the "
    "complex diagonal RNN and the dense RNN.",
    profiles=PROFILES,
    minutes={"quick": 4, "full": 150},
    units=units,
    run_unit=run_unit,
    claims=claims,
    figure=figure,
    default_seed=2023,
    notes=(
        "Theory: float64, n = 10, seed 53, rho = 0.99 (configurable; the learning panel uses white noise, "
        "Sec. 7 issue 19); the same key for every theta0 so only the phase range changes; condition number = "
        "largest / smallest eigenvalue of the 20 x 20 Hessian. Learning: max_phase applies to the teacher and"
        " the student initialization; Fig. 3's students, trainer and best-lr aggregation (teacher seed 42). "
        "The quick profile keeps 10k steps but runs only max_phase in {3.14, 0.0314} (the ends of the paper's"
        " range), one seed, and per model the best learning rate of a one-seed pilot of the paper's grids at "
        "max_phase in {3.14, 0.314, 0.0314}."
    ),
)
