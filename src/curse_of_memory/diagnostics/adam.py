"""Adam's effective learning rate per parameter (Zucchet & Orvieto 2024, Sec. 3.6).

The effective learning rate is minus the update Adam would make, from its current state and
without changing it, if the gradient were all ones:

    m' = b1 m + (1 - b1),   v' = b2 v + (1 - b2),   bias-corrected with count + 1,
    eff = lr_t * m_hat' / (sqrt(v_hat') + eps)

(optax defaults b1 = 0.9, b2 = 0.999, eps = 1e-8; lr_t the scheduled rate). A parameter whose
gradients have long been tiny sits at the ceiling lr * 0.1 / sqrt(0.001) = lr sqrt(10); a
parameter with large second moments gets a small rate; eff is negative when m < -1/9, so
statistics report the fraction of non-positive entries instead of dropping them.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax
from jax import Array

from curse_of_memory.diagnostics.parameters import parameter_groups

# Floor added before logs, as in the paper's logging: log-statistics of max(eff, 0) + 1e-8.
LOG_FLOOR = 1e-8
STATISTICS = ("geo_mean", "median", "min", "geo_std", "nonpositive_fraction")


def find_adam_state(opt_state) -> optax.ScaleByAdamState:
    """The `optax.ScaleByAdamState` inside an optimizer state (e.g. of `optax.adam(lr)`, a
    chain, or `train_ensemble`'s `scale_by_adam`)."""
    found = [
        s
        for s in jax.tree.leaves(opt_state, is_leaf=lambda s: isinstance(s, optax.ScaleByAdamState))
        if isinstance(s, optax.ScaleByAdamState)
    ]
    if len(found) != 1:
        raise ValueError(f"expected one optax ScaleByAdamState in the optimizer state, found {len(found)}")
    return found[0]


def effective_learning_rates(opt_state, lr, *, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
    """eff for every parameter: a pytree shaped like the parameters (Adam's `mu`)."""
    state = find_adam_state(opt_state)
    count = state.count + 1  # the step an update would take

    def eff(m, v):
        m_hat = (b1 * m + (1 - b1)) / (1 - b1**count)
        v_hat = (b2 * v + (1 - b2)) / (1 - b2**count)
        return lr * m_hat / (jnp.sqrt(v_hat) + eps)

    return jax.tree.map(eff, state.mu, state.nu)


def effective_learning_rates_by_group(model, opt_state, lr, **adam) -> dict[str, Array]:
    """Group name (see `diagnostics.parameters`) -> eff of its entries, raveled."""
    names = list(parameter_groups(model))
    leaves = jax.tree.leaves(effective_learning_rates(opt_state, lr, **adam))
    if len(leaves) != len(names):
        raise ValueError(f"the optimizer state has {len(leaves)} parameter arrays, the model {len(names)}: {names}")
    return {name: jnp.ravel(leaf) for name, leaf in zip(names, leaves, strict=True)}


def statistics(eff: Array) -> dict[str, Array]:
    """Summary of one group's rates: geometric mean, median, minimum and geometric standard
    deviation of max(eff, 0) + 1e-8, and the fraction of non-positive entries."""
    log = jnp.log(jnp.maximum(eff, 0) + LOG_FLOOR)
    return {
        "geo_mean": jnp.exp(jnp.mean(log)),
        "median": jnp.median(eff),
        "min": jnp.min(eff),
        "geo_std": jnp.exp(jnp.std(log)),
        "nonpositive_fraction": jnp.mean(eff <= 0),
    }


def adam_epoch_metrics(model, adam_state, lr) -> dict[str, Array]:
    """The `epoch_metrics` hook of `train_ensemble`: "eff_lr/<group>/<statistic>" for every
    parameter group and every statistic in STATISTICS."""
    groups = effective_learning_rates_by_group(model, adam_state, lr)
    return {f"eff_lr/{g}/{k}": v for g, eff in groups.items() for k, v in statistics(eff).items()}
