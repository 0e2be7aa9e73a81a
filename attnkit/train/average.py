"""Checkpoint averaging (as fairseq's average_checkpoints.py and OpenNMT-py's average_models.py):
the mean of the parameters of the last N evaluation checkpoints, often a little better than any
one of them. The step checkpoints come from ``train.keep_checkpoints``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from .checkpoint import load_checkpoint, step_checkpoints


def newest_step_checkpoints(run_dir: Path, count: int) -> list[Path]:
    """The newest ``count`` checkpoints/step-<step>.pt of the run in ``run_dir``, oldest first."""
    run_dir = Path(run_dir)
    if count < 1:
        raise ValueError(f"--last must be at least 1, got {count}")
    if not run_dir.is_dir():
        raise ValueError(f"run directory not found: {run_dir}")
    if not (run_dir / "config.yaml").is_file():
        raise ValueError(f"{run_dir} is not an attnkit run directory: it has no config.yaml")
    found = step_checkpoints(run_dir / "checkpoints")
    if len(found) < count:
        raise ValueError(f"{run_dir} has {len(found)} step checkpoint(s) (checkpoints/step-<step>.pt), fewer "
                         f"than --last {count}; train with --set train.keep_checkpoints={count} (or more) to "
                         "keep them")
    return [path for _, path in found[-count:]]


def average_checkpoints(paths: list[Path]) -> dict[str, Any]:
    """``{"model": mean weights, "step": newest step, "averaged": steps}`` of the checkpoints at
    ``paths`` (oldest first), the format of best.pt. Float tensors are summed in float64 and cast
    back to their dtype; integer buffers (counters) are taken from the newest checkpoint."""
    if not paths:
        raise ValueError("no checkpoints to average")
    states = [load_checkpoint(Path(path)) for path in paths]
    models = [state["model"] for state in states]
    first, newest = models[0], models[-1]
    for path, model in zip(paths[1:], models[1:], strict=True):
        if model.keys() != first.keys():
            raise ValueError(f"{path} holds other parameters than {paths[0]}: they come from different models")
        for name, tensor in model.items():
            if tensor.shape != first[name].shape:
                raise ValueError(f"{path}: {name} has shape {tuple(tensor.shape)} but {tuple(first[name].shape)} "
                                 f"in {paths[0]}: the checkpoints come from different models")
    averaged = {}
    for name, tensor in newest.items():
        if tensor.is_floating_point():
            total = torch.stack([model[name].to(torch.float64) for model in models]).sum(0)
            averaged[name] = (total / len(models)).to(tensor.dtype)
        else:
            averaged[name] = tensor.clone()
    steps = [int(state.get("step", -1)) for state in states]
    return {"model": averaged, "step": steps[-1], "averaged": steps}
