"""The original side of `official_parity.py`: runs Zucchet & Orvieto's own code (their public
repository, flax) on the Fig. 3 teacher-student task and saves what it computed as arrays.

Run in an environment with the original's requirements (jax, flax, optax), never ours:

    PEER/bin/python bench/official_original.py --repo CHECKOUT --out FILE.npz [--seeds 10]

It imports the original's model, data and training step from CHECKOUT (its `source/`
package) and drives them as its `source/train.py` does for the Fig. 3 scans
(scans/comparison_architectures_LSI_*.yaml): key = PRNGKey(jax_seed) split into
(init, model, train) keys, the teacher `LinearSystem(seed=42)` with min_nu = nu0, batches from
`RegressionDataLoader(seed + 1)`, Adam on a cosine schedule from the peak to 1e-7 over 100
epochs of 100 steps, JAX's PRNG of the time (`jax_threefry_partitionable=False`). The driver is
ours; every number in the output is computed by the original's code.

Saved (flattened names "model/what/param path"): the teacher, for each model the initial
parameters of the first seed, its first batch (the first `SUB` sequences), the loss and the
gradient on that sub-batch, the parameters and Adam state after one epoch with the next
sub-batch and the parameters after one more step; initial parameters of `--init-seeds` seeds
(distributions); and the final training loss (last epoch's mean) of every seed, seed by seed for both models.
The file is rewritten after every run, and a rerun with the same --out resumes where it stopped
(within a run too: its state is saved every SAVE_EVERY epochs).
Processes can share one --out (two per model use both cores): a seed in progress is locked by
its process and skipped by the others, and each save merges, under a file lock, the seeds the
others finished since it started.
"""

import argparse
import fcntl
import importlib
import os
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

jax.config.update("jax_threefry_partitionable", False)  # the PRNG the paper's figures were made with

NU0, T, BATCH, HIDDEN, EPOCHS, STEPS_PER_EPOCH = 0.99, 300, 128, 64, 100, 100
SAVE_EVERY = 5  # epochs between saves of a run's state (an LRU epoch takes about a minute)
SUB = 16  # sequences of the batches kept for the step-level fixture
FIRST_SEED = 2023  # the scans' jax_seed values are 2023, ..., 2032
LEARNING_RATES = {"lru": 0.01, "rnn": 3.2e-4}  # Fig. 3's best rates at nu0 = 0.99 (our full profile)


def flat(tree, prefix):
    """{"prefix/path/to/leaf": array} for a nested dict or optax state (attribute names and
    tuple indices as path entries)."""
    part = lambda e: str(getattr(e, "key", getattr(e, "name", getattr(e, "idx", e))))  # noqa: E731
    leaves = jax.tree_util.tree_flatten_with_path(tree)[0]
    return {"/".join([prefix, *map(part, path)]): np.asarray(leaf) for path, leaf in leaves}


def setup(original, kind, seed, lr, steps, constant=False):
    """The original's task, model, initial parameters and optimizer, keyed as in its train.py
    (its cosine schedule, or its constant one)."""
    model_lib, regression = original
    _, model_rng, _ = jax.random.split(jax.random.PRNGKey(seed), 3)
    teacher = regression.LinearSystem(
        seed=42, d_input=1, d_hidden=10, d_output=1, T=T, parametrization="dense", min_nu=NU0,
        max_nu=1.0, max_phase=3.14, use_B_C_D=True,
    )  # fmt: skip
    loader = regression.RegressionDataLoader(teacher, seed + 1, BATCH, STEPS_PER_EPOCH)
    if kind == "lru":
        model = model_lib.LRU(d_input=1, d_hidden=HIDDEN, d_output=1, min_nu=NU0, max_nu=1.0, max_phase=3.14)
    elif kind == "s4":  # Fig. 9's S4: one channel, unshared steps
        model = model_lib.S4(d_model=1, hiddens_per_input=HIDDEN, min_nu=NU0, max_nu=1.0, shared_Delta=False)
    else:
        model = model_lib.MultiHeadRNN(d_hidden=HIDDEN, d_output=1, max_nu=1.0, max_phase=3.14)
    params = model.init(model_rng, jnp.ones((BATCH, T, 1)))
    schedule = optax.constant_schedule(lr) if constant else optax.warmup_cosine_decay_schedule(1e-7, lr, 0, steps, 1e-7)
    opt = optax.adam(learning_rate=schedule)
    return teacher, loader, model, params, opt


def step_level(original, helpers, kind):
    """Initial parameters, first sub-batch, its loss and gradient; one Adam step after one epoch."""
    lr = LEARNING_RATES[kind]
    _, loader, model, params, opt = setup(original, kind, FIRST_SEED, lr, EPOCHS * STEPS_PER_EPOCH)
    x, y, m = (a[:SUB] for a in next(iter(loader)))
    loss, grads = jax.value_and_grad(lambda p: helpers.loss_fn(model.apply(p, x), y, m))(params)
    out = {**flat(params, f"{kind}/init"), **flat(grads, f"{kind}/grad"), f"{kind}/x": x, f"{kind}/y": y}
    out[f"{kind}/loss"] = np.asarray(loss)
    opt_state = opt.init(params)
    params, opt_state, _ = helpers.train_epoch(params, opt_state, opt, model, loader)
    x, y, m = (a[:SUB] for a in next(iter(loader)))
    after, _, _, _ = helpers.train_step(params, opt_state, x, y, m, opt, model)
    out.update(flat(params, f"{kind}/epoch1"), **flat(opt_state, f"{kind}/adam"), **flat(after, f"{kind}/next"))
    out.update({f"{kind}/x_next": x, f"{kind}/y_next": y, f"{kind}/lr": np.asarray(lr)})
    return out


