"""Training: the loop, objectives, checkpoints, optimizer/schedule and data-parallel set-up."""

from .checkpoint import load_checkpoint, save_atomic
from .distributed import World, init_world, shutdown
from .loop import Trainer, TrainingDiverged, TrainResult
from .objectives import ClassCrossEntropy, Objective, Reinforce, TokenCrossEntropy

__all__ = ["ClassCrossEntropy", "Objective", "Reinforce", "TokenCrossEntropy", "Trainer", "TrainResult",
           "TrainingDiverged", "World", "init_world", "load_checkpoint", "save_atomic", "shutdown"]
