"""The image field: one picture per example (captioning), as a normalised C x H x W float tensor.

An item is one image, given as

- a path (str or Path) to a file Pillow can read, converted to RGB or L per ``channels``;
- a PIL image, converted the same way;
- an array (numpy, torch or nested lists) of integers 0..255 (uint8) or floats 0..1, in one of
  these layouts, told apart by where a channel axis of size 1 or 3 sits:

      (H, W)      one channel
      (H, W, C)   channels last (numpy, Pillow), C in {1, 3}
      (C, H, W)   channels first (torch), C in {1, 3}

  A 3-d shape with 1 or 3 at both ends, e.g. (3, 8, 3), is ambiguous and refused (pass a PIL
  image, or an (H, W, C) uint8 array with a clearly larger H or W); any other shape is refused.

One channel becomes three by repetition; three become one by Pillow's luma weights (ITU-R 601-2:
L = 0.299 R + 0.587 G + 0.114 B). With ``size`` = [H, W] each image is resized to it with Pillow's
bilinear filter (per channel, in float, so an array and the PNG saved from it encode alike):
stretched to H x W (``resize`` "stretch"), or (``resize`` "letterbox") scaled to fit inside H x W
keeping its aspect ratio and centred on a black (0) ground, as a picture of another shape must be
to look like a training canvas.

A model attends over an encoder's grid, not over the pixels, so a batch describes each image as
one real item: lengths all H*W and a mask (B, H*W) all True. Its cost in a token budget is about
one token per 8 x 8 patch (H*W // 64 + 1), so images and captions share a budget sensibly, and
its plot labels name those 8 x 8-pixel cells "r{row}c{col}".

Pillow is optional (``pip install 'attnkit[vision]'``): it is imported only where a file is
read or an image resized.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .base import Field, FieldError, Padded

CHANNELS = (1, 3)
RESIZES = ("stretch", "letterbox")  # how an image of another shape meets the field's size
CELL = 8  # pixels per side of one grid cell (labels, cost)
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601-2, as Pillow's "L"


def _pillow():
    """Pillow's Image module, or a FieldError saying how to install it."""
    try:
        from PIL import Image
    except ImportError:
        raise FieldError("the image field needs Pillow to read and resize images: "
                         "pip install 'attnkit[vision]'") from None
    return Image


# ---- raw item -> (H, W, C) float32 in 0..1 --------------------------------------------------


def _read(path: Path, mode: str) -> np.ndarray:
    """An image file -> (H, W, C) float32 in 0..1, converted to Pillow ``mode`` ("RGB" or "L")."""
    Image = _pillow()
    try:
        with Image.open(path) as image:
            return _from_pil(image, mode)
    except (OSError, ValueError) as error:  # missing, unreadable, truncated (UnidentifiedImageError is an OSError)
        raise FieldError(f"cannot read image {path}: {error}") from None


def _from_pil(image: Any, mode: str) -> np.ndarray:
    """A PIL image -> (H, W, C) float32 in 0..1."""
    array = np.asarray(image.convert(mode), dtype=np.float32) / 255.0
    return array[:, :, None] if array.ndim == 2 else array


def _channels_last(array: np.ndarray) -> np.ndarray:
    """(H, W), (H, W, C) or (C, H, W) -> (H, W, C), refusing ambiguous or ill-shaped arrays."""
    if array.ndim == 2:
        return array[:, :, None]
    if array.ndim != 3:
        raise FieldError(f"an image array must be (H, W), (H, W, C) or (C, H, W), one image per item; "
                         f"got shape {array.shape}")
    last, first = array.shape[2] in CHANNELS, array.shape[0] in CHANNELS
    if last and first:
        raise FieldError(f"an image array of shape {array.shape} is ambiguous: (H, W, C) or (C, H, W)? "
                         f"pass a PIL image or an array whose channel axis alone has size 1 or 3")
    if not (last or first):
        raise FieldError(f"an image array needs a channel axis of size 1 or 3 first or last; got shape "
                         f"{array.shape}")
    return array if last else array.transpose(1, 2, 0)