def initial_distribution(original, kind, seeds):
    """The initial parameters of many seeds, stacked (seed first)."""
    draws = [flat(setup(original, kind, s, 1e-3, 100)[3], f"{kind}/inits") for s in seeds]
    return {k: np.stack([d[k] for d in draws]) for k in draws[0]}


def final_loss(original, helpers, kind, seeds, i, out, save, log, partial):
    """The last epoch's mean training loss of seed seeds[i] (the scans' "Training loss") into
    out[kind/final_loss][i] (NaN until computed), then saved; a seed already there is skipped.
    Every SAVE_EVERY epochs the run's state goes to `partial` (a path per model and seed), from
    which a rerun continues, bit for bit: parameters, Adam state and the loader's key."""
    losses = out.setdefault(f"{kind}/final_loss", np.full(len(seeds), np.nan))
    seconds = out.setdefault(f"{kind}/seconds", np.full(len(seeds), np.nan))
    if np.isfinite(seconds[i]):
        return
    _, loader, model, params, opt = setup(original, kind, seeds[i], LEARNING_RATES[kind], EPOCHS * STEPS_PER_EPOCH)
    state, treedef = jax.tree_util.tree_flatten((params, opt.init(params), loader.key))
    first, spent = 0, 0.0
    if os.path.exists(partial):
        with np.load(partial) as saved:
            state = [jnp.asarray(saved[f"state/{j}"]) for j in range(len(state))]
            first, spent = int(saved["epoch"]), float(saved["seconds"])
        log(f"{kind} seed {seeds[i]}: resuming at epoch {first}")
    params, opt_state, loader.key = jax.tree_util.tree_unflatten(treedef, state)
    start = time.perf_counter()
    for epoch in range(first, EPOCHS):
        params, opt_state, metrics = helpers.train_epoch(params, opt_state, opt, model, loader)
        if (epoch + 1) % SAVE_EVERY == 0 and epoch + 1 < EPOCHS:
            leaves = jax.tree_util.tree_leaves((params, opt_state, loader.key))
            arrays = {f"state/{j}": np.asarray(leaf) for j, leaf in enumerate(leaves)}
            np.savez(partial + ".tmp.npz", epoch=epoch + 1, seconds=spent + time.perf_counter() - start, **arrays)
            os.replace(partial + ".tmp.npz", partial)
    losses[i], seconds[i] = float(metrics["Training loss"]), spent + time.perf_counter() - start
    log(f"{kind} seed {seeds[i]}: final loss {losses[i]:.3g} ({seconds[i]:.0f} s)")
    save()
    if os.path.exists(partial):
        os.remove(partial)


def merge_save(path, out):
    """Write `out` to `path` atomically, first taking in the seeds that another process (other
    --models) finished and saved since: their final losses and times, and keys we lack."""
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        disk = dict(np.load(path)) if os.path.exists(path) else {}
        for key, value in disk.items():
            if key not in out:
                out[key] = value
            elif key.endswith(("/final_loss", "/seconds")):
                out[key] = np.where(np.isfinite(out[key]), out[key], value)
        np.savez(path + ".tmp.npz", **out)
        os.replace(path + ".tmp.npz", path)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repo", required=True, help="a checkout of the original repository")
    p.add_argument("--out", required=True, help="the .npz file written")
    p.add_argument("--seeds", type=int, default=10, help="training seeds per model (2023, 2024, ...)")
    p.add_argument("--init-seeds", type=int, default=50, help="seeds of the initial-parameter distributions")
    p.add_argument("--models", nargs="+", choices=("rnn", "lru"), default=["rnn", "lru"], help="models run")
    args = p.parse_args()
    sys.path.insert(0, args.repo)
    original = importlib.import_module("source.model"), importlib.import_module("source.dataloaders.regression")
    helpers = importlib.import_module("source.train_helpers")
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731

    out = dict(np.load(args.out)) if os.path.exists(args.out) else {}
    save = lambda: merge_save(args.out, out)  # noqa: E731
    teacher = setup(original, "lru", FIRST_SEED, 1e-3, 100)[0]
    out.update({f"teacher/{k}": np.asarray(getattr(teacher, k)) for k in "ABCD"})
    out["versions"] = np.array([jax.__version__, importlib.import_module("flax").__version__, optax.__version__])
    for kind in args.models:
        if f"{kind}/loss" not in out:
            out.update(step_level(original, helpers, kind))
            out.update(initial_distribution(original, kind, range(args.init_seeds)))
            save()
    seeds = np.arange(FIRST_SEED, FIRST_SEED + args.seeds)
    for i in range(args.seeds):  # seed by seed, both models: a partial run compares both
        for kind in args.models:
            partial = f"{args.out}.{kind}-{seeds[i]}.partial.npz"
            with open(partial + ".lock", "w") as lock:
                try:  # a seed another process is running is left to it
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    log(f"{kind} seed {seeds[i]}: run by another process")
                    continue
                save()  # takes in the seeds the others finished, this one perhaps
                final_loss(original, helpers, kind, seeds, i, out, save, log, partial)


if __name__ == "__main__":
    main()
