"""Orbit diagrams over training (Ribeiro et al. 2020, official code; Sec. 5.3 of the spec).

Probes are drawn once: every (initial state, constant input) pair, with every state tensor
(h and c for an LSTM) i.i.d. N(0, std^2), std = 100. At a snapshot the model runs `steps`
steps from each probe under its constant input, the first `burn_in` steps are dropped, and
the head's outputs are kept: (steps - burn_in, n_initial, n_inputs, d_out), the layout of the
official code's orbit tensors (its batch index seq_idx * n_inputs + input_idx, unflattened).
Plotted against the snapshot index, a fixed point is a dot, a periodic orbit a closed curve
(in the (x_t, x_{t+1} - x_t) plane), chaos a cloud; several dots for one input are several
coexisting attractors.

`OrbitDiagram` is hashable and callable as `train_ensemble`'s `epoch_metrics` hook, so the
orbits are computed inside the compiled training loop; with `metrics_every=k` the hook runs
after epochs e with e mod k = k - 1 only (the official code's interval_orbit = k). The probes
come from a fixed key, so they are identical at every snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array


@dataclass(frozen=True)
class OrbitDiagram:
    """inputs: the constant inputs, a tuple of n_inputs tuples of d_in floats.
    n_initial: random initial states per input; steps, burn_in: run length and the steps
    dropped; std: the initial states' standard deviation; seed: the probes' key.

    The model must have `zero_state()` (the state's structure) and `__call__(x, state)`
    -> outputs (T, d_out): a `models.Readout`.
    """

    inputs: tuple[tuple[float, ...], ...]
    n_initial: int = 4
    steps: int = 1600
    burn_in: int = 1200
    std: float = 100.0
    seed: int = 0

    def __post_init__(self):
        for name in ("n_initial", "steps"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not (isinstance(self.burn_in, int) and 0 <= self.burn_in < self.steps):
            raise ValueError(
                f"burn_in must be an integer in [0, steps) = [0, {self.steps}) "
                f"(a burn-in as long as the run leaves nothing), got {self.burn_in!r}"
            )
        if len(self.inputs) == 0 or len({len(u) for u in self.inputs}) != 1:
            raise ValueError(f"inputs must be a non-empty tuple of equal-length tuples, got {self.inputs!r}")

    def initial_states(self, model, dtype=jnp.float32):
        """The probes' states: the state's pytree with leading (n_initial, n_inputs) axes."""
        template = model.zero_state(dtype)
        leaves, treedef = jax.tree.flatten(template)
        keys = jax.random.split(jax.random.PRNGKey(self.seed), len(leaves))
        shape = (self.n_initial, len(self.inputs))
        return jax.tree.unflatten(
            treedef,
            [self.std * jax.random.normal(k, shape + leaf.shape, dtype) for k, leaf in zip(keys, leaves, strict=True)],
        )

    def orbits(self, model, dtype=jnp.float32) -> Array:
        """(steps - burn_in, n_initial, n_inputs, d_out) outputs after the burn-in."""
        u = jnp.asarray(self.inputs, dtype)  # (n_inputs, d_in)

        def run(state, u_i):
            return model(jnp.broadcast_to(u_i, (self.steps, u_i.shape[0])), state)[self.burn_in :]

        per_input = jax.vmap(run, in_axes=(0, 0))  # over inputs
        out = jax.vmap(per_input, in_axes=(0, None))(self.initial_states(model, dtype), u)
        return jnp.moveaxis(out, 2, 0)  # (n_initial, n_inputs, T, d) -> (T, n_initial, n_inputs, d)

    def __call__(self, model, opt_state=None, lr=None) -> dict[str, Array]:
        return {"orbit": self.orbits(model)}


def orbit_spread(orbit: np.ndarray) -> np.ndarray:
    """Per input, the largest range (max - min over kept steps and initial states) of any
    output: ~0 iff every probe of that input sits on one common fixed point.
    orbit: (..., T, n_initial, n_inputs, d_out) -> (..., n_inputs); leading axes (epochs,
    say) are kept, so a fixed point that moves between epochs is not counted as spread."""
    orbit = np.asarray(orbit)
    return np.max(np.max(orbit, axis=(-4, -3)) - np.min(orbit, axis=(-4, -3)), axis=-1)
