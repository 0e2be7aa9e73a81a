"""The image field: layouts and value ranges told apart, refused when ambiguous or ill-shaped;
files read through Pillow (missing and corrupt files named); bilinear resizing; per-channel
normalisation to mean 0 and standard deviation 1 on the training pixels; one real item per image
in a batch; cost and grid labels; a clear message when Pillow is missing."""

import sys

import numpy as np
import pytest
import torch
from PIL import Image

from attnkit.fields import FieldError, ImageField, load, save_field

BLACK, WHITE = np.zeros((2, 2, 3), dtype=np.uint8), np.full((2, 2, 3), 255, dtype=np.uint8)


def fitted(train, **options) -> ImageField:
    field = ImageField(**options)
    field.fit(train)
    return field


def test_black_and_white_normalise_to_minus_and_plus_one():
    field = fitted([BLACK, WHITE])  # every channel: half 0, half 1 -> mean 0.5, std 0.5
    assert field.mean.tolist() == [0.5] * 3 and field.std.tolist() == [0.5] * 3
    assert torch.equal(field.encode(BLACK), torch.full((3, 2, 2), -1.0))
    assert torch.equal(field.encode(WHITE), torch.full((3, 2, 2), 1.0))


def test_training_pixels_come_out_standardised_per_channel():
    ramp = np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5  # channels differ: 0, 5, 10, ... 235
    red = np.zeros((4, 4, 3), dtype=np.float32)
    red[..., 0] = 1.0
    train = [ramp, red, np.full((4, 4, 3), 0.25, dtype=np.float32)]
    field = fitted(train)
    pixels = torch.stack([field.encode(image) for image in train]).transpose(0, 1).reshape(3, -1)  # (C, N)
    assert torch.allclose(pixels.mean(1), torch.zeros(3), atol=1e-5)
    assert torch.allclose(pixels.std(1, unbiased=False), torch.ones(3), atol=1e-5)


@pytest.mark.parametrize("layout", ["hw", "hwc", "chw", "hw1", "1hw", "float", "tensor", "list", "pil"])
def test_every_layout_encodes_alike(layout):
    grey = np.array([[0, 51, 102, 153, 204], [255, 0, 51, 0, 0], [7, 7, 7, 7, 7], [0, 0, 0, 0, 255]],
                    dtype=np.uint8)  # (4, 5): neither side is 1 or 3, so (3, 4, 5) is unambiguous
    field = fitted([grey], channels=1)
    item = {"hw": grey, "hwc": np.repeat(grey[:, :, None], 3, axis=2), "chw": np.stack([grey] * 3),
            "hw1": grey[:, :, None], "1hw": grey[None], "float": grey / 255.0,
            "tensor": torch.from_numpy(grey)[None], "list": grey.tolist(), "pil": Image.fromarray(grey)}[layout]
    assert torch.allclose(field.encode(item), field.encode(grey), atol=1e-6)
    assert field.encode(item).shape == (1, 4, 5)


def test_channels_repeat_grey_and_mix_colour_by_luma():
    red = np.zeros((2, 2, 3), dtype=np.float32)
    red[..., 0] = 1.0
    grey = fitted([np.zeros((1, 1)), np.ones((1, 1))], channels=1)  # mean 0.5, std 0.5
    assert torch.allclose(grey.encode(red), torch.full((1, 2, 2), (0.299 - 0.5) / 0.5))
    colour = fitted([BLACK, WHITE], channels=3)
    assert torch.equal(colour.encode(np.ones((2, 2))), torch.ones(3, 2, 2))


@pytest.mark.parametrize(("array", "message"), [
    (np.zeros((3, 5, 3), dtype=np.uint8), "ambiguous"),
    (np.zeros((1, 4, 1), dtype=np.uint8), "ambiguous"),
    (np.zeros((5, 5, 2), dtype=np.uint8), "channel axis of size 1 or 3"),
    (np.zeros((2, 3, 4, 4), dtype=np.uint8), "one image per item"),
    (np.zeros(4, dtype=np.uint8), "one image per item"),
    (np.zeros((0, 4)), "at least 1 x 1"),
    (np.full((2, 2), 2.0), "values 0..1"),
    (np.full((2, 2), np.nan), "NaN"),
    (np.full((2, 2), 300), "0..255"),
    (np.ones((2, 2), dtype=bool), "dtype bool"),
    ([[0.0, 1.0], [0.5]], "rectangular"),
    (3.0, "a path, a PIL image or an array; got float"),
])
def test_bad_arrays_are_refused(array, message):
    with pytest.raises(FieldError, match=message):
        fitted([BLACK]).encode(array)


def test_non_image_items_are_refused():
    with pytest.raises(FieldError, match="path, a PIL image or an array; got dict"):
        fitted([BLACK]).encode({"pixels": BLACK})


def test_files_read_like_their_arrays(tmp_path):
    rgb = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3) * 3
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    field = fitted([tmp_path / "rgb.png"])
    assert torch.equal(field.encode(str(tmp_path / "rgb.png")), field.encode(rgb))
    resized = fitted([rgb], size=[2, 3])
    assert torch.allclose(resized.encode(tmp_path / "rgb.png"), resized.encode(rgb))
    assert resized.encode(rgb).shape == (3, 2, 3)


