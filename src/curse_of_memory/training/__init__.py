"""Training: an optax Adam loop over an ensemble of seeds x learning rates."""

from curse_of_memory.training.ensemble import OPTIMIZERS, EnsembleResult, train_ensemble
from curse_of_memory.training.schedule import SCHEDULES, learning_rate_at

__all__ = ["OPTIMIZERS", "SCHEDULES", "EnsembleResult", "learning_rate_at", "train_ensemble"]
