"""Alignment heatmaps: valid PNGs that grow with the sequences, shape checks, word merging,
scripts that render, atomic writes."""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from attnkit.viz import merge_subwords, plot_alignment, plot_alignment_grid

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk, after checking the signature."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def uniform(t: int, s: int) -> np.ndarray:
    return np.full((t, s), 1.0 / s)


def test_writes_a_png_that_grows_with_the_sequences(tmp_path):
    small = plot_alignment(uniform(3, 4), list("abcd"), list("xyz"), tmp_path / "small.png")
    large = plot_alignment(uniform(30, 40), [f"s{i}" for i in range(40)], [f"t{i}" for i in range(30)],
                           tmp_path / "large.png", title="forty by thirty")
    assert small == tmp_path / "small.png"
    (w_small, h_small), (w_large, h_large) = png_size(small), png_size(large)
    assert w_large > w_small and h_large > h_small


def test_long_sequences_stay_capped(tmp_path):
    path = plot_alignment(uniform(200, 300), [f"s{i}" for i in range(300)],
                          [f"t{i}" for i in range(200)], tmp_path / "long.png")
    width, height = png_size(path)
    assert width <= 3000 and height <= 3000


def test_accepts_tensors_with_grad_and_nested_lists(tmp_path):
    weights = torch.softmax(torch.randn(2, 3, requires_grad=True), dim=-1)
    plot_alignment(weights, ["a", "b", "c"], ["x", "y"], tmp_path / "tensor.png")
    plot_alignment([[1.0, 0.0], [0.0, 1.0]], ["a", "b"], ["x", "y"], tmp_path / "list.png")
    assert png_size(tmp_path / "tensor.png") and png_size(tmp_path / "list.png")


def test_shape_mismatch_names_both_shapes(tmp_path):
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(4, 3\)"):
        plot_alignment(uniform(3, 4), list("abc"), list("wxyz"), tmp_path / "bad.png")
    with pytest.raises(ValueError, match="2-D"):
        plot_alignment(np.ones((1, 3, 4)), list("abcd"), list("xyz"), tmp_path / "bad.png")
    with pytest.raises(ValueError, match="item 1"):
        plot_alignment_grid([(uniform(2, 2), "ab", "xy"), (uniform(2, 3), "ab", "xy")],
                            tmp_path / "bad.png")
    assert not (tmp_path / "bad.png").exists()


def test_creates_parent_folders_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "run" / "plots" / "a.png"
    plot_alignment(uniform(2, 2), ["a", "b"], ["x", "y"], path)
    plot_alignment(np.eye(2), ["a", "b"], ["x", "y"], path)  # overwrite in place
    assert [p.name for p in path.parent.iterdir()] == ["a.png"]
    assert png_size(path)


def test_unsupported_suffix_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"\.png, \.pdf, \.svg"):
        plot_alignment(np.eye(2), ["a", "b"], ["x", "y"], tmp_path / "a.jpg")
    assert list(tmp_path.iterdir()) == []


