"""Checkpoints: written atomically (temp file + rename), read without executing code."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch


def save_atomic(obj: dict[str, Any], path: Path) -> None:
    """torch.save into a temp file beside ``path``, fsync, then rename over it: a crash or
    Ctrl-C mid-write leaves the previous file intact, never a truncated one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load with ``weights_only=True``: tensors and plain containers only, no code runs."""
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # noqa: BLE001 - any unpickling failure is a corrupt file to the user
        raise ValueError(f"{path}: not a readable attnkit checkpoint ({type(e).__name__}: {e})") from None


# ---- step checkpoints: checkpoints/step-<step>.pt, the newest N kept ---------------------------

STEP_PREFIX = "step-"


def step_checkpoints(directory: Path) -> list[tuple[int, Path]]:
    """The step-<step>.pt files in ``directory`` as (step, path), oldest first."""
    found = []
    for path in Path(directory).glob(f"{STEP_PREFIX}*.pt"):
        step = path.stem[len(STEP_PREFIX):]
        if step.isdigit():
            found.append((int(step), path))
    return sorted(found)


def save_step_checkpoint(state: dict[str, Any], directory: Path, keep: int) -> Path:
    """Write ``state`` (with its "step") as directory/step-<step>.pt atomically, then delete the
    older step checkpoints beyond the newest ``keep``."""
    assert keep >= 1, keep  # validated as train.keep_checkpoints
    path = Path(directory) / f"{STEP_PREFIX}{state['step']}.pt"
    save_atomic(state, path)
    for _, old in step_checkpoints(directory)[:-keep]:
        old.unlink(missing_ok=True)
    return path
