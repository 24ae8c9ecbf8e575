"""What the two training studies of Ribeiro et al. (2020) share (official code; Secs. 3 and
5.3 of the spec): the three networks, the training protocol and its settings, orbit-diagram
rows and the figures' orbit panels.

Networks: an LSTM, a stable LSTM (the same LSTM projected after every step) or an
orthogonal RNN (expRNN), each followed by a linear head. Training: Adam with the global
gradient norm clipped to 0.25 ("clipped_adam"), the code's step decay (PyTorch's MultiStepLR
stepped per epoch: x gamma at each milestone epoch; or a cosine decay, or none), the paper's
summed losses, `steps_per_epoch` minibatches per epoch; orbits recorded by an `OrbitDiagram` hook
inside the compiled loop after every k-th epoch (epochs e with e mod k = k - 1, the official
code's interval_orbit = k), and only then.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, partial

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from curse_of_memory.diagnostics import OrbitDiagram, orbit_spread
from curse_of_memory.harness.claims import Claim, info
from curse_of_memory.harness.plotting import new_figure
from curse_of_memory.harness.settings import Settings, require, setting
from curse_of_memory.harness.table import select
from curse_of_memory.models import lstm, orthogonal_rnn, readout, stable_lstm_projection
from curse_of_memory.training import OPTIMIZERS, SCHEDULES, train_ensemble

MODELS = ("lstm", "slstm", "ornn")
SCHEDULE_CHOICES = ("multistep", *SCHEDULES)
LABELS = {"lstm": "LSTM", "slstm": "sLSTM", "ornn": "oRNN"}
COLORS = {"lstm": "tab:blue", "slstm": "tab:orange", "ornn": "tab:green"}


def build_model(name: str, key, d_in: int, d_hidden: int, d_out: int):
    """LSTM / sLSTM (PyTorch init; the projection starts after the first step) or oRNN, with a head."""
    k_cell, k_head = jax.random.split(key)
    cell = orthogonal_rnn(k_cell, d_in, d_hidden) if name == "ornn" else lstm(k_cell, d_in, d_hidden)
    return readout(k_head, cell, d_out)


@dataclass(frozen=True, kw_only=True)
class OrbitTrainingSettings(Settings):
    """The training protocol and orbit probes of the official code that both studies share,
    with the sine generator's network width and probes (the symbol study sets its own)."""

    models: list[str] = setting(list(MODELS), "networks trained, one unit each", choices=MODELS)
    d_hidden: int = setting(200, "hidden units H", low=1)
    epochs: int = setting(10000, "training epochs", low=1)
    steps_per_epoch: int = setting(10, "minibatches per epoch", low=1)
    lr: float = setting(1e-3, "peak learning rate of Adam", low=0, low_open=True)
    schedule: str = setting(
        "multistep",
        "learning-rate schedule: the code's MultiStepLR (x gamma at each milestone epoch), cosine to 1e-7, or constant",
        choices=SCHEDULE_CHOICES,
    )
    milestones: list[int] = setting(
        [500, 1000, 2000, 8000, 15000, 25000],
        "epochs at which the multistep schedule multiplies the lr by gamma",
        low=1,
    )
    gamma: float = setting(0.1, "factor of the multistep schedule at each milestone", low=0, low_open=True)
    seeds: int = setting(1, "training seeds per model (seed, seed + 1, ...)", low=1)
    orbit_every: int = setting(50, "epochs between orbit snapshots (a divisor of epochs)", low=1)
    orbit_initial: int = setting(4, "initial states of the orbit probes (std 100)", low=1)
    orbit_steps: int = setting(1600, "steps of each orbit probe", low=1)
    orbit_burn_in: int = setting(1200, "first steps of each orbit probe left out", low=0)

    def check(self) -> None:
        require(
            self.orbit_burn_in < self.orbit_steps,
            "orbit_burn_in",
            f"an integer in [0, orbit_steps) = [0, {self.orbit_steps}) (the burn-in must be shorter than the run)",
            self.orbit_burn_in,
        )
        require(
            self.epochs % self.orbit_every == 0, "orbit_every", f"a divisor of epochs ({self.epochs})", self.orbit_every
        )

    def seed_list(self) -> list[int]:
        """The training seeds of every model: seed, seed + 1, ..., seed + seeds - 1."""
        return list(range(self.seed, self.seed + self.seeds))


@cache
def multistep_clipped_adam(milestone_steps: tuple[int, ...], gamma: float) -> optax.GradientTransformation:
    """Clipped Adam whose update at step t is scaled by gamma^(number of milestone_steps <= t):
    with a constant learning rate, PyTorch's MultiStepLR stepped once per epoch (epoch e >= a
    milestone m uses the decayed rate; milestone_steps = m x steps per epoch). Cached, so that
    units of equal settings reuse one compilation."""
    boundaries = jnp.asarray(milestone_steps)
    return optax.chain(OPTIMIZERS["clipped_adam"], optax.scale_by_schedule(lambda t: gamma ** jnp.sum(t >= boundaries)))


# The settings of OrbitTrainingSettings that every unit of both studies carries.
TRAINING_SETTINGS = (
    "d_hidden",
    "epochs",
    "steps_per_epoch",
    "lr",
    "schedule",
    "milestones",
    "gamma",
    "orbit_every",
    "orbit_initial",
    "orbit_steps",
    "orbit_burn_in",
)


