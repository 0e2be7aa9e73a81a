"""A caption's attention over its image, word by word, as in Xu et al. (2015)'s figures.

Panel 0 shows the image with the whole caption; panel t (t = 1..) shows word t: the image in
grey with that word's attention over the grid of cells upsampled to the pixels (bilinear between
cell centres) and laid over it in colour, the peak cell outlined, and the word with its largest
weight as the panel's title.

    upsample(weights (L,), grid (rows, cols), size (H, W)) -> (H, W)
    plot_caption(image (H, W, C), weights (T, L), words T, grid, path)
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._figure import drawing, new_figure, save, wrap_to

PANEL_INCHES = 4.8  # the width of a panel holding a wide image; narrower images get less
MAX_PANELS = 25  # words past the 24th are left out (the title says so)


def _centres_to_pixels(count: int, pixels: int) -> np.ndarray:
    """Each pixel centre's position in cell units, for np.interp over cell centres 0..count-1."""
    return (np.arange(pixels) + 0.5) * count / pixels - 0.5


def upsample(weights: Any, grid: tuple[int, int], size: tuple[int, int]) -> np.ndarray:
    """weights (L,) over a rows x cols grid (row by row) laid evenly over an H x W image ->
    (H, W): bilinear between the cells' centres, constant beyond the outer centres. The mean over
    the pixels stays close to the mean over the cells; a uniform map stays uniform."""
    rows, cols = grid
    values = np.asarray(weights, dtype=np.float64).reshape(-1)
    if values.size != rows * cols:
        raise ValueError(f"attention over {values.size} positions does not fit a {rows} x {cols} grid")
    cells = values.reshape(rows, cols)
    height, width = size
    across = np.stack([np.interp(_centres_to_pixels(cols, width), np.arange(cols), row) for row in cells])  # (rows, W)
    return np.stack([np.interp(_centres_to_pixels(rows, height), np.arange(rows), column)
                     for column in across.T], axis=1)  # (H, W)


def _grey(image: np.ndarray) -> np.ndarray:
    """(H, W), (H, W, 1) or (H, W, 3) floats 0..1 -> (H, W) grey."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 3:
        image = image[:, :, 0] if image.shape[2] == 1 else image @ np.array([0.299, 0.587, 0.114])
    if image.ndim != 2:
        raise ValueError(f"plot_caption needs an (H, W) or (H, W, C) image; got shape {image.shape}")
    return image


def _peak_box(weights: np.ndarray, grid: tuple[int, int], size: tuple[int, int]) -> tuple[float, float, float, float]:
    """(x, y, width, height) in pixels of the cell with the largest weight."""
    rows, cols = grid
    row, col = divmod(int(np.argmax(weights)), cols)
    cell_h, cell_w = size[0] / rows, size[1] / cols
    return col * cell_w - 0.5, row * cell_h - 0.5, cell_w, cell_h


def plot_caption(image: Any, weights: Any, words: Sequence[str], grid: tuple[int, int],
                 path: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Save the per-word overlays to ``path``. image (H, W) or (H, W, C) floats 0..1; weights
    (T, L) with row t the attention while word t was written, L = rows * cols; words the T row
    labels (the caption's words, then </s> when the search ended). Returns the path written."""
    picture = _grey(image)
    matrix = np.asarray(weights.float().numpy() if hasattr(weights, "numpy") else weights, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != len(words):
        raise ValueError(f"plot_caption: weights must be (T, L) with one row per word ({len(words)}); "
                         f"got shape {matrix.shape}")
    height, width = picture.shape
    shown = min(len(words), MAX_PANELS - 1)
    panels = 1 + shown
    panel_w = PANEL_INCHES if width >= 2 * height else PANEL_INCHES / 2
    columns = max(1, min(panels, int(12 // panel_w)))
    rows = math.ceil(panels / columns)
    panel_h = panel_w * height / width + 0.45
    caption = " ".join(w for w in words if w != "</s>")
    from matplotlib.patches import Rectangle

    with drawing():
        figure = new_figure(panel_w * columns, panel_h * rows + (0.5 if title else 0.1))
        axes = figure.subplots(rows, columns, squeeze=False).ravel()
        for ax in axes:
            ax.set_axis_off()
        axes[0].imshow(picture, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        axes[0].set_title(wrap_to(caption or "(empty caption)", panel_w, 9), fontsize=9)
        for t in range(shown):
            ax = axes[t + 1]
            ax.imshow(picture, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            heat = upsample(matrix[t], grid, (height, width))
            ax.imshow(heat, cmap="inferno", alpha=0.6, vmin=0, vmax=max(float(heat.max()), 1e-9),
                      interpolation="bilinear")
            x, y, w, h = _peak_box(matrix[t], grid, (height, width))
            ax.add_patch(Rectangle((x, y), w, h, fill=False, edgecolor="#4dabf7", linewidth=1.2))
            ax.set_title(f"{words[t]}  (peak {matrix[t].max():.2f})", fontsize=9)
        if title:
            note = f" (first {shown} of {len(words)} words)" if shown < len(words) else ""
            figure.suptitle(wrap_to(title + note, panel_w * columns, 10), fontsize=10)
        return save(figure, path)
