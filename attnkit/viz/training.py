"""Training curves from a run's metrics log: losses on the left, dev scores on the right."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from attnkit.metrics import LABELS, METRICS

from ._figure import drawing, new_figure, save

LOSSES = ("train_loss", "dev_loss")
SCORES = tuple(f"dev_{name}" for name in METRICS)  # every registered metric a run may log


def _series(history: Sequence[Mapping[str, Any]], key: str) -> tuple[list[float], list[float]]:
    """(steps, values) of the records that have a finite number under key."""
    points = [(float(r["step"]), float(r[key])) for r in history
              if "step" in r and isinstance(r.get(key), int | float) and r[key] == r[key]]
    return [p[0] for p in points], [p[1] for p in points]


def plot_training_curves(history: Sequence[Mapping[str, Any]], path: str | os.PathLike[str]) -> Path:
    """Save the curves of a metrics.jsonl history (one dict per evaluation, with 'step' and any
    of train_loss, dev_loss and dev_<metric> for the metrics of attnkit.metrics) to path.
    Returns the path."""
    if not history:
        raise ValueError("no training history to plot: the metrics log is empty")
    with drawing():
        figure = new_figure(9.0, 3.4)
        losses, scores = figure.subplots(1, 2)
        for axes, keys, ylabel in ((losses, LOSSES, "cross-entropy per predicted unit (nats)"),
                                   (scores, SCORES, "dev score (%)")):
            for key in keys:
                steps, values = _series(history, key)
                if steps:
                    name = key.removeprefix("dev_") if key.startswith("dev_") and key != "dev_loss" else key
                    label = ("dev " + LABELS.get(name, name)) if axes is scores else key.replace("_", " ")
                    axes.plot(steps, values, marker="o", markersize=3, linewidth=1.5, label=label)
            axes.set_xlabel("update step")
            axes.set_ylabel(ylabel)
            axes.grid(True, alpha=0.3)
            if axes.lines:
                axes.legend(fontsize=8, loc="best")
        scores.set_ylim(-2, 102)
        return save(figure, path)
