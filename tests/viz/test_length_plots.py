"""Metric-against-length curves (Bahdanau 2015, Fig. 2)."""

from __future__ import annotations

import pytest

from attnkit.metrics import by_length
from attnkit.viz import plot_metric_by_length


def test_writes_a_png_from_points_and_bucket_rows(tmp_path):
    rows = by_length([3, 8, 14, 25], ["a", "b", "c", "d"], ["a", "b", "x", "y"],
                     buckets=[(1, 10), (11, 20), (21, 30), (31, 40)])
    curves = {"none": rows, "additive": [(5.0, 100.0), (15.0, 95.0), (25.0, 90.0)]}
    path = plot_metric_by_length(curves, tmp_path / "out" / "length.png", metric_name="exact match",
                                 train_range=(1, 20))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in path.parent.iterdir()] == ["length.png"]


def test_errors(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        plot_metric_by_length({}, tmp_path / "a.png", metric_name="BLEU")
    with pytest.raises(ValueError, match="'none' has no points"):
        plot_metric_by_length({"none": []}, tmp_path / "a.png", metric_name="BLEU")
    with pytest.raises(ValueError, match="backwards"):
        plot_metric_by_length({"a": [(1, 2)]}, tmp_path / "a.png", metric_name="BLEU", train_range=(9, 1))
    assert not (tmp_path / "a.png").exists()
