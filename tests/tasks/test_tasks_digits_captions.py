"""digits-captions: captions name the digits left to right, boxes hold them, scans never cross
splits, the long split has more digits than training."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from attnkit.tasks.digits_captions import DIGIT_WORDS, _scans, scan_pools, upscale  # noqa: E402
from attnkit.tasks.registry import get_task  # noqa: E402

SIZES = {"train_size": 60, "dev_size": 20, "test_size": 20, "long_size": 10}


@pytest.fixture(scope="module")
def task():
    return get_task("digits-captions", noise=0.0, **SIZES)


def test_each_word_names_the_scan_drawn_in_its_box_left_to_right(task):
    images, labels = _scans()
    for example in task.split("train") + task.split("long"):
        words = example["caption"].split()
        assert len(words) == len(example["boxes"]) == len(example["scans"])
        lefts = [box[1] for box in example["boxes"]]
        assert lefts == sorted(lefts)
        for word, scan, (top, left, bottom, right) in zip(words, example["scans"], example["boxes"], strict=True):
            assert word == DIGIT_WORDS[labels[scan]]
            drawn = example["image"][top:bottom, left:right].astype(np.float32) / 255
            assert np.abs(drawn - upscale(images[scan], 16)).max() < 1 / 255 + 1e-6  # noise 0: the scan itself
        for (_, _, _, right), (_, left, _, _) in zip(example["boxes"], example["boxes"][1:], strict=False):
            assert right <= left  # no overlap


def test_no_scan_in_two_splits_and_long_has_more_digits(task):
    used = {split: {s for e in task.split(split) for s in e["scans"]} for split in ("train", "dev", "test", "long")}
    assert not used["train"] & used["dev"] and not used["train"] & used["test"] and not used["dev"] & used["test"]
    assert not used["long"] & (used["train"] | used["dev"])
    pools = scan_pools()
    assert used["train"] <= set(pools["train"].tolist()) and used["dev"] <= set(pools["dev"].tolist())
    assert max(len(e["boxes"]) for e in task.split("train")) == 3
    assert min(len(e["boxes"]) for e in task.split("long")) == 4


def test_the_same_seed_gives_the_same_canvases_and_another_seed_others():
    a, b = (get_task("digits-captions", **SIZES).split("dev") for _ in range(2))
    c = get_task("digits-captions", seed=1, **SIZES).split("dev")
    assert all(np.array_equal(x["image"], y["image"]) for x, y in zip(a, b, strict=True))
    assert any(not np.array_equal(x["image"], y["image"]) for x, y in zip(a, c, strict=True))


def test_digits_that_cannot_fit_side_by_side_are_refused_naming_the_options():
    with pytest.raises(ValueError, match="canvas_width"):
        get_task("digits-captions", long_digits=7)
    with pytest.raises(ValueError, match="min_digits <= max_digits < long_digits"):
        get_task("digits-captions", max_digits=5, long_digits=5)


SPATIAL = {"layout": "spatial", "canvas_height": 32, "canvas_width": 48, "noise": 0.0, **SIZES}


def test_spatial_captions_say_where_each_digit_stands_from_the_one_before():
    task = get_task("digits-captions", **SPATIAL)
    _, labels = _scans()
    for example in task.split("train") + task.split("long"):
        words, boxes = example["caption"].split(), example["boxes"]
        assert [words[i] for i in example["digit_words"]] == [DIGIT_WORDS[labels[s]] for s in example["scans"]]
        for k, (previous, box) in enumerate(zip(boxes, boxes[1:], strict=False)):
            relation = words[example["digit_words"][k] + 1:example["digit_words"][k + 1] - 1]
            if relation == ["left", "of"]:
                assert box[0] == previous[0] and box[1] >= previous[3]  # same row, further right
            else:
                assert relation == ["above"] and box[0] >= previous[2]  # the next is lower down
        articles = [words[i - 1] for i in example["digit_words"]]
        assert articles == ["an" if words[i] == "eight" else "a" for i in example["digit_words"]]
    assert any("above" in e["caption"] for e in task.split("train"))
    assert any("left of" in e["caption"] for e in task.split("train"))


def test_row_captions_give_each_digit_its_own_word():
    example = get_task("digits-captions", **SIZES).split("dev")[0]
    assert example["digit_words"] == tuple(range(len(example["boxes"])))


def test_a_spatial_canvas_needs_two_rows_of_slots():
    with pytest.raises(ValueError, match="layout 'spatial' needs canvas_height >= 2 x digit_size"):
        get_task("digits-captions", layout="spatial")
    with pytest.raises(ValueError, match="must be one of row, spatial"):
        get_task("digits-captions", layout="diagonal")


def test_textures_lie_under_the_digits():
    pytest.importorskip("skimage")
    plain = get_task("digits-captions", noise=0.0, **SIZES).split("dev")
    textured = get_task("digits-captions", noise=0.0, texture=0.3, **SIZES).split("dev")
    images, _ = _scans()
    for a, b in zip(plain, textured, strict=True):
        mask = np.zeros(a["image"].shape, dtype=bool)
        for top, left, bottom, right in b["boxes"]:
            mask[top:bottom, left:right] = True
        background = b["image"][~mask].astype(np.float32) / 255
        assert background.max() <= 0.3 + 1 / 255 and background.std() > 0.01  # a texture, at most 0.3
        for scan, (top, left, bottom, right) in zip(b["scans"], b["boxes"], strict=True):
            drawn = b["image"][top:bottom, left:right].astype(np.float32) / 255
            assert (drawn >= upscale(images[scan], 16) - 1 / 255 - 1e-6).all()  # each pixel at least the digit's
    with pytest.raises(ValueError, match="'texture' .* must be in \\[0, 1\\]"):
        get_task("digits-captions", texture=1.5)