def test_missing_and_corrupt_files_name_the_path_and_the_reason(tmp_path):
    field = fitted([BLACK])
    with pytest.raises(FieldError, match=r"cannot read image .*missing\.png: .*No such file"):
        field.encode(tmp_path / "missing.png")
    (tmp_path / "corrupt.png").write_bytes(b"not a png at all")
    with pytest.raises(FieldError, match=r"cannot read image .*corrupt\.png: cannot identify image file"):
        field.encode(tmp_path / "corrupt.png")
    Image.fromarray(np.zeros((16, 16, 3), dtype=np.uint8)).save(tmp_path / "whole.png")
    (tmp_path / "truncated.png").write_bytes((tmp_path / "whole.png").read_bytes()[:40])
    with pytest.raises(FieldError, match=r"cannot read image .*truncated\.png"):
        field.encode(tmp_path / "truncated.png")


def test_bilinear_resize_keeps_a_uniform_image_and_averages_a_checkerboard():
    field = fitted([BLACK, WHITE], channels=1, size=[1, 1])
    assert torch.allclose(field.encode(np.full((4, 4), 0.75)), torch.full((1, 1, 1), (0.75 - 0.5) / 0.5))
    checker = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert torch.allclose(field.encode(checker), torch.zeros(1, 1, 1), atol=1e-6)  # the mean, 0.5


def test_statistics_are_taken_after_resizing():
    field = fitted([np.array([[0.0, 1.0], [1.0, 0.0]])], channels=1, size=[1, 1])
    assert field.mean.tolist() == [0.5] and field.std.tolist() == [pytest.approx(1e-5)]  # one grey pixel


def test_collate_describes_each_image_as_one_real_item():
    field = fitted([BLACK, WHITE])
    images = [field.encode(np.zeros((2, 3, 3), dtype=np.uint8)), field.encode(np.ones((2, 3)))]
    batch = field.collate(images)
    assert batch.data.shape == (2, 3, 2, 3) and torch.equal(batch.data[1], images[1])
    assert batch.lengths.tolist() == [6, 6]
    assert batch.mask.shape == (2, 6) and batch.mask.all()
    assert batch.inputs is None


def test_mixed_sizes_without_size_name_the_sizes():
    field = fitted([BLACK])
    with pytest.raises(FieldError, match=r"share one size; got 2x2, 4x3 \(set the image field's size option"):
        field.collate([field.encode(BLACK), field.encode(np.zeros((4, 3)))])


def test_cost_is_one_token_per_8x8_patch_plus_one():
    field = ImageField()
    assert [field.cost(torch.zeros(3, h, w)) for h, w in [(4, 4), (8, 8), (16, 16), (8, 12)]] == [1, 2, 5, 2]


def test_labels_name_the_8x8_cells_row_by_row():
    field = ImageField()
    assert field.labels(torch.zeros(3, 8, 8)) == ["r0c0"]
    assert field.labels(torch.zeros(1, 16, 12)) == ["r0c0", "r0c1", "r1c0", "r1c1"]  # partial edge column


def test_options_are_checked():
    with pytest.raises(FieldError, match="channels must be 1 .* or 3"):
        ImageField(channels=4)
    with pytest.raises(FieldError, match=r"size must be a pair \[H, W\]"):
        ImageField(size=[32])
    with pytest.raises(RuntimeError, match="fit"):
        ImageField().encode(BLACK)


def test_saved_and_loaded_with_its_statistics(tmp_path):
    field = fitted([BLACK, WHITE, np.full((3, 3), 0.3)], channels=3, size=(2, 2))
    save_field(field, tmp_path / "image")
    loaded = load(tmp_path / "image")
    assert loaded.options() == {"channels": 3, "size": [2, 2], "resize": "stretch"}
    assert torch.equal(loaded.encode(np.full((5, 5), 0.8)), field.encode(np.full((5, 5), 0.8)))


def test_missing_pillow_says_how_to_install_it(tmp_path, monkeypatch):
    field = fitted([BLACK], size=[1, 1])
    monkeypatch.setitem(sys.modules, "PIL", None)  # makes `from PIL import Image` raise ImportError
    with pytest.raises(FieldError, match=r"pip install 'attnkit\[vision\]'"):
        field.encode(tmp_path / "x.png")
    with pytest.raises(FieldError, match=r"pip install 'attnkit\[vision\]'"):
        field.encode(BLACK)  # resizing needs Pillow too
    assert field.encode(np.zeros((1, 1))).shape == (3, 1, 1)  # an array already at size does not


def test_letterbox_keeps_the_aspect_ratio_on_a_black_ground():
    field = fitted([np.zeros((4, 8))], channels=1, size=[4, 8], resize="letterbox")
    tall = field.pixels(np.ones((8, 8)))[:, :, 0]  # 8 x 8 white -> 4 x 4 in the middle of 4 x 8
    assert tall.shape == (4, 8)
    assert tall[:, 2:6].min() == pytest.approx(1.0) and tall[:, :2].max() == 0 and tall[:, 6:].max() == 0
    same_shape = field.pixels(np.ones((8, 16)))[:, :, 0]  # the run's aspect: fills the canvas
    assert same_shape.min() == pytest.approx(1.0)
    assert field.options()["resize"] == "letterbox" and "letterboxed" in field.describe()
    with pytest.raises(FieldError, match="resize must be one of stretch, letterbox"):
        ImageField(resize="crop")
