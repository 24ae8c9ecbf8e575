"""The effective learning rates of Figs 4 and 9 in Zucchet & Orvieto's own code. Does the
original's current `MultiHeadRNN` give the rates Fig. 4 plots (the saved figures/lr_RNN_1.npy:
median positive rate of A at 1.95e-4 of the base lr), or those of our dense RNN (1e-2 of the
base, over seeds)? The saved rates came from an earlier model with biases in C and D
(docs/parity.md), so only the original's current code can tell the two apart. And does its
S4 give Fig. 9's small A rates (0.040 and 0.085 of the base; ours stay near the ceiling)?

Run in the original's environment, as bench/official_original.py (whose `setup` it uses):

    PEER/bin/python bench/official_effective_lr.py --repo CHECKOUT --out FILE.json [--model s4] [--seeds 3]

The protocol of Figs 4 and 9 (spec, Fig 4): the model (the dense RNN, or S4 with unshared
steps) at nu0 = 0.99, Adam at a constant lr 1e-3 for 100 epochs of 100 steps, seeds 2023, ...;
then the effective rate as the original's train.py computes it (minus Adam's update for an
all-ones gradient, state unchanged). Per model and seed, the file holds the last epoch's mean
training loss and, per parameter group (S4's A split into A_re and A_im), the median positive
rate over the base lr and the fraction of non-positive rates. The file is rewritten after
every run, and a rerun skips the runs it has.
"""

import argparse
import importlib
import json
import os
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
from official_original import EPOCHS, FIRST_SEED, STEPS_PER_EPOCH, flat, setup

LR = 1e-3


def summary(effective: np.ndarray) -> dict:
    """The median positive rate over the base lr and the fraction of non-positive rates."""
    positive = effective[effective > 0]
    return {
        "median_positive_over_base": float(np.median(positive)) / LR if positive.size else None,
        "non_positive_fraction": float(np.mean(effective <= 0)),
    }


def rates(original, helpers, kind, seed) -> dict:
    """One run of the original's model `kind` ("rnn" or "s4"): its final loss and effective
    rates by parameter group."""
    _, loader, model, params, opt = setup(original, kind, seed, LR, EPOCHS * STEPS_PER_EPOCH, constant=True)
    opt_state = opt.init(params)
    start = time.perf_counter()
    for _ in range(EPOCHS):
        params, opt_state, metrics = helpers.train_epoch(params, opt_state, opt, model, loader)
    update, _ = opt.update(jax.tree_util.tree_map(jnp.ones_like, params), opt_state, params)
    out = {"model": kind, "seed": seed, "final_loss": float(metrics["Training loss"])}
    out["seconds"] = time.perf_counter() - start
    for path, value in flat(update, kind).items():
        group = path.rsplit("/", 2)[-2] if path.endswith("kernel") else path.rsplit("/", 1)[-1]
        if kind == "s4" and group == "A":  # stored as (2, D, N): real and imaginary parts
            out["A_re"], out["A_im"] = summary(-np.ravel(value[0])), summary(-np.ravel(value[1]))
        else:
            out[group] = summary(-np.ravel(value))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repo", required=True, help="a checkout of the original repository")
    p.add_argument("--out", required=True, help="the .json file written")
    p.add_argument("--model", choices=("rnn", "s4"), default="rnn", help="the dense RNN (Fig. 4) or S4 (Fig. 9)")
    p.add_argument("--seeds", type=int, default=3, help="training seeds (2023, 2024, ...)")
    args = p.parse_args()
    sys.path.insert(0, args.repo)
    original = importlib.import_module("source.model"), importlib.import_module("source.dataloaders.regression")
    helpers = importlib.import_module("source.train_helpers")
    runs = json.load(open(args.out))["runs"] if os.path.exists(args.out) else []
    for seed in range(FIRST_SEED, FIRST_SEED + args.seeds):
        if any(r["model"] == args.model and r["seed"] == seed for r in runs):
            continue
        runs.append(rates(original, helpers, args.model, seed))
        print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
        with open(args.out + ".tmp", "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d"), "jax": jax.__version__, "lr": LR, "runs": runs}, f, indent=1)
        os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
