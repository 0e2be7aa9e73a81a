"""A caption's per-word overlays: the upsampled map sits on the attended cell, the prediction of a
captioning run is a Caption over the model's grid, and `attnkit plot RUN image.png` draws it."""

import numpy as np
import pytest
from caption_cases import GRID

from attnkit.cli import main
from attnkit.decode.caption import Caption, grid_labels
from attnkit.run import open_run
from attnkit.viz.overlay import plot_caption, upsample

PNG = b"\x89PNG\r\n\x1a\n"


def test_a_uniform_map_stays_uniform_and_a_one_cell_map_peaks_in_that_cell():
    assert np.allclose(upsample(np.full(6, 1 / 6), (2, 3), (8, 12)), 1 / 6)
    one = np.zeros(6)
    one[4] = 1.0  # row 1, column 1: pixels 4..7 down, 4..7 across
    heat = upsample(one, (2, 3), (8, 12))
    assert heat.shape == (8, 12)
    y, x = np.unravel_index(np.argmax(heat), heat.shape)
    assert 4 <= y < 8 and 4 <= x < 8
    assert heat.min() >= 0 and heat.max() <= 1
    assert heat[0, 0] == pytest.approx(0.0) and heat[:, 11].max() < heat[:, 5].max()


def test_weights_that_do_not_fit_the_grid_are_refused(tmp_path):
    with pytest.raises(ValueError, match="7 positions does not fit a 2 x 3 grid"):
        upsample(np.zeros(7), (2, 3), (4, 6))
    with pytest.raises(ValueError, match="one row per word"):
        plot_caption(np.zeros((4, 6)), np.zeros((3, 6)), ["a", "b"], (2, 3), tmp_path / "x.png")


def test_one_panel_per_word_is_drawn(tmp_path):
    weights = np.eye(6)[[0, 5, 2]]  # three words on three cells
    path = plot_caption(np.random.default_rng(0).random((8, 12, 3)), weights, ["a", "b", "</s>"], (2, 3),
                        tmp_path / "words.png", title="a b")
    assert path.read_bytes()[:8] == PNG


def test_a_captioning_run_predicts_captions_over_its_grid(caption_run, canvases):
    run = open_run(caption_run)
    found = run.predict([{"image": path} for path, _ in canvases])
    for hypotheses in found:
        best = hypotheses[0]
        assert isinstance(best, Caption) and best.grid == GRID
        assert best.source_tokens == grid_labels(GRID) == ["r0c0", "r0c1", "r0c2", "r0c3"]
        assert best.alignment.shape == (len(best.alignment_labels), GRID[0] * GRID[1])
        assert best.image.shape == (8, 32, 1)  # the canvas as the model read it
        assert best.to_json()["grid"] == list(GRID)
        picture = best.picture()
        assert picture["png"].startswith("data:image/png;base64,") and picture["grid"] == list(GRID)


def test_plot_draws_the_overlays_of_each_image(caption_run, canvases, tmp_path, capsys):
    out = tmp_path / "overlay.png"
    assert main(["plot", str(caption_run), str(canvases[0][0]), str(canvases[1][0]), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    paths = [tmp_path / "overlay-1.png", tmp_path / "overlay-2.png"]
    assert printed[1::2] == [str(p) for p in paths]
    assert all(p.read_bytes()[:8] == PNG for p in paths)


def test_pointing_reads_the_rows_of_the_words_that_name_digits():
    from attnkit.captioning import _digit_rows

    weights = np.arange(12.0).reshape(6, 2)  # six words of "a three left of a seven" (+ </s>)
    assert _digit_rows(weights, {"digit_words": (1, 5)}).tolist() == [[2.0, 3.0], [10.0, 11.0]]
    assert _digit_rows(weights, {}).shape == (6, 2)  # word t names box t
