"""Learning-rate schedules of the training protocol (Zucchet & Orvieto 2024, Sec. 4.2)."""

from __future__ import annotations

import jax.numpy as jnp
from jax import Array

SCHEDULES = ("cosine", "constant")

# The cosine schedule ends here rather than at 0, as in the paper's code.
FINAL_LEARNING_RATE = 1e-7


def learning_rate_at(schedule: str, step, peak: Array, total_steps: int) -> Array:
    """The learning rate at `step`.

    cosine: 1e-7 + (peak - 1e-7) (1 + cos(pi step / total_steps)) / 2, no warm-up;
    constant: peak. `peak` may be traced (one per ensemble member), which is why this is not
    optax.cosine_decay_schedule (it checks its arguments in Python).
    """
    if schedule == "constant":
        return peak
    progress = jnp.minimum(step, total_steps) / total_steps
    return FINAL_LEARNING_RATE + (peak - FINAL_LEARNING_RATE) * 0.5 * (1 + jnp.cos(jnp.pi * progress))
