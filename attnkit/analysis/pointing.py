"""Pointing: does each word's attention peak lie inside the object the word names?

For an image model that attends over a grid_height x grid_width grid of cells laid evenly over an
H x W image (row by row), a word's peak is the cell with the largest weight, placed at its centre;
the word is a hit when that centre lies inside the word's true box (top, left, bottom, right),
bottom and right exclusive. The pointing score is the share of hits over every word with a box.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Box = tuple[int, int, int, int]


def peak_centre(weights: np.ndarray, grid: tuple[int, int], image: tuple[int, int]) -> tuple[float, float]:
    """(y, x) pixel centre of the largest of ``weights`` (L,) over the grid's L cells."""
    rows, cols = grid
    if weights.shape[-1] != rows * cols:
        raise ValueError(f"attention over {weights.shape[-1]} positions does not fit a {rows} x {cols} grid")
    row, col = divmod(int(np.argmax(weights)), cols)
    return (row + 0.5) * image[0] / rows, (col + 0.5) * image[1] / cols


def pointing_hits(weights: np.ndarray, boxes: Sequence[Box], grid: tuple[int, int],
                  image: tuple[int, int]) -> list[bool]:
    """One caption's hits: weights (T, L), row t the attention of word t, boxes the true box of
    words 0..len(boxes)-1; rows past the boxes (end of sentence) and boxes past the rows (a
    caption cut short) are not scored."""
    hits = []
    for row, (top, left, bottom, right) in zip(weights, boxes, strict=False):
        y, x = peak_centre(np.asarray(row), grid, image)
        hits.append(bool(top <= y < bottom and left <= x < right))
    return hits


def pointing_score(weights: Sequence[np.ndarray], boxes: Sequence[Sequence[Box]], grid: tuple[int, int],
                   image: tuple[int, int]) -> float | None:
    """Percent of words whose attention peak lies inside their box over many captions, or None
    when no word has a box."""
    hits = [hit for w, b in zip(weights, boxes, strict=True) for hit in pointing_hits(w, b, grid, image)]
    return 100.0 * sum(hits) / len(hits) if hits else None
