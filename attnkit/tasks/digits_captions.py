"""`digits-captions`: caption a canvas of handwritten digits, read left to right in words.

The seeds' image-captioning task with a known answer to where attention should look. Each
canvas (``canvas_height`` x ``canvas_width`` grey pixels, black ground) holds ``min_digits`` to
``max_digits`` real handwritten digits from scikit-learn's bundled scans (``load_digits``: 1,797
8 x 8 scans with values 0..16), each upscaled to ``digit_size`` pixels square (nearest
neighbour), at random non-overlapping positions: left to right in strict order, at a random
height. Gaussian pixel noise of standard deviation ``noise`` is added (clipped to 0..1).

The caption is the digits in words, left to right ("three seven one"). With ``layout``
"spatial" the digits sit on a grid of digit_size slots (the canvas must hold two rows), read
top to bottom and left to right, and the caption says where each stands from the one before:
"a three left of an eight above a one" ("left of": same row; "above": the next is lower down);
the "digit_words" metadata gives each box's word index in the caption. With ``texture`` t > 0
the ground is a random crop of one of scikit-image's bundled textures (brick, grass, gravel:
``pip install scikit-image``), scaled to 0..t, under the digits (each pixel the larger of the two).

The scans are dealt once
(by a fixed generator, whatever the task seed) into three disjoint pools, 70% / 15% / 15%:
train draws from the first, dev from the second, test and long from the third, so no scan is in
two of train, dev and test. The "long" split has ``max_digits + 1`` to ``long_digits`` digits, more
than any training canvas. Each example keeps the true box of every digit, in caption order, as
its "boxes" metadata: (top, left, bottom, right) pixel bounds, bottom and right exclusive.

Needs scikit-learn (``pip install 'attnkit[vision]'``), imported when a split is first drawn.
"""

from __future__ import annotations

import random
from functools import cache

import numpy as np

from attnkit.tasks.base import Task
from attnkit.tasks.schema import FieldSpec, Schema

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
LAYOUTS = ("row", "spatial")
TEXTURES = ("brick", "grass", "gravel")  # scikit-image's bundled 512 x 512 grey textures
POOLS = ("train", "dev", "test")
POOL_SHARES = (0.70, 0.15)  # train, dev; test and long get the rest


@cache
def _scans() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digit scans (N, 8, 8) float32 in 0..1 and their labels (N,)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ValueError("task 'digits-captions' needs scikit-learn's bundled digits: "
                         "pip install 'attnkit[vision]'") from None
    digits = load_digits()
    return (digits.images / 16.0).astype(np.float32), digits.target.astype(np.int64)


@cache
def scan_pools() -> dict[str, np.ndarray]:
    """The scan indices of each pool: a fixed shuffle of every scan, cut 70/15/15."""
    count = len(_scans()[1])
    order = np.random.default_rng(12).permutation(count)
    first, second = int(POOL_SHARES[0] * count), int((POOL_SHARES[0] + POOL_SHARES[1]) * count)
    return {"train": order[:first], "dev": order[first:second], "test": order[second:]}


def upscale(scan: np.ndarray, size: int) -> np.ndarray:
    """An 8 x 8 scan -> size x size by nearest neighbour (each source pixel a block)."""
    rows = (np.arange(size) * scan.shape[0]) // size
    cols = (np.arange(size) * scan.shape[1]) // size
    return scan[rows][:, cols]


def place(rng: random.Random, count: int, size: int, height: int, width: int) -> list[tuple[int, int, int, int]]:
    """``count`` boxes of size x size on a height x width canvas, left to right without overlap:
    the free columns are shared out at random between the gaps."""
    free = width - count * size
    starts = sorted(rng.randint(0, free) for _ in range(count))
    boxes = []
    for i, start in enumerate(starts):
        left, top = start + i * size, rng.randint(0, height - size)
        boxes.append((top, left, top + size, left + size))
    return boxes


