"""`attnkit caption RUN image ...`: grey or RGB, any size (letterboxed to the run's canvas); a
missing or corrupt file is named on stderr and the other images are still captioned."""

import numpy as np
from PIL import Image

from attnkit.cli import main
from attnkit.run import open_run


def _lines(text: str) -> dict[str, str]:
    return dict(line.split("\t") for line in text.splitlines())


def test_grey_and_rgb_copies_of_a_canvas_get_the_same_caption(caption_run, canvases, tmp_path, capsys):
    grey = canvases[0][0]
    rgb = tmp_path / "rgb.png"
    Image.open(grey).convert("RGB").save(rgb)
    assert main(["caption", str(caption_run), str(grey), str(rgb), "--beam", "3"]) == 0
    captions = _lines(capsys.readouterr().out)
    assert list(captions) == [str(grey), str(rgb)]
    assert captions[str(grey)] == captions[str(rgb)] and captions[str(grey)].strip()


def test_another_size_is_letterboxed_to_the_run_canvas(caption_run, canvases, tmp_path, capsys):
    field = open_run(caption_run).input_field
    canvas = np.asarray(Image.open(canvases[0][0]))
    twice = tmp_path / "twice.png"
    Image.fromarray(canvas).resize((64, 16), Image.Resampling.NEAREST).save(twice)  # same shape, twice the size
    square = tmp_path / "square.png"
    Image.fromarray(np.full((20, 20), 255, dtype=np.uint8)).save(square)
    assert np.abs(field.pixels(twice) - field.pixels(canvases[0][0])).mean() < 0.05  # bilinear: near, not equal
    boxed = field.pixels(square)[:, :, 0]  # (8, 32): an 8 x 8 white square centred on black
    assert boxed.shape == (8, 32) and boxed[:, 12:20].min() > 0.99 and boxed[:, :12].max() == 0 == boxed[:, 20:].max()
    assert main(["caption", str(caption_run), str(twice), str(square)]) == 0
    assert list(_lines(capsys.readouterr().out)) == [str(twice), str(square)]


def test_bad_files_are_named_and_the_others_still_captioned(caption_run, canvases, tmp_path, capsys):
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    text = tmp_path / "notes.png"
    text.write_text("not an image", encoding="utf-8")
    missing = tmp_path / "missing.png"
    good = [str(path) for path, _ in canvases[:2]]
    assert main(["caption", str(caption_run), good[0], str(corrupt), str(missing), str(text), good[1]]) == 2
    captured = capsys.readouterr()
    assert list(_lines(captured.out)) == good
    errors = captured.err.splitlines()
    assert len(errors) == 3
    for path, line in zip((corrupt, missing, text), errors, strict=True):
        assert line.startswith(f"attnkit caption: error: cannot read image {path}")


def test_a_run_that_reads_no_images_is_refused(caption_run, tmp_path, capsys):
    assert main(["caption", str(tmp_path / "no-run"), "a.png"]) == 2
    assert "no-run" in capsys.readouterr().err
