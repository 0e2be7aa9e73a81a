"""The step-by-step view of one decoded hypothesis: at each output step, the weights row over
the source tokens, with the token that step chose and the source token it attended to most.

Where a heatmap shows the whole alignment at once, this strip reads like the decoder works: one
panel per output step, top to bottom, each a bar chart over the same source tokens. The bar of
the most-attended source token is coloured; the panel's label names the output token chosen.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._figure import display_token, drawing, new_figure, save, wrap_to
from .alignment import _checked, _ticks

PANEL_INCHES = 0.62  # height of one step's panel while the strip fits
MAX_HEIGHT = 60.0  # inches; longer outputs get thinner panels
BAR = "#9db4cc"
PEAK = "#d9480f"


def plot_beam_steps(weights: Any, source_tokens: Sequence[str], output_tokens: Sequence[str],
                    path: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Save a strip of T panels to path: panel t is the bar chart of weights[t] (S,) over the
    source tokens, labelled with output token t (the token chosen at step t).

    weights: (T, S) array-like or tensor, T = len(output_tokens) (EOS included if you pass its
    row), S = len(source_tokens). Returns the path written.
    """
    matrix = _checked(weights, source_tokens, output_tokens)
    steps, width = matrix.shape
    panel = min(PANEL_INCHES, (MAX_HEIGHT - 1.5) / steps)
    fontsize = float(np.clip(panel * 72 * 0.28, 5.0, 9.0))
    ceiling = max(1.0, float(matrix.max()))
    figure_width = max(4.0, min(24.0, 1.6 + 0.32 * width))
    if title:  # wrapped to the figure
        title = wrap_to(title, figure_width, fontsize + 3)
    title_inches = 0.0 if not title else 0.25 * (title.count("\n") + 1)
    with drawing():
        figure = new_figure(figure_width, 1.3 + panel * steps + title_inches)
        axes_list = figure.subplots(steps, 1, sharex=True, squeeze=False)[:, 0]
        for t, axes in enumerate(axes_list):
            row = matrix[t]
            peak = int(row.argmax())
            colours = [PEAK if s == peak else BAR for s in range(width)]
            axes.bar(np.arange(width), row, color=colours, width=0.85)
            axes.set_ylim(0.0, ceiling)
            axes.set_yticks([])
            axes.set_ylabel(f"{t + 1}: {display_token(output_tokens[t])}", rotation=0, ha="right", va="center",
                            fontsize=fontsize + 1, fontweight="bold", color=PEAK)
            axes.text(width - 0.5, ceiling * 0.95, f"max {row[peak]:.2f} on '{display_token(source_tokens[peak])}'",
                      ha="right", va="top", fontsize=fontsize, color="0.3")
            for side in ("top", "right", "left"):
                axes.spines[side].set_visible(False)
        top = axes_list[0]
        top.xaxis.set_tick_params(labeltop=True)
        _ticks(axes_list[-1].set_xticks, axes_list[-1].set_xticklabels, source_tokens, fontsize + 1)
        _ticks(top.set_xticks, top.set_xticklabels, source_tokens, fontsize + 1)
        axes_list[-1].set_xlabel("source tokens (bar: attention weight; orange: most attended)",
                                 fontsize=fontsize + 1)
        if title:
            figure.suptitle(title, fontsize=fontsize + 3)
        return save(figure, path)