def place_on_slots(rng: random.Random, count: int, size: int, height: int, width: int
                   ) -> list[tuple[int, int, int, int]]:
    """``count`` boxes on distinct slots of the (height // size) x (width // size) grid, in
    reading order (top to bottom, left to right), each shifted at random within its slot's share
    of the spare pixels."""
    rows, cols = height // size, width // size
    slots = sorted(rng.sample(range(rows * cols), count))
    spare_y, spare_x = (height - rows * size) // rows, (width - cols * size) // cols
    boxes = []
    for slot in slots:
        row, col = divmod(slot, cols)
        top = row * (size + spare_y) + rng.randint(0, spare_y)
        left = col * (size + spare_x) + rng.randint(0, spare_x)
        boxes.append((top, left, top + size, left + size))
    return boxes


def _article(word: str) -> str:
    return "an" if word == "eight" else "a"


def spatial_caption(digits: list[str], boxes: list[tuple[int, int, int, int]]) -> tuple[str, tuple[int, ...]]:
    """"a three left of a seven above a one" and each digit's word index: "left of" when the next
    digit is on the same slot row, "above" when it is lower down (boxes in reading order)."""
    words, where = [_article(digits[0]), digits[0]], [1]
    for previous, box, digit in zip(boxes, boxes[1:], digits[1:], strict=False):
        words += (["left", "of"] if box[0] < previous[2] else ["above"]) + [_article(digit), digit]
        where.append(len(words) - 1)
    return " ".join(words), tuple(where)


@cache
def _texture(name: str) -> np.ndarray:
    """scikit-image's bundled texture ``name`` as (512, 512) float32 in 0..1."""
    try:
        from skimage import data
    except ImportError:
        raise ValueError("task 'digits-captions' option texture needs scikit-image's bundled textures: "
                         "pip install 'attnkit[vision]'") from None
    return (getattr(data, name)() / 255.0).astype(np.float32)


def ground(rng: random.Random, strength: float, height: int, width: int) -> np.ndarray:
    """A height x width ground: zeros, or a random crop of a random texture scaled to 0..strength."""
    if strength == 0:
        return np.zeros((height, width), dtype=np.float32)
    texture = _texture(TEXTURES[rng.randrange(len(TEXTURES))])
    top, left = rng.randint(0, texture.shape[0] - height), rng.randint(0, texture.shape[1] - width)
    return strength * texture[top:top + height, left:left + width]


