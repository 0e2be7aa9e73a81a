"""One heatmap per layer and head: what every attention head of a Transformer looked at.

maps (L, H, T, S): layer l, head h, output token t, source token s (cross-attention), or
(L, H, T, T) for self-attention with the same tokens on both axes. Rows are layers, columns
heads, all on one colour scale with one labelled colour bar.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._figure import drawing, new_figure, save, wrap_to
from .alignment import _cell_size, _fontsize, _panel_inches, as_array, draw_heatmap

MAX_SIDE = 48.0  # inches: the cap on the whole figure


def plot_layer_heads(maps: Any, source_tokens: Sequence[str], target_tokens: Sequence[str],
                     path: str | os.PathLike[str], *, title: str | None = None, cmap: str = "gray") -> Path:
    """Save an L x H grid of heatmaps to path: row l, column h is layer l's head h, (T, S) with
    T = len(target_tokens), S = len(source_tokens). Returns the path written."""
    array = as_array(maps, "(L layers, H heads, T, S)")
    layers, heads, rows, columns = array.shape
    if (rows, columns) != (len(target_tokens), len(source_tokens)):
        raise ValueError(f"maps are (T, S) = {(rows, columns)} per head but there are {len(target_tokens)} "
                         f"target and {len(source_tokens)} source tokens")
    if 0 in array.shape:
        raise ValueError(f"nothing to plot: maps have shape {array.shape}")
    cell = _cell_size(max(rows, columns)) * (0.7 if heads > 1 else 1.0)
    fontsize = _fontsize(cell)
    width, height = _panel_inches(array[0, 0], source_tokens, target_tokens, cell, fontsize)
    vmax = max(1.0, float(np.nanmax(array)))
    with drawing():
        figure = new_figure(min(MAX_SIDE, heads * width + 1.4), min(MAX_SIDE, layers * (height + 0.3) + 0.5))
        grid = figure.subplots(layers, heads, squeeze=False)
        image = None
        for layer in range(layers):
            for head in range(heads):
                image = draw_heatmap(grid[layer][head], array[layer, head], source_tokens, target_tokens,
                                     cmap=cmap, vmax=vmax, fontsize=fontsize,
                                     title=f"layer {layer + 1}, head {head + 1}")
        bar = figure.colorbar(image, ax=grid.ravel().tolist(), fraction=0.03, pad=0.02)
        bar.set_label("attention weight", fontsize=fontsize)
        if title:
            figure.suptitle(wrap_to(title, figure.get_figwidth(), fontsize + 2), fontsize=fontsize + 2)
        return save(figure, path)