def _scaled(array: np.ndarray) -> np.ndarray:
    """Integers 0..255 or floats 0..1 -> float32 0..1."""
    if array.dtype.kind in "ui":
        if array.size and (array.min() < 0 or array.max() > 255):
            raise FieldError(f"an integer image must hold values 0..255; got {array.min()}..{array.max()}")
        return array.astype(np.float32) / 255.0
    if array.dtype.kind != "f":
        raise FieldError(f"an image array must hold integers 0..255 or floats 0..1; got dtype {array.dtype}")
    if not np.isfinite(array).all():
        raise FieldError("an image array holds NaN or infinite values")
    if array.size and (array.min() < 0 or array.max() > 1):
        raise FieldError(f"a float image must hold values 0..1; got {array.min():g}..{array.max():g} "
                         f"(divide 0..255 data by 255, or pass it as uint8)")
    return array.astype(np.float32)


def _from_array(item: Any) -> np.ndarray:
    """An array in any accepted layout -> (H, W, C) float32 in 0..1."""
    if isinstance(item, torch.Tensor):
        item = item.detach().cpu().numpy()
    try:
        array = np.asarray(item)
    except ValueError as error:  # ragged nested lists
        raise FieldError(f"an image array must be rectangular: {error}") from None
    array = _channels_last(array)
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise FieldError(f"an image must be at least 1 x 1 pixels; got shape {array.shape}")
    return _scaled(array)


def _set_channels(array: np.ndarray, channels: int) -> np.ndarray:
    """(H, W, C) -> (H, W, channels): one channel repeated, or three mixed by luma."""
    if array.shape[2] == channels:
        return array
    if channels == 3:
        return np.repeat(array, 3, axis=2)
    return (array @ LUMA)[:, :, None]  # (H, W, 1)


def _letterbox(array: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(h, w, C) -> (size[0], size[1], C): scaled by the largest factor that fits, centred on zeros."""
    if array.shape[:2] == size:
        return array
    height, width = size
    scale = min(height / array.shape[0], width / array.shape[1])
    inner = (max(1, min(height, round(array.shape[0] * scale))), max(1, min(width, round(array.shape[1] * scale))))
    scaled = _resize(array, inner)
    out = np.zeros((height, width, array.shape[2]), dtype=np.float32)
    top, left = (height - inner[0]) // 2, (width - inner[1]) // 2
    out[top:top + inner[0], left:left + inner[1]] = scaled
    return out


def _resize(array: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(H, W, C) -> (size[0], size[1], C) with Pillow's bilinear filter, channel by channel."""
    if array.shape[:2] == size:
        return array
    Image = _pillow()
    height, width = size
    planes = [np.asarray(Image.fromarray(np.ascontiguousarray(array[:, :, c]))  # float32 -> mode "F"
                         .resize((width, height), Image.Resampling.BILINEAR)) for c in range(array.shape[2])]
    return np.clip(np.stack(planes, axis=2), 0.0, 1.0)  # (H', W', C)


# ---- the field ------------------------------------------------------------------------------


def _size_option(size: Any) -> tuple[int, int] | None:
    if size is None:
        return None
    if (not isinstance(size, (list, tuple)) or len(size) != 2
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in size)):
        raise FieldError(f"image size must be a pair [H, W] of positive integers or None; got {size!r}")
    return int(size[0]), int(size[1])


