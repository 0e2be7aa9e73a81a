"""Pointing: a word is a hit when its attention peak's cell centre lies inside its box."""

from __future__ import annotations

import numpy as np

from attnkit.analysis.pointing import peak_centre, pointing_hits, pointing_score

GRID, IMAGE = (2, 4), (16, 32)  # cells of 8 x 8 pixels


def one_hot(cell: int) -> np.ndarray:
    row = np.zeros(8)
    row[cell] = 1.0
    return row


def test_the_peak_is_placed_at_its_cells_centre():
    assert peak_centre(one_hot(0), GRID, IMAGE) == (4.0, 4.0)
    assert peak_centre(one_hot(6), GRID, IMAGE) == (12.0, 20.0)  # row 1, column 2


def test_hits_follow_the_boxes_and_rows_past_them_are_not_scored():
    boxes = [(0, 0, 16, 8), (0, 16, 16, 32)]  # the first column; the right half
    weights = np.stack([one_hot(4), one_hot(1), one_hot(3)])  # (3, 8): row 1 misses, the last is </s>
    assert pointing_hits(weights, boxes, GRID, IMAGE) == [True, False]
    assert pointing_score([weights, weights[:1]], [boxes, boxes], GRID, IMAGE) == 100 * 2 / 3
    assert pointing_score([weights], [[]], GRID, IMAGE) is None
