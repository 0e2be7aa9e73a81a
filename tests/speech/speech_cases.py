"""Helpers of the speech tests: a small task's options, tones, audio files written on the fly."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest

# synthesis needs espeak-ng: the espeakng-loader wheel (the speech extra) or Debian's program
needs_espeak = pytest.mark.skipif(
    importlib.util.find_spec("espeakng_loader") is None and not shutil.which("espeak-ng"),
    reason="espeak-ng is absent: pip install 'attnkit[speech]' or apt-get install espeak-ng")

SMALL_TASK = {"train_size": 40, "dev_size": 6, "test_size": 6, "long_size": 2, "length_size": 2, "max_digits": 3}


def tone(seconds: float, rate: int, frequency: float = 440.0, amplitude: float = 0.3) -> np.ndarray:
    """A sine tone (N,) float32."""
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def write_audio(path: Path, samples: np.ndarray, rate: int) -> Path:
    import soundfile

    soundfile.write(str(path), samples, rate)
    return path