class DigitsCaptions(Task):
    name = "digits-captions"
    description = ("caption a canvas of 1..N handwritten digits (scikit-learn's scans) with the digits in words, "
                   "left to right, or with spatial words (layout: spatial); optional textured ground (image -> text)")
    split_names = ("train", "dev", "test", "long")
    defaults = {
        "digit_size": 16,
        "canvas_height": 24,
        "canvas_width": 96,
        "min_digits": 1,
        "max_digits": 3,
        "long_digits": 5,
        "noise": 0.1,
        "layout": "row",
        "texture": 0.0,
        "train_size": 8000,
        "dev_size": 500,
        "test_size": 500,
        "long_size": 300,
    }

    def _resolve(self, options):
        o = dict(options)
        if not 1 <= o["min_digits"] <= o["max_digits"] < o["long_digits"]:
            raise ValueError("task 'digits-captions' needs 1 <= min_digits <= max_digits < long_digits, got "
                             f"{o['min_digits']}, {o['max_digits']}, {o['long_digits']}")
        if o["digit_size"] < 8 or o["canvas_height"] < o["digit_size"]:
            raise ValueError("task 'digits-captions' needs digit_size >= 8 and canvas_height >= digit_size, got "
                             f"{o['digit_size']} and {o['canvas_height']}")
        if o["layout"] not in LAYOUTS:
            raise ValueError(f"option 'layout' of task 'digits-captions' must be one of {', '.join(LAYOUTS)}, "
                             f"got {o['layout']!r}")
        if not 0 <= o["texture"] <= 1:
            raise ValueError(f"option 'texture' of task 'digits-captions' must be in [0, 1], got {o['texture']}")
        if o["texture"] and max(o["canvas_height"], o["canvas_width"]) > 512:
            raise ValueError("task 'digits-captions': textures are 512 x 512; a textured canvas must fit in them")
        if o["layout"] == "spatial":
            slots = (o["canvas_height"] // o["digit_size"]) * (o["canvas_width"] // o["digit_size"])
            if o["canvas_height"] < 2 * o["digit_size"] or o["long_digits"] > slots:
                raise ValueError(f"task 'digits-captions' with layout 'spatial' needs canvas_height >= 2 x digit_size "
                                 f"and at most {slots} long_digits (one per digit_size slot); got canvas_height "
                                 f"{o['canvas_height']}, digit_size {o['digit_size']}, long_digits {o['long_digits']}")
        elif o["long_digits"] * o["digit_size"] > o["canvas_width"]:
            raise ValueError(f"task 'digits-captions': {o['long_digits']} digits of {o['digit_size']} pixels do not "
                             f"fit side by side in canvas_width {o['canvas_width']}; widen the canvas or lower "
                             f"long_digits")
        if not 0 <= o["noise"] < 1:
            raise ValueError(f"option 'noise' of task 'digits-captions' must be in [0, 1), got {o['noise']}")
        return o

    def schema(self) -> Schema:
        size = [self.options["canvas_height"], self.options["canvas_width"]]  # others' images: letterboxed to it
        return Schema({"image": FieldSpec("image", {"channels": 1, "size": size, "resize": "letterbox"}),
                       "caption": FieldSpec("text", {"tokenizer": "word", "generated": True})},
                      inputs=("image",), output="caption", prediction="generate",
                      metrics=("exact_match", "bleu1", "bleu2", "bleu3", "bleu4"))

    def key(self, example):
        return None  # noise and positions make every canvas new; scans are kept apart by pool

    def _sample(self, rng: random.Random, split: str) -> dict:
        """Train, dev and test draw their digits from their own scan pools; long from test's."""
        pool = "test" if split == "long" else split
        return self.canvas(rng, "long" if split == "long" else "train", pool)

    def canvas(self, rng: random.Random, distribution: str, pool: str) -> dict:
        """One example drawn with ``rng``: digits from scan pool ``pool``, as many as the
        distribution ("train" or "long") allows."""
        o = self.options
        images, labels = _scans()
        low, high = (o["max_digits"] + 1, o["long_digits"]) if distribution == "long" else (
            o["min_digits"], o["max_digits"])
        count = rng.randint(low, high)
        canvas = ground(rng, o["texture"], o["canvas_height"], o["canvas_width"])
        indices = scan_pools()[pool]
        layout = place_on_slots if o["layout"] == "spatial" else place
        boxes, words, scans = layout(rng, count, o["digit_size"], o["canvas_height"], o["canvas_width"]), [], []
        for top, left, bottom, right in boxes:
            scan = int(indices[rng.randrange(len(indices))])
            canvas[top:bottom, left:right] = np.maximum(canvas[top:bottom, left:right],
                                                        upscale(images[scan], o["digit_size"]))
            words.append(DIGIT_WORDS[labels[scan]])
            scans.append(scan)
        if o["noise"]:
            noise = np.random.default_rng(rng.getrandbits(64)).normal(0.0, o["noise"], canvas.shape)
            canvas = np.clip(canvas + noise.astype(np.float32), 0.0, 1.0)
        caption, where = (spatial_caption(words, boxes) if o["layout"] == "spatial" else
                          (" ".join(words), tuple(range(len(words)))))
        return {"image": (canvas * 255).round().astype(np.uint8), "caption": caption,
                "boxes": tuple(boxes), "scans": tuple(scans), "digit_words": where}