def train_with_orbits(task, c, orbit: OrbitDiagram, d_in: int, d_out: int, progress):
    """One ensemble (seeds x the learning rate) of model c["model"], orbits every c["orbit_every"] epochs."""
    init = partial(build_model, c["model"], d_in=d_in, d_hidden=c["d_hidden"], d_out=d_out)
    optimizer, schedule = "clipped_adam", c["schedule"]
    if schedule == "multistep":  # train_ensemble's own schedules are cosine and constant
        steps = tuple(m * c["steps_per_epoch"] for m in c["milestones"])
        optimizer, schedule = multistep_clipped_adam(steps, c["gamma"]), "constant"
    return train_ensemble(
        task,
        init,
        seeds=c["seeds"],
        learning_rates=[c["lr"]],
        steps=c["epochs"] * c["steps_per_epoch"],
        steps_per_epoch=c["steps_per_epoch"],
        schedule=schedule,
        optimizer=optimizer,
        project=stable_lstm_projection if c["model"] == "slstm" else None,
        epoch_metrics=orbit,
        metrics_every=c["orbit_every"],
        validation_batches=1,
        on_progress=lambda done, total: progress(0.9 * done / total),
    )


def member(models, i: int):
    """Member (seed i, learning rate 0) of a stacked ensemble of models."""
    return jax.tree.map(lambda a: a[i, 0] if eqx.is_array(a) else a, models)


def snapshot_rows(c, seed_index: int, snaps: np.ndarray, initial_states, input_index: int, output: int = 0):
    """Rows of the orbit diagram of one run: per snapshot, the spread over all probes and the
    kept trajectory of `output` for each of `initial_states` under input `input_index`.
    snaps: (snapshots, T_kept, n_initial, n_inputs, d_out)."""
    rows = []
    for j, orbit in enumerate(snaps):
        spread = orbit_spread(orbit)
        for k in initial_states:
            rows.append(
                {
                    "kind": "snapshot",
                    "model": c["model"],
                    "seed": c["seeds"][seed_index],
                    "snapshot": j,
                    "epoch": (j + 1) * c["orbit_every"],
                    "spread": float(np.max(spread)),
                    "initial": int(k),
                    "input_index": int(input_index),
                    "trace": orbit[:, k, input_index, output].astype(float).tolist(),
                }
            )
    return rows


def orbit_panels(fig, axes_row, snaps, every, title, ylabel="output"):
    """1-D (snapshot, x_t) and 2-D (snapshot, x_t, x_{t+1} - x_t) orbit diagrams."""
    one, two = axes_row
    if not snaps:
        return
    from matplotlib import colormaps

    hsv = colormaps["hsv"]
    n = max(r["snapshot"] for r in snaps) + 1
    spec = two.get_subplotspec()
    two.remove()
    two = fig.add_subplot(spec, projection="3d")
    for r in snaps:
        x = np.asarray(r["trace"])
        color = hsv(r["snapshot"] / max(n, 1))
        one.scatter(np.full(x.shape, r["snapshot"]), x, s=0.5, color=color, alpha=0.4)
        two.scatter(np.full(x.shape[0] - 1, r["snapshot"]), x[:-1], np.diff(x), s=1, color=color, alpha=0.4)
    one.set(xlabel=f"snapshot (every {every} epochs)", ylabel=ylabel, title=f"{title}: 1-D orbit diagram")
    two.set(xlabel="snapshot", ylabel="x_t", zlabel="x_t+1 - x_t", title=f"{title}: 2-D")


def orbit_figure(rows, s, input_label: str, ylabel: str):
    """The studies' figure: a row per model with its 1-D and 2-D orbit diagrams (seed s.seed,
    input s.plot_input); the last column is left free for the training losses and a
    study's own panel. Returns (figure, loss axes, panel axes, models drawn)."""
    models = [m for m in MODELS if m in s.models]
    fig, ax = new_figure(max(len(models), 2), 3, width=4.4)
    for m, axes_row in zip(models, ax, strict=False):
        snaps = select(rows, kind="snapshot", model=m, seed=s.seed)
        orbit_panels(fig, axes_row[:2], snaps, s.orbit_every, f"{LABELS[m]} ({input_label})", ylabel)
    for extra in [*ax[2:, 2], *ax[len(models) :, :2].ravel()]:
        extra.axis("off")
    return fig, ax[0][2], ax[1][2], models


def diverged_claims(rows) -> list[Claim]:
    """An informational claim naming the diverged training runs, if any: they stay in the
    results, not dropped."""
    diverged = [r for r in select(rows, kind="run") if r["diverged"]]
    if not diverged:
        return []
    names = ", ".join(f"{LABELS[r['model']]} seed {r['seed']}" for r in diverged)
    return [info("diverged runs (kept in the results, not dropped)", None, measured=names)]


def plot_losses(ax, rows, models, label):
    """Every run's epoch loss, labelled by label(run row)."""
    for m in models:
        for r in select(rows, kind="run", model=m):
            ax.plot(np.arange(1, len(r["epoch_loss"]) + 1), r["epoch_loss"], color=COLORS[m], lw=0.8, label=label(r))
    ax.set(xlabel="epoch", title="training loss")
