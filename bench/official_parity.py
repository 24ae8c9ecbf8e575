"""Parity of the project with the original code of Zucchet & Orvieto (2024) on Fig. 3's
teacher-student task at nu0 = 0.99 (LRU at lr 0.01, dense RNN at lr 3.2e-4: the best rates of
our full Fig. 3 grid), printed as JSON. The numbers are in docs/parity.md.

The original side runs first, in its own environment (bench/official_original.py writes
ORIGINAL.npz; it takes hours: ~0.14 s per LRU step in the original on 2 cores). Then:

    PYTHONPATH=src python bench/official_parity.py ORIGINAL.npz [--fixture tests/data/official_parity.npz]

(a) Step level (`training.step_parity`): the teacher, the loss, gradient and one Adam update
    of the project from the original's parameters, batch and optimizer state.
(b) Initial parameters: two-sample Kolmogorov-Smirnov tests between the original's draws and
    ours over the same 50 seeds (different PRNG paths, same distributions).
(c) Final losses (last epoch's mean training loss after 10k steps) over the seeds 2023, ...
    (the scans'; the original's finished ones): their distribution in the project and, from two
    finished seeds on, in the original (medians, spread of log10 losses, Mann-Whitney and KS
    tests); the change of our own runs under a one-ulp perturbation of the initial parameters
    (training is chaotic: single trajectories cannot be compared); and the seeds a comparison
    needs: n >= (1.96 s / log10 3)^2 puts the 95% interval of a mean log10 loss within a factor
    of 3 (the claims' tolerance for values read off a log axis), s the spread of log10 losses
    across seeds (the larger of the two sides').
--fixture writes the step-level subset of ORIGINAL.npz used by tests/test_official_parity.py.
"""

import argparse
import json
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from scipy import stats

from curse_of_memory.experiments.zucchet2024.students import student_init
from curse_of_memory.tasks import teacher_student
from curse_of_memory.training import train_ensemble
from curse_of_memory.training.step_parity import FROM_FLAX, NU0, STEPS, step_errors, teacher_error, under

FACTOR = 3.0
STUDENT = {"nu0": NU0, "d_hidden": 64, "max_phase": 3.14}  # Fig. 3's students at nu0 = 0.99


def describe(model) -> dict[str, np.ndarray]:
    """The initial quantities compared across seeds: eigenvalue magnitudes and angles, B, C, D."""
    lam = model.eigenvalues() if hasattr(model, "eigenvalues") else jnp.linalg.eigvals(model.A[0])
    B = model.B_re if hasattr(model, "B_re") else model.B
    C = model.C_re if hasattr(model, "C_re") else model.C
    return {"|lambda|": jnp.abs(lam), "angle": jnp.abs(jnp.angle(lam)), "B": B, "C": C, "D": model.D}


def initial_tests(original, kind: str) -> dict[str, float]:
    """KS p-value per quantity of `describe`, original's draws against ours, pooled over seeds."""
    stacked = under(original, f"{kind}/inits/params/")
    n = len(next(iter(stacked.values())))
    theirs = [describe(FROM_FLAX[kind]({k: v[i] for k, v in stacked.items()})) for i in range(n)]
    init = student_init(kind, **STUDENT)
    ours = [describe(init(jax.random.PRNGKey(s))) for s in range(n)]
    pooled = lambda draws, q: np.concatenate([np.ravel(d[q]) for d in draws])  # noqa: E731
    return {q: float(stats.ks_2samp(pooled(theirs, q), pooled(ours, q)).pvalue) for q in theirs[0]}


def one_ulp(model):
    """Every trained array moved by one unit in the last place (towards +inf)."""
    return jax.tree.map(lambda a: jnp.nextafter(a, jnp.inf) if eqx.is_inexact_array(a) else a, model)


def project_losses(kind: str, seeds, lr: float) -> dict[str, np.ndarray | float]:
    """Final losses of the project's runs (and of one-ulp-perturbed ones) for `seeds`."""
    init = student_init(kind, **STUDENT)
    task = teacher_student(NU0)
    out = {}
    for name, start in (("final_loss", init), ("final_loss_ulp", lambda key: one_ulp(init(key)))):
        began = time.perf_counter()
        result = train_ensemble(task, start, seeds=seeds, learning_rates=[lr], steps=STEPS, validation_batches=1)
        out[name], out[f"{name}_seconds"] = result.final_loss[:, 0], time.perf_counter() - began
    return out


def spread(losses: np.ndarray) -> dict:
    """Median, standard deviation of log10 final losses, and the seeds a factor-3 interval of
    their mean needs."""
    s = float(np.std(np.log10(losses), ddof=1))
    return {"median": float(np.median(losses)), "log10_std": s, "seeds_needed": seeds_needed(s)}


def seeds_needed(log10_std: float) -> int:
    return int(np.ceil((1.96 * log10_std / np.log10(FACTOR)) ** 2))


def compare(theirs: np.ndarray, ours: np.ndarray) -> dict:
    """The original's final losses against ours: their spreads and two-sample tests on log10."""
    lt, lo = np.log10(theirs), np.log10(ours)
    return {
        "original": spread(theirs),
        "mann_whitney_p": float(stats.mannwhitneyu(lt, lo).pvalue),
        "ks_p": float(stats.ks_2samp(lt, lo).pvalue),
        "seeds_needed": seeds_needed(max(np.std(lt, ddof=1), np.std(lo, ddof=1))),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("original", help="the .npz written by bench/official_original.py")
    p.add_argument("--fixture", help="write the step-level arrays of the original to this .npz")
    p.add_argument("--seeds", type=int, default=10, help="the project's training seeds (2023, ...)")
    args = p.parse_args()
    original = dict(np.load(args.original))
    if args.fixture:
        skip = ("/inits/", "final_loss", "seconds")
        np.savez_compressed(args.fixture, **{k: v for k, v in original.items() if not any(s in k for s in skip)})
    out = {"date": time.strftime("%Y-%m-%d"), "jax": jax.__version__, "original": original["versions"].tolist()}
    out["teacher_error"] = teacher_error(original)
    for kind in FROM_FLAX:
        entry = {"step": step_errors(original, kind), "initial_ks_p": initial_tests(original, kind)}
        lr = float(original[f"{kind}/lr"])
        seeds = list(range(2023, 2023 + args.seeds))
        ours = project_losses(kind, seeds, lr)
        ulp_change = np.abs(np.log10(ours["final_loss_ulp"] / ours["final_loss"]))
        entry["project"] = {
            "seeds": seeds,
            "final_loss": ours["final_loss"].tolist(),
            "final_loss_ulp": ours["final_loss_ulp"].tolist(),
            "ulp_log10_change_median": float(np.median(ulp_change)),
            "ulp_log10_change_max": float(np.max(ulp_change)),
            "seconds_per_run": ours["final_loss_seconds"] / len(seeds),
            **spread(ours["final_loss"]),
        }
        done = np.isfinite(original.get(f"{kind}/seconds", np.array([])))
        theirs = original.get(f"{kind}/final_loss", np.array([]))[done]
        entry["original"] = {
            "seeds": [2023 + int(i) for i in np.flatnonzero(done)],
            "final_loss": theirs.tolist(),
            "seconds_per_run": float(np.mean(original[f"{kind}/seconds"][done])) if done.any() else None,
        }
        if done.sum() >= 2:
            entry["comparison"] = compare(theirs, ours["final_loss"])
        out[kind] = entry
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
