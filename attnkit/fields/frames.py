"""The frames field: a sequence of feature vectors (acoustic frames, points, any real-valued
sequence), normalised with statistics fitted on the training set."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import torch

from .base import Field, FieldError, Padded, lengths_mask

NORMALISATIONS = ("global", "utterance", "none")


class FramesField(Field):
    """Items are (L, D) arrays (numpy, nested lists or tensors), L >= 1 frames of D features.

    ``normalise``: "global" (per feature, mean and standard deviation of every training frame,
    saved with the run), "utterance" (each item by its own statistics) or "none".
    ``frame_seconds``: the hop between frames, for plot labels in seconds (None: frame numbers).
    Collates to data (B, L, D) float32, zero padding, lengths (B,), mask (B, L).
    """

    kind = "frames"

    def __init__(self, normalise: Literal["global", "utterance", "none"] = "global",
                 frame_seconds: float | None = None) -> None:
        if normalise not in NORMALISATIONS:
            raise FieldError(f"frames normalise must be one of {', '.join(NORMALISATIONS)}; got {normalise!r}")
        self.normalise, self.frame_seconds = normalise, frame_seconds
        self.dim: int | None = None
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None

    def _array(self, item: Any) -> np.ndarray:
        array = np.asarray(item.cpu() if isinstance(item, torch.Tensor) else item, dtype=np.float32)
        if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
            raise FieldError(f"a frames item must be an (L, D) array with L, D >= 1; got shape {array.shape}")
        if self.dim is not None and array.shape[1] != self.dim:
            raise FieldError(f"a frames item has {array.shape[1]} features per frame; this field was fitted "
                             f"on {self.dim}")
        if not np.isfinite(array).all():
            raise FieldError("a frames item holds NaN or infinite values")
        return array

    def fit(self, items: Sequence[Any]) -> None:
        arrays = [self._array(item) for item in items]
        if not arrays:
            raise FieldError("a frames field needs at least one training item")
        widths = {a.shape[1] for a in arrays}
        if len(widths) > 1:
            raise FieldError(f"frames items must all have the same number of features; the training items "
                             f"have {sorted(widths)}")
        self.dim = arrays[0].shape[1]
        frames = np.concatenate(arrays)  # (N, D) every training frame
        self.mean = frames.mean(axis=0)
        self.std = np.maximum(frames.std(axis=0), 1e-5)

    def options(self) -> dict[str, Any]:
        return {"normalise": self.normalise, "frame_seconds": self.frame_seconds}

    def save_state(self, directory) -> dict[str, Any]:
        return {"dim": self.dim, "mean": None if self.mean is None else self.mean.tolist(),
                "std": None if self.std is None else self.std.tolist()}

    def load_state(self, directory, state: dict[str, Any]) -> None:
        self.dim = state.get("dim")
        self.mean = None if state.get("mean") is None else np.asarray(state["mean"], dtype=np.float32)
        self.std = None if state.get("std") is None else np.asarray(state["std"], dtype=np.float32)

    def encode(self, item: Any) -> torch.Tensor:
        array = self._array(item)
        if self.normalise == "global":
            if self.mean is None:
                raise RuntimeError("the frames field has no statistics yet: fit() it on training items first")
            array = (array - self.mean) / self.std
        elif self.normalise == "utterance":
            array = (array - array.mean(axis=0)) / np.maximum(array.std(axis=0), 1e-5)
        return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))  # (L, D)

    def collate(self, encoded: Sequence[torch.Tensor]) -> Padded:
        if not encoded:
            raise ValueError("cannot collate an empty list of items")
        lengths = torch.tensor([len(x) for x in encoded], dtype=torch.long)
        width = int(lengths.max())
        data = encoded[0].new_zeros(len(encoded), width, encoded[0].shape[1])  # (B, L, D)
        for row, frames in enumerate(encoded):
            data[row, : len(frames)] = frames
        return Padded(data, lengths, lengths_mask(lengths, width))

    def cost(self, encoded: torch.Tensor) -> int:
        return len(encoded)

    def labels(self, encoded: torch.Tensor) -> list[str]:
        if self.frame_seconds is None:
            return [str(i) for i in range(len(encoded))]
        return [f"{i * self.frame_seconds:.2f}s" for i in range(len(encoded))]

    def parse_input(self, text: str) -> np.ndarray:
        """The argument is the path of a NumPy file (.npy) holding one (L, D) array."""
        try:
            return self._array(np.load(text, allow_pickle=False))
        except (OSError, ValueError) as error:
            raise FieldError(f"cannot read frames from {text}: {error} "
                             "(give a .npy file of one (L, D) array)") from None

    def describe(self) -> str:
        return f"frames ({self.dim} features, {self.normalise} normalisation)"
