"""Pointer metrics on hand-made points: area coverage, tour length and tour over optimal."""

import numpy as np
import pytest

from attnkit.metrics import LOWER_IS_BETTER, by_length, compute
from attnkit.train.loop import higher_is_better

SQUARE = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0.5]], dtype=np.float32)


def test_hull_area_coverage():
    reference = "[0, 1, 2, 3]"
    assert compute("hull_area", ["[0, 1, 2, 3]"], [reference], [SQUARE]).value == pytest.approx(100.0)
    assert compute("hull_area", ["[0, 1, 2]"], [reference], [SQUARE]).value == pytest.approx(50.0)
    assert compute("hull_area", ["[0, 1, 1]", "[0, 1]"], [reference] * 2, [SQUARE] * 2).value == 0.0
    assert compute("exact_match", ["[0, 1, 2]"], [reference]).value == 0.0


def test_tour_metrics():
    optimal, crossed = "[0, 1, 2, 3]", "[0, 2, 1, 3]"
    square = [SQUARE[:4]]
    assert compute("tour_length", [optimal], [optimal], square).value == pytest.approx(4.0)
    assert compute("tour_length", [crossed], [optimal], square).value == pytest.approx(2 + 2 * np.sqrt(2))
    assert compute("tour_ratio", [crossed], [optimal], square).value == pytest.approx(25 * (2 + 2 * np.sqrt(2)))
    assert compute("optimal_tour_length", [crossed], [optimal], square).value == pytest.approx(4.0)
    assert compute("tour_length", ["[0, 1, 2]"], [optimal], square).value == pytest.approx(4.0)  # completed
    assert not higher_is_better("tour_length") and "tour_ratio" in LOWER_IS_BETTER and higher_is_better("hull_area")


def test_input_metrics_need_the_inputs_and_split_them_by_length():
    with pytest.raises(ValueError, match="needs the input points"):
        compute("hull_area", ["[0, 1, 2]"], ["[0, 1, 2]"])
    rows = by_length([4, 5], ["[0, 1, 2, 3]", "[0, 1, 2]"], ["[0, 1, 2, 3]"] * 2, metric="hull_area",
                     buckets=[(4, 4), (5, 5)], inputs=[SQUARE[:4], SQUARE])
    assert [round(r.score.value, 6) for r in rows] == [100.0, 50.0]
