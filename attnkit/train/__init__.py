"""Training: the loop, checkpoints, optimizer/schedule and data-parallel set-up."""

from .checkpoint import load_checkpoint, save_atomic
from .distributed import World, init_world, shutdown
from .loop import Trainer, TrainingDiverged, TrainResult, sequence_loss

__all__ = ["Trainer", "TrainResult", "TrainingDiverged", "World", "init_world", "load_checkpoint",
           "save_atomic", "sequence_loss", "shutdown"]
