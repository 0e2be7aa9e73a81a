"""Users' captioned images: several captions per image become its references; bad lines and
missing or corrupt images are refused naming file:line."""

from __future__ import annotations

import numpy as np
import pytest

from attnkit.data import DataError
from attnkit.metrics import bleu_multi
from attnkit.tasks.caption_files import read_captions

Image = pytest.importorskip("PIL.Image")


@pytest.fixture
def folder(tmp_path):
    for name in ("a.png", "b.png"):
        Image.fromarray(np.full((8, 8), 200, dtype=np.uint8)).save(tmp_path / name)
    (tmp_path / "broken.png").write_bytes(b"not a png")
    return tmp_path


def test_captions_of_one_image_are_its_references(folder):
    captions = folder / "captions.txt"
    captions.write_text("a.png#0\ta dog runs\na.png#1\ta brown dog\n\nb.png\ttwo cats\n", encoding="utf-8")
    examples = read_captions(captions, folder)
    assert [e["references"] for e in examples] == [["a dog runs", "a brown dog"], ["two cats"]]
    assert examples[1]["where"] == f"{captions}:4" and examples[0]["image"].endswith("a.png")
    score = bleu_multi(["a brown dog", "two cats"], [e["references"] for e in examples], order=1)
    assert score.value == pytest.approx(100.0)  # the second reference of a.png matches


@pytest.mark.parametrize("line, message", [("c.png\ta cat", "does not exist"), ("broken.png\ta cat", "cannot read"),
                                           ("a.png a cat", "expected 'image<TAB>caption'"),
                                           ("a.png\t  ", "empty caption")])
def test_bad_lines_and_images_are_refused_naming_file_and_line(folder, line, message):
    captions = folder / "captions.txt"
    captions.write_text(f"a.png\tfine\n{line}\n", encoding="utf-8")
    with pytest.raises(DataError, match=f"captions.txt:2: .*{message}"):
        read_captions(captions, folder)
