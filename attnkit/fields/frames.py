"""The frames field: a sequence of feature vectors (acoustic frames, points, any real-valued
sequence), normalised with statistics fitted on the training set.

With ``audio`` settings the field also reads sound: an item may then be an audio file's path or a
waveform, which it turns into log-mel frames (``fields/audio.py``) before normalising, so a run
reads users' recordings through the same feature extraction as its training data."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from .audio import LogMel, read_audio
from .base import Field, FieldError, Padded, lengths_mask

NORMALISATIONS = ("global", "utterance", "none")
AUDIO_OPTIONS = {"sample_rate": 16000, "n_mels": 40, "window_ms": 25.0, "hop_ms": 10.0, "max_seconds": 60.0}


class FramesField(Field):
    """Items are (L, D) arrays (numpy, nested lists or tensors), L >= 1 frames of D features.

    ``normalise``: "global" (per feature, mean and standard deviation of every training frame,
    saved with the run), "utterance" (each item by its own statistics) or "none".
    ``frame_seconds``: the hop between frames, for plot labels in seconds (None: frame numbers).
    ``audio``: None (items are frames), or feature settings (keys of AUDIO_OPTIONS, the others at
    their defaults): an item may then also be an audio file's path (str or Path, read at
    ``sample_rate``, refused past ``max_seconds``) or a waveform (N,) at ``sample_rate`` (float in
    [-1, 1] or int16), turned into log-mel frames of ``n_mels`` features every ``hop_ms``.
    Collates to data (B, L, D) float32, zero padding, lengths (B,), mask (B, L).
    """

    kind = "frames"

    def __init__(self, normalise: Literal["global", "utterance", "none"] = "global",
                 frame_seconds: float | None = None, audio: dict[str, Any] | None = None) -> None:
        if normalise not in NORMALISATIONS:
            raise FieldError(f"frames normalise must be one of {', '.join(NORMALISATIONS)}; got {normalise!r}")
        self.audio = None if audio is None else _audio_options(audio)
        self.features = None if self.audio is None else LogMel(
            int(self.audio["sample_rate"]), int(self.audio["n_mels"]), float(self.audio["window_ms"]),
            float(self.audio["hop_ms"]))
        if frame_seconds is None and self.audio is not None:
            frame_seconds = self.audio["hop_ms"] / 1000
        self.normalise, self.frame_seconds = normalise, frame_seconds
        self.dim: int | None = None
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None

    def _array(self, item: Any) -> np.ndarray:
        if self.features is not None:
            item = self._sound(item)
        array = np.asarray(item.cpu() if isinstance(item, torch.Tensor) else item, dtype=np.float32)
        if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
            raise FieldError(f"a frames item must be an (L, D) array with L, D >= 1; got shape {array.shape}")
        if self.dim is not None and array.shape[1] != self.dim:
            raise FieldError(f"a frames item has {array.shape[1]} features per frame; this field was fitted "
                             f"on {self.dim}")
        if not np.isfinite(array).all():
            raise FieldError("a frames item holds NaN or infinite values")
        return array

    def _sound(self, item: Any) -> Any:
        """An audio path or a waveform (N,) -> log-mel frames (L, n_mels); frames pass through."""
        if isinstance(item, str | Path):
            item = read_audio(item, self.features.sample_rate, max_seconds=self.audio["max_seconds"])
        elif isinstance(item, torch.Tensor):
            item = item.cpu().numpy()
        if isinstance(item, np.ndarray) and item.ndim == 1:
            seconds = self.features.seconds(len(item))
            if self.audio["max_seconds"] is not None and seconds > self.audio["max_seconds"]:
                raise FieldError(f"a waveform of {seconds:.1f} s is longer than the {self.audio['max_seconds']:g} s "
                                 "this field takes (audio option max_seconds)")
            return self.features(item)  # (L, n_mels)
        return item

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
        return {"normalise": self.normalise, "frame_seconds": self.frame_seconds, "audio": self.audio}

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

    def backdrop(self, item: Any) -> np.ndarray | None:
        """An audio item's log-mel frames (L, D) before normalisation, the spectrogram plots draw
        beneath its attention; None for plain frames."""
        return None if self.features is None else self._array(item)

    def parse_input(self, text: str) -> Any:
        """The argument is the path of a NumPy file (.npy) holding one (L, D) array, or, with
        audio settings, of an audio file (anything but .npy: WAV, FLAC, OGG), kept as its path."""
        if self.features is not None and not text.endswith(".npy"):
            self._array(text)  # refuse a bad file here, naming it
            return text
        try:
            return self._array(np.load(text, allow_pickle=False))
        except (OSError, ValueError) as error:
            raise FieldError(f"cannot read frames from {text}: {error} "
                             "(give a .npy file of one (L, D) array)") from None

    def describe(self) -> str:
        audio = "" if self.audio is None else (f", log-mel from {self.audio['sample_rate']} Hz audio every "
                                               f"{self.audio['hop_ms']:g} ms")
        return f"frames ({self.dim} features, {self.normalise} normalisation{audio})"


def _audio_options(audio: Any) -> dict[str, Any]:
    """The field's audio settings, completed with AUDIO_OPTIONS' defaults; unknown keys refused."""
    if not isinstance(audio, dict):
        raise FieldError(f"frames audio must be a mapping of {', '.join(AUDIO_OPTIONS)}; got {audio!r}")
    unknown = sorted(set(audio) - set(AUDIO_OPTIONS))
    if unknown:
        raise FieldError(f"frames audio option {unknown[0]!r} is not known; valid: {', '.join(AUDIO_OPTIONS)}")
    merged = {**AUDIO_OPTIONS, **audio}
    if merged["sample_rate"] <= 0 or merged["n_mels"] <= 0 or merged["hop_ms"] <= 0 or merged["window_ms"] <= 0:
        raise FieldError(f"frames audio sample_rate, n_mels, window_ms and hop_ms must be positive; got {merged}")
    return merged
