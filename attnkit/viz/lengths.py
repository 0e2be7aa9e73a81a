"""Quality against source length, one line per run (Bahdanau 2015, Fig. 2).

The picture behind the toolkit's first claim: an encoder-decoder without attention degrades as
sources grow, most of all past the lengths seen in training (the shaded band), while attention
models hold up.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from attnkit.metrics import BucketScore, curve

from ._figure import drawing, new_figure, save

Points = Sequence[tuple[float, float]] | Sequence[BucketScore]


def _points(name: str, points: Points) -> list[tuple[float, float]]:
    """(x, y) pairs sorted by x; by_length() rows become (bucket centre, value), empty ones dropped."""
    if points and all(isinstance(p, BucketScore) for p in points):
        pairs = curve(points)  # type: ignore[arg-type]
    else:
        pairs = [(float(x), float(y)) for x, y in points]  # type: ignore[misc]
    if not pairs:
        raise ValueError(f"run {name!r} has no points to plot")
    return sorted(pairs)


def plot_metric_by_length(curves: Mapping[str, Points], path: str | os.PathLike[str], *,
                          metric_name: str, train_range: tuple[int, int] | None = None,
                          xlabel: str = "source length", title: str | None = None) -> Path:
    """Save a line chart of metric against length to path, one line per run.

    curves: {run name: [(length or bucket centre, metric value), ...]} (or by_length() rows,
    plotted at their bucket centres, empty buckets skipped). train_range: the (shortest, longest)
    training length, shaded. On a percent metric (all values in 0..100) the y axis spans 0..100.
    Returns the path written.
    """
    if not curves:
        raise ValueError("no runs to plot: curves is empty")
    lines = {name: _points(name, points) for name, points in curves.items()}
    values = [y for pairs in lines.values() for _, y in pairs]
    with drawing():
        figure = new_figure(9.0, 4.5)
        axes = figure.add_subplot()
        if train_range is not None:
            low, high = train_range
            if low > high:
                raise ValueError(f"train_range {train_range} is backwards: give (shortest, longest)")
            axes.axvspan(low, high, color="0.85", zorder=0, label=f"training lengths ({low}-{high})")
        for name, pairs in lines.items():
            xs, ys = zip(*pairs, strict=True)
            axes.plot(xs, ys, marker="o", markersize=4, linewidth=1.6, label=name)
        if all(math.isfinite(v) and 0.0 <= v <= 100.0 for v in values):
            axes.set_ylim(-2.0, 102.0)
        axes.set_xlabel(xlabel)
        axes.set_ylabel(metric_name)
        axes.grid(True, alpha=0.3)
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)  # beside the plot, over no curve
        if title:
            axes.set_title(title)
        return save(figure, path)
