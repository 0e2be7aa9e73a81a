"""An utterance's alignment over its spectrogram (Chorowski et al. 2015, Fig. 1 and 4): the output
characters down the side, time across, and the log-mel spectrogram beneath on the same time axis,
so a reader sees which stretch of sound each character was read from.

The attention may run over fewer positions than the spectrogram has frames (a pyramidal encoder
reads 2^k frames per state): column j of a (T, S) alignment over an (L, D) spectrogram covers
frames [j p, (j + 1) p) with p the power of two for which ceil(L / p) = S (else p = L / S).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._figure import display_token, drawing, new_figure, save, wrap_to
from .alignment import as_array, as_matrix

MAX_ROW_LABELS = 60


def frames_per_column(frames: int, columns: int) -> float:
    """How many spectrogram frames one alignment column covers (see the module docstring)."""
    for power in range(11):
        if math.ceil(frames / 2 ** power) == columns:
            return float(2 ** power)
    return frames / columns


def plot_alignment_over_spectrogram(weights: Any, output_tokens: Sequence[str], spectrogram: Any,
                                    path: str | Path, *, title: str | None = None,
                                    frame_seconds: float | None = None) -> Path:
    """weights (T, S), one row per output token; spectrogram (L, D) frames by features. Draws
    the alignment above and the spectrogram below on one time axis (seconds with
    ``frame_seconds``, else frames) and saves a PNG/PDF/SVG at ``path``."""
    matrix, image = as_matrix(weights), as_array(spectrogram, "(L, D)")
    if matrix.shape[0] != len(output_tokens):
        raise ValueError(f"weights have {matrix.shape[0]} rows but there are {len(output_tokens)} output tokens")
    if 0 in matrix.shape or 0 in image.shape:
        raise ValueError(f"nothing to plot: weights {matrix.shape}, spectrogram {image.shape}")
    unit = frame_seconds or 1.0
    per_column = frames_per_column(image.shape[0], matrix.shape[1])
    right = matrix.shape[1] * per_column * unit
    rows = matrix.shape[0]
    width = min(24.0, max(6.0, 0.01 * image.shape[0] + 3))
    upper = min(15.0, max(2.0, 0.16 * rows))  # inches of alignment
    lower = max(1.8, upper / 3)  # the spectrogram keeps a readable share
    with drawing():
        figure = new_figure(width, upper + lower + 1.0)
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[upper, lower])
        top.imshow(matrix, aspect="auto", cmap="gray_r", vmin=0.0, vmax=max(float(matrix.max()), 1e-6),
                   extent=(0.0, right, rows - 0.5, -0.5), interpolation="nearest")
        step = max(1, math.ceil(rows / MAX_ROW_LABELS))
        top.set_yticks(range(0, rows, step))
        top.set_yticklabels([display_token(t) for t in list(output_tokens)[::step]], fontsize=7)
        top.set_ylabel("output")
        bottom.imshow(image.T, aspect="auto", origin="lower", cmap="magma",
                      extent=(0.0, image.shape[0] * unit, 0, image.shape[1]), interpolation="nearest")
        bottom.set_ylabel("mel filter")
        bottom.set_xlabel("time (s)" if frame_seconds else "frame")
        bottom.set_xlim(0.0, image.shape[0] * unit)  # the last column may reach past the last frame
        if title:
            top.set_title(wrap_to(title, width, 9), fontsize=9)
        return save(figure, path)
