"""Training: an optax Adam loop over an ensemble of seeds x learning rates, or over a grid of
teacher-student members sharing their batches."""

from curse_of_memory.training.ensemble import OPTIMIZERS, EnsembleResult, train_ensemble
from curse_of_memory.training.members import Member, MembersResult, train_members
from curse_of_memory.training.schedule import SCHEDULES, learning_rate_at

__all__ = [
    "OPTIMIZERS",
    "SCHEDULES",
    "EnsembleResult",
    "Member",
    "MembersResult",
    "learning_rate_at",
    "train_ensemble",
    "train_members",
]
