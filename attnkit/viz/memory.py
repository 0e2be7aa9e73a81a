"""A Neural Turing Machine's run drawn as Graves et al. 2014 draw it (Fig. 6): the inputs and
outputs over time, and each head's weighting over the memory locations (locations down, time
across), so a copy shows the write head sweeping down the memory and the read head following.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ._figure import drawing, new_figure, save
from .alignment import as_array


def plot_memory_run(inputs: Any, outputs: Any, weightings: Mapping[str, Any], path: str | os.PathLike[str], *,
                    answer_steps: Any = None, title: str | None = None) -> Path:
    """inputs (L, C_in) the steps the model read; outputs (K, C_out) its answers (bits or
    probabilities), drawn at the input's answer steps ``answer_steps`` (K indices; default the
    last K steps); weightings: head name -> (L, N) weights over N locations at each input step
    (drawn from location 0 to a little past the last one any head used).
    Writes a PNG (or .pdf/.svg) at ``path`` and returns it."""
    seen = as_array(inputs, "(L, C_in)")
    answers = as_array(outputs, "(K, C_out)")
    steps = seen.shape[0]
    where = np.arange(steps - len(answers), steps) if answer_steps is None else np.asarray(answer_steps)
    timeline = np.zeros((steps, answers.shape[1]))
    timeline[where] = answers
    panels = [("inputs", seen.T, "channel"), ("outputs", timeline.T, "channel")]
    matrices = {name: as_array(w, "(L, N)").T for name, w in weightings.items()}  # (N, L) each
    used = [np.nonzero(m.max(axis=1) > 0.01)[0] for m in matrices.values()]
    shown = max((int(u.max()) for u in used if len(u)), default=0) + 3  # locations 0..last used, and a margin
    panels += [(f"{name} weighting", m[:shown], "location") for name, m in matrices.items()]
    with drawing():
        heights = [max(1.0, min(3.0, p[1].shape[0] / 40)) for p in panels]
        figure = new_figure(min(16.0, max(6.0, 2.0 + steps * 0.12)), sum(heights) + 0.8 * len(panels))
        grid = figure.add_gridspec(len(panels), 1, height_ratios=heights)
        for row, (label, matrix, axis) in enumerate(panels):
            ax = figure.add_subplot(grid[row])
            ax.imshow(matrix, aspect="auto", cmap="gray_r", vmin=0.0, vmax=max(1.0, float(matrix.max())),
                      interpolation="nearest")
            ax.set_ylabel(axis)
            ax.set_title(label, fontsize=9, loc="left")
            ax.set_xlabel("time step" if row == len(panels) - 1 else "")
        if title:
            figure.suptitle(title, fontsize=9)
        return save(figure, path)