def test_cyrillic_greek_and_umlauts_render_without_missing_glyphs(tmp_path):
    source = ["Жёлтый", "кот", "σοφία", "λόγος", "größer", "Straße", "Ärger", " ", "$5", "</s>"]
    target = ["yellow", "cat", "Weisheit", "Wörter", "ΑΩ", "Щука", "$x$", "", "</s>"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plot_alignment(uniform(len(target), len(source)), source, target, tmp_path / "scripts.png")
    assert [str(w.message) for w in caught if "missing" in str(w.message).lower()] == []
    assert png_size(tmp_path / "scripts.png")


def test_merge_subwords_by_hand():
    # pieces: source "▁the ▁cat s" -> words "the cats"; target "▁les ▁ch ats" -> "les chats".
    weights = [[0.8, 0.1, 0.1],
               [0.1, 0.5, 0.4],
               [0.2, 0.2, 0.6]]
    merged, source, target = merge_subwords(weights, ["▁the", "▁cat", "s"], ["▁les", "▁ch", "ats"])
    # columns of "cats" summed: rows become [.8 .2], [.1 .9], [.2 .8];
    # rows of "chats" averaged: ([.1 .9] + [.2 .8]) / 2 = [.15 .85].
    assert source == ["the", "cats"] and target == ["les", "chats"]
    np.testing.assert_allclose(merged, [[0.8, 0.2], [0.15, 0.85]])
    np.testing.assert_allclose(merged.sum(axis=1), 1.0)


def test_merge_subwords_keeps_special_tokens_apart():
    pieces = ["▁new", "er", "</s>", "x"]
    merged, source, target = merge_subwords(np.eye(4), pieces, pieces)
    assert source == target == ["newer", "</s>", "x"]
    # "newer": columns 0+1 summed, then rows 0 and 1 ([1 0 0] and [1 0 0]) averaged -> [1 0 0].
    np.testing.assert_allclose(merged, np.eye(3))


def test_merge_subwords_as_a_plot_option(tmp_path):
    pieces = ["▁Stra", "ße", "▁σο", "φία"]
    path = plot_alignment(uniform(4, 4), pieces, pieces, tmp_path / "words.png", merge_subwords=True)
    grid = plot_alignment_grid([(uniform(4, 4), pieces, pieces)], tmp_path / "grid_words.png",
                               merge_subwords=True)
    assert png_size(path) and png_size(grid)


def test_grid_of_several_alignments(tmp_path):
    items = [(np.eye(3), list("abc"), list("abc")),
             (uniform(2, 5), list("vwxyz"), list("pq")),
             (uniform(4, 1), ["one"], ["w", "x", "y", "z"])]
    path = plot_alignment_grid(items, tmp_path / "grid.png", titles=["eye", "flat", "one key"])
    assert png_size(path)
    with pytest.raises(ValueError, match="titles"):
        plot_alignment_grid(items, tmp_path / "g.png", titles=["only one"])
    with pytest.raises(ValueError, match="empty"):
        plot_alignment_grid([], tmp_path / "g.png")


def test_figure_has_every_token_labelled_and_a_labelled_colour_bar(tmp_path, monkeypatch):
    import attnkit.viz.alignment as alignment

    saved = []
    monkeypatch.setattr(alignment, "save", lambda figure, path: saved.append(figure) or Path(path))
    source, target = ["ein", "Haus", "</s>"], ["a", "house"]
    plot_alignment(uniform(2, 3), source, target, tmp_path / "a.png")
    heatmap, bar = saved[0].axes
    assert [t.get_text() for t in heatmap.get_xticklabels()] == source
    assert [t.get_text() for t in heatmap.get_yticklabels()] == target
    assert heatmap.xaxis.get_ticks_position() == "top"  # source across the top, as in Fig. 3
    assert bar.get_ylabel() == "attention weight"


def test_ticks_are_thinned_past_eighty_tokens():
    from attnkit.viz._figure import new_figure
    from attnkit.viz.alignment import MAX_TICKS, draw_heatmap

    axes = new_figure(4, 4).add_subplot()
    draw_heatmap(axes, uniform(50, 200), [f"s{i}" for i in range(200)], [f"t{i}" for i in range(50)])
    assert len(axes.get_xticks()) <= MAX_TICKS and axes.get_xticklabels()[1].get_text() == "s3"
    assert len(axes.get_yticks()) == 50


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    path = plot_alignment(np.eye(2), ["a", "b"], ["x", "y"], tmp_path / "a.png")
    before = path.read_bytes()

    def broken_savefig(self, stream, **kwargs):
        stream.write(b"half a png")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken_savefig)
    with pytest.raises(OSError, match="disk full"):
        plot_alignment(uniform(2, 2), ["a", "b"], ["x", "y"], path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.png"]


def test_importing_and_plotting_leave_the_users_backend_and_rc_alone(tmp_path):
    import subprocess
    import sys

    script = f"""
import sys, matplotlib
matplotlib.use("svg")
matplotlib.rcParams["font.family"] = ["serif"]
import numpy as np
from attnkit.viz import plot_alignment
plot_alignment(np.eye(2), ["a", "b"], ["x", "y"], {str(tmp_path / "a.png")!r})
assert matplotlib.get_backend() == "svg", matplotlib.get_backend()
assert matplotlib.rcParams["font.family"] == ["serif"], matplotlib.rcParams["font.family"]
assert "matplotlib.pyplot" not in sys.modules
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
