"""A copying model's alignment: the heatmap with p_gen beside each output word (See et al. 2017).

Rows are output tokens, columns source tokens, as in ``plot_alignment``; a narrow panel on the
right draws p_gen, the probability that the token was written from the vocabulary rather than
copied, as a bar per row. Rows whose p_gen is below one half (mostly copied) are marked: their
label ends in "⇐" and is drawn in the copy colour, as is their bar.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._figure import drawing, new_figure, save
from .alignment import _cell_size, _checked, _fontsize, _panel_inches, _vmax, as_array, draw_heatmap

COPIED = 0.5  # p_gen below this: the token came mostly from the source
COPY_COLOUR = "#c0392b"
WRITE_COLOUR = "#7f8c8d"


def copied_rows(gates: Any) -> list[bool]:
    """Per output row, whether it was mostly copied (p_gen < 0.5)."""
    return [bool(g < COPIED) for g in as_array(gates, "(T)")]


def plot_copying(weights: Any, source_tokens: Sequence[str], target_tokens: Sequence[str], gates: Any,
                 path: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Save the (T, S) alignment with p_gen (T,) beside it; copied rows marked. Returns the path."""
    matrix = _checked(weights, source_tokens, target_tokens)
    values = as_array(gates, "(T)")
    if values.shape[0] != matrix.shape[0]:
        raise ValueError(f"got {values.shape[0]} p_gen values for {matrix.shape[0]} output rows; give one per row")
    copied = copied_rows(values)
    labels = [f"{token} ⇐" if mark else token for token, mark in zip(target_tokens, copied, strict=True)]
    cell = _cell_size(max(matrix.shape))
    fontsize = _fontsize(cell)
    width, height = _panel_inches(matrix, source_tokens, labels, cell, fontsize)
    with drawing():
        figure = new_figure(max(4.5, width + 2.2), max(2.5, height + (0.4 if title else 0)))
        heat, bars = figure.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [max(matrix.shape[1], 4), 3]})
        image = draw_heatmap(heat, matrix, source_tokens, labels, vmax=_vmax([matrix]), fontsize=fontsize, title=title)
        for tick, mark in zip(heat.get_yticklabels(), copied, strict=False):
            if mark:
                tick.set_color(COPY_COLOUR)
        rows = np.arange(matrix.shape[0])
        bars.barh(rows, values, color=[COPY_COLOUR if mark else WRITE_COLOUR for mark in copied], height=0.7)
        for row, value in zip(rows, values, strict=True):  # the number too: a bar near 0 is invisible
            bars.text(min(value, 0.62) + 0.03, row, f"{value:.2f}", va="center", fontsize=fontsize - 1)
        bars.axvline(COPIED, color="black", linewidth=0.5, linestyle=":")
        bars.set_xlim(0.0, 1.0)
        bars.set_xticks([0.0, 0.5, 1.0])
        bars.tick_params(labelsize=fontsize - 1, left=False)
        bars.xaxis.tick_top()
        bars.xaxis.set_label_position("top")
        bars.set_xlabel("p_gen (write)", fontsize=fontsize)
        bar = figure.colorbar(image, ax=heat, fraction=0.05, pad=0.02, location="bottom")
        bar.set_label("attention weight", fontsize=fontsize)
        return save(figure, path)
