"""TensorBoard logging (``train.tensorboard: true``), through torch.utils.tensorboard.

RUN_DIR/tensorboard/ receives the training loss and learning rate every LOG_EVERY steps, the dev
metrics at each evaluation, and the attention of a few dev examples as images (drawn by the run,
handed in as arrays). `tensorboard --logdir RUN_DIR/tensorboard` shows them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

LOG_EVERY = 10  # steps between training scalars


class Board:
    """One SummaryWriter for a run's main process."""

    def __init__(self, directory: Path) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise ValueError("train.tensorboard needs the tensorboard package: pip install 'attnkit[tensorboard]'") \
                from None
        self.writer = SummaryWriter(log_dir=str(directory))

    def training(self, step: int, loss: float, lr: float, tokens_per_s: float) -> None:
        if step % LOG_EVERY == 0:
            self.writer.add_scalar("train/loss", loss, step)
            self.writer.add_scalar("train/lr", lr, step)
            self.writer.add_scalar("train/tokens_per_s", tokens_per_s, step)

    def evaluation(self, step: int, metrics: Mapping[str, float], images: Sequence[tuple[str, np.ndarray]]) -> None:
        """Dev metrics as scalars, and images (name, (H, W, 3|4) array in 0..1 or 0..255)."""
        for name, value in metrics.items():
            self.writer.add_scalar(f"dev/{name}", value, step)
        for name, image in images:
            self.writer.add_image(f"attention/{name}", image[..., :3], step, dataformats="HWC")
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()
