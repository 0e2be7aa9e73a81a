"""Field.parse_input: how `attnkit plot` reads a command-line argument as a raw item."""

from __future__ import annotations

import numpy as np
import pytest

from attnkit.fields import FieldError, build_field


def test_text_and_label_arguments_are_taken_as_typed():
    assert build_field("text", tokenizer="char").parse_input(" 14 März ") == " 14 März "
    assert build_field("label").parse_input("entailment") == "entailment"


def test_frames_are_read_from_a_npy_file(tmp_path):
    field = build_field("frames")
    field.fit([np.zeros((3, 2), dtype=np.float32)])
    path = tmp_path / "x.npy"
    np.save(path, np.arange(10, dtype=np.float32).reshape(5, 2))
    assert field.parse_input(str(path)).shape == (5, 2)
    np.save(path, np.zeros((5, 3), dtype=np.float32))
    with pytest.raises(FieldError, match="3 features per frame; this field was fitted on 2"):
        field.parse_input(str(path))
    (tmp_path / "bad.npy").write_text("not numpy")
    with pytest.raises(FieldError, match=r"cannot read frames from .*bad.npy"):
        field.parse_input(str(tmp_path / "bad.npy"))


def test_an_image_argument_is_a_path_whose_problems_show_when_encoded(tmp_path):
    pytest.importorskip("PIL")
    field = build_field("image", channels=1, size=[8, 8])
    field.fit([np.ones((8, 8, 1), dtype=np.float32)])
    (tmp_path / "broken.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(FieldError, match="cannot read image .*broken.png"):
        field.encode(field.parse_input(str(tmp_path / "broken.png")))


def test_a_field_with_no_typed_form_refuses_by_kind():
    with pytest.raises(FieldError, match="a positions field cannot be read from the command line"):
        build_field("positions", of="points").parse_input("3 1 2")
