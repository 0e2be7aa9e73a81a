"""A generated caption of an image: a Translation whose alignment columns are the cells of a
rows x cols grid laid evenly over the image (the family's ``attention_grid``), with the image
itself, so it draws one overlay per word (viz/overlay.py) and the HTML report can show each
word's map over the picture.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .predictors import Translation


def grid_labels(grid: tuple[int, int]) -> list[str]:
    """Names of a grid's cells, row by row: "r0c0", "r0c1", ..."""
    return [f"r{row}c{col}" for row in range(grid[0]) for col in range(grid[1])]


def png_data_uri(image: np.ndarray) -> str:
    """(H, W, C) floats 0..1, C in {1, 3} -> a data: URI of the PNG (Pillow)."""
    from PIL import Image

    pixels = (np.clip(image, 0.0, 1.0) * 255).round().astype(np.uint8)
    picture = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@dataclass
class Caption(Translation):
    """A caption with its ``image`` (H, W, C) floats 0..1 as the model read it (converted and
    resized by the image field) and the ``grid`` (rows, cols) its alignment's columns tile."""

    image: np.ndarray = field(default_factory=lambda: np.zeros((1, 1, 1), dtype=np.float32))
    grid: tuple[int, int] = (1, 1)

    def draw(self, path: Path, *, title: str | None = None) -> Path:
        """One panel per word with its attention over the image (ValueError without attention)."""
        if self.alignment is None:
            raise ValueError("this caption has no attention weights to draw")
        from ..viz.overlay import plot_caption

        return plot_caption(self.image, self.alignment, self.alignment_labels, self.grid, path, title=title)

    def picture(self) -> dict[str, Any]:
        """What the report's viewer shows as the source: the image as a PNG data URI, its size and
        the grid its weights tile."""
        return {"png": png_data_uri(self.image), "height": int(self.image.shape[0]),
                "width": int(self.image.shape[1]), "grid": list(self.grid)}

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "grid": list(self.grid)}
