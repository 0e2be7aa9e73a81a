"""A pointer network's answer step by step: the input points, and at each step the pointer's
distribution over them and the point it chose.

Panel 0 shows the whole answer (the chosen points joined in order, closed when the answer is a
cycle through three or more points). Panel t (t = 1..) shows step t: every point coloured and
sized by the pointer's probability, the path chosen before it in grey, the point chosen at this
step ringed, and in the panel's title the choice and the probability of the end. Points of one
coordinate (sorting numbers) are drawn at (value, input index).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._figure import drawing, new_figure, save, wrap_to

PANEL = 2.4  # inches per panel
COLUMNS = 5
MAX_STEPS = 24  # later steps are left out (the title says so)


def _planar(points: Any) -> np.ndarray:
    """(n, D) -> (n, 2) drawing coordinates: 2-D as given, 1-D as (value, index), more: the first two."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or len(points) == 0:
        raise ValueError(f"plot_pointer needs (n, D) points with n >= 1; got shape {points.shape}")
    if points.shape[1] == 1:
        return np.stack([points[:, 0], np.arange(len(points), dtype=np.float64)], 1)
    return points[:, :2]


def plot_pointer(points: Any, positions: Sequence[int], distributions: Any, path: str | os.PathLike[str], *,
                 title: str | None = None) -> Path:
    """Save the step-by-step picture to ``path``. points (n, D); positions the chosen 0-based
    indices in order; distributions (steps, n + 1) over [end, points] or None (only the answer is
    drawn). Returns the path written."""
    xy = _planar(points)
    n = len(xy)
    chosen = [int(p) for p in positions]
    if any(not 0 <= p < n for p in chosen):
        raise ValueError(f"plot_pointer: positions {chosen} point outside the {n} points")
    weights = None if distributions is None else np.asarray(
        distributions.float().numpy() if hasattr(distributions, "numpy") else distributions, dtype=np.float64)
    if weights is not None and (weights.ndim != 2 or weights.shape[1] != n + 1):
        raise ValueError(f"plot_pointer: distributions must be (steps, {n + 1}); got {weights.shape}")
    steps = 0 if weights is None else min(len(weights), MAX_STEPS)
    panels = 1 + steps
    columns = min(COLUMNS, panels)
    rows = math.ceil(panels / columns)
    pad = 0.05 * max(1e-9, float(np.ptp(xy[:, 0])), float(np.ptp(xy[:, 1])))
    limits = (xy.min(0) - pad, xy.max(0) + pad)
    with drawing():
        figure = new_figure(PANEL * columns, PANEL * rows + (0.5 if title else 0.2))
        axes = figure.subplots(rows, columns, squeeze=False).ravel()
        for ax in axes[panels:]:
            ax.set_axis_off()
        for index, ax in enumerate(axes[:panels]):
            ax.set_xlim(limits[0][0], limits[1][0])
            ax.set_ylim(limits[0][1], limits[1][1])
            ax.set_xticks([])
            ax.set_yticks([])
            if index == 0:
                order = chosen + chosen[:1] if len(chosen) >= 3 and np.asarray(points).shape[1] > 1 else chosen
                ax.scatter(xy[:, 0], xy[:, 1], s=12, c="#555555", zorder=2)
                if order:
                    ax.plot(xy[order, 0], xy[order, 1], color="#d9480f", linewidth=1.4, zorder=1)
                ax.set_title(f"answer: {len(chosen)} points", fontsize=8)
                continue
            t = index - 1
            before = chosen[:t]
            if len(before) >= 2:
                ax.plot(xy[before, 0], xy[before, 1], color="#aaaaaa", linewidth=1.0, zorder=1)
            probability = weights[t, 1:]
            ax.scatter(xy[:, 0], xy[:, 1], s=8 + 80 * probability, c=probability, cmap="viridis", vmin=0.0,
                       vmax=1.0, zorder=2)
            pick = f"chose {chosen[t]}" if t < len(chosen) else "chose the end"
            if t < len(chosen):
                ax.scatter([xy[chosen[t], 0]], [xy[chosen[t], 1]], s=90, facecolors="none", edgecolors="#d9480f",
                           linewidths=1.5, zorder=3)
            ax.set_title(f"step {t + 1}: {pick} (end p={weights[t, 0]:.2f})", fontsize=7)
        if title or (weights is not None and len(weights) > MAX_STEPS):
            text = (title or "") + (f" (first {MAX_STEPS} of {len(weights)} steps)"
                                    if weights is not None and len(weights) > MAX_STEPS else "")
            figure.suptitle(wrap_to(text.strip(), PANEL * columns, 9), fontsize=9)
        return save(figure, path)