class ImageField(Field):
    """Images -> float32 (C, H, W), normalised per channel by the mean and standard deviation of
    every training pixel (after resizing). ``channels``: 3 (RGB) or 1 (grey); ``size``: [H, W] to
    resize every image to, or None to keep each image's own size (then a batch must share one);
    ``resize``: "stretch" to that size, or "letterbox" (aspect kept, centred on black).
    Collates to data (B, C, H, W), lengths (B,) all H*W, mask (B, H*W) all True."""

    kind = "image"

    def __init__(self, channels: int = 3, size: Sequence[int] | None = None, resize: str = "stretch") -> None:
        if channels not in CHANNELS:
            raise FieldError(f"image channels must be 1 (grey) or 3 (RGB); got {channels!r}")
        if resize not in RESIZES:
            raise FieldError(f"image resize must be one of {', '.join(RESIZES)}; got {resize!r}")
        self.channels, self.size, self.resize = channels, _size_option(size), resize
        self.mean: np.ndarray | None = None  # (C,)
        self.std: np.ndarray | None = None  # (C,)

    def pixels(self, item: Any) -> np.ndarray:
        """One raw item -> (H, W, C) float32 in 0..1, converted and resized, not normalised."""
        mode = "RGB" if self.channels == 3 else "L"
        pil = sys.modules.get("PIL.Image")  # a PIL image can only be passed once Pillow is imported
        if isinstance(item, (str, Path)):
            array = _read(Path(item), mode)
        elif pil is not None and isinstance(item, pil.Image):
            array = _from_pil(item, mode)
        elif isinstance(item, (np.ndarray, torch.Tensor, list, tuple)):
            array = _set_channels(_from_array(item), self.channels)
        else:
            raise FieldError(f"an image item must be a path, a PIL image or an array; got {type(item).__name__}")
        if self.size is None:
            return array
        return _letterbox(array, self.size) if self.resize == "letterbox" else _resize(array, self.size)

    def fit(self, items: Sequence[Any]) -> None:
        """Per-channel mean and (population) standard deviation over every training pixel."""
        count, total, squares = 0, np.zeros(self.channels), np.zeros(self.channels)
        for item in items:
            array = self.pixels(item).reshape(-1, self.channels).astype(np.float64)  # (H*W, C)
            count, total, squares = count + len(array), total + array.sum(0), squares + (array**2).sum(0)
        if count == 0:
            raise FieldError("an image field needs at least one training image")
        mean = total / count
        self.mean = mean.astype(np.float32)
        self.std = np.maximum(np.sqrt(np.maximum(squares / count - mean**2, 0.0)), 1e-5).astype(np.float32)

    def options(self) -> dict[str, Any]:
        return {"channels": self.channels, "size": None if self.size is None else list(self.size),
                "resize": self.resize}

    def save_state(self, directory) -> dict[str, Any]:
        return {"mean": None if self.mean is None else self.mean.tolist(),
                "std": None if self.std is None else self.std.tolist()}

    def load_state(self, directory, state: dict[str, Any]) -> None:
        for name in ("mean", "std"):
            values = state.get(name)
            if values is not None and (not isinstance(values, list) or len(values) != self.channels):
                raise FieldError(f"{directory}: an image field's {name} must list {self.channels} numbers; "
                                 f"got {values!r}")
            setattr(self, name, None if values is None else np.asarray(values, dtype=np.float32))

    def encode(self, item: Any) -> torch.Tensor:
        if self.mean is None or self.std is None:
            raise RuntimeError("the image field has no statistics yet: fit() it on training images first")
        array = (self.pixels(item) - self.mean) / self.std  # (H, W, C)
        return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1), dtype=np.float32))  # (C, H, W)

    def collate(self, encoded: Sequence[torch.Tensor]) -> Padded:
        if not encoded:
            raise ValueError("cannot collate an empty list of items")
        sizes = sorted({tuple(image.shape[1:]) for image in encoded})
        if len(sizes) > 1:
            raise FieldError(f"images in a batch must share one size; got {', '.join(f'{h}x{w}' for h, w in sizes)} "
                             f"(set the image field's size option, e.g. size: [224, 224], to resize them)")
        batch, (height, width) = len(encoded), sizes[0]
        data = torch.stack(list(encoded))  # (B, C, H, W)
        lengths = torch.full((batch,), height * width, dtype=torch.long)
        return Padded(data, lengths, torch.ones(batch, height * width, dtype=torch.bool))

    def cost(self, encoded: torch.Tensor) -> int:
        return encoded.shape[1] * encoded.shape[2] // (CELL * CELL) + 1

    def labels(self, encoded: torch.Tensor) -> list[str]:
        """Names of the 8 x 8-pixel cells, row by row ("r0c0", "r0c1", ...); edge cells may be partial."""
        rows, cols = math.ceil(encoded.shape[1] / CELL), math.ceil(encoded.shape[2] / CELL)
        return [f"r{row}c{col}" for row in range(rows) for col in range(cols)]

    def parse_input(self, text: str) -> Path:
        """The argument is an image file's path (read, and refused clearly, when encoded)."""
        return Path(text)

    def describe(self) -> str:
        size = "own size" if self.size is None else f"{self.size[0]}x{self.size[1]}" + (
            ", letterboxed" if self.resize == "letterbox" else "")
        return f"image ({self.channels} channel{'s' if self.channels > 1 else ''}, {size})"
