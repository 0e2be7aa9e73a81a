"""The pointer tasks' answers: Held-Karp is the brute-force optimum, 2-opt is a local optimum
close to it, the hull is scipy's, counter-clockwise from the lowest index, and the splits draw n
where the options say."""

import itertools

import numpy as np
import pytest

from attnkit.tasks import get_task
from attnkit.tasks.geometry import (
    convex_hull,
    held_karp,
    polygon_area,
    shortest_tour,
    sorted_order,
    tour_length,
    two_opt,
)

SMALL = {"train_size": 60, "dev_size": 10, "test_size": 10, "long_size": 10}


@pytest.mark.parametrize("n", [4, 5, 6, 7, 8])
def test_held_karp_is_the_brute_force_optimum(n):
    rng = np.random.default_rng(n)
    for _ in range(5):
        points = rng.random((n, 2))
        tour = held_karp(points)
        best = min(tour_length(points, (0, *rest)) for rest in itertools.permutations(range(1, n)))
        assert sorted(tour) == list(range(n)) and tour[0] == 0 and tour[1] < tour[-1]
        assert tour_length(points, tour) == pytest.approx(best, abs=1e-9)


def test_two_opt_is_a_permutation_near_the_optimum():
    rng = np.random.default_rng(0)
    ratios = []
    for _ in range(30):
        points = rng.random((10, 2))
        tour = two_opt(points)
        assert sorted(tour) == list(range(10)) and tour[0] == 0
        ratios.append(tour_length(points, tour) / tour_length(points, held_karp(points)))
    assert min(ratios) >= 1 - 1e-9 and np.mean(ratios) < 1.03
    assert shortest_tour(rng.random((15, 2)))[0] == 0  # above EXACT_TSP: 2-opt


def test_hull_is_counter_clockwise_from_the_lowest_index():
    square = np.array([[0.5, 0.5], [1, 0], [1, 1], [0, 1], [0, 0], [0.4, 0.6]])
    assert convex_hull(square) == [1, 2, 3, 4]  # (1,0) -> (1,1) -> (0,1) -> (0,0): counter-clockwise
    assert polygon_area(square, convex_hull(square)) == pytest.approx(1.0)
    assert polygon_area(square, [1, 3, 2, 4]) == pytest.approx(0.0)  # a bow tie's signed halves cancel


def test_sorted_order_breaks_ties_by_index():
    assert sorted_order(np.array([0.3, 0.1, 0.3, 0.0])) == [3, 1, 0, 2]


@pytest.mark.parametrize("name,dim", [("sort_points", 1), ("hull", 2), ("tsp", 2)])
def test_splits_draw_n_from_their_ranges(name, dim):
    task = get_task(name, min_n=5, max_n=8, long_min_n=12, long_max_n=12, **SMALL)
    for split in ("train", "test"):
        assert all(5 <= len(e["points"]) <= 8 and e["points"].shape[1] == dim for e in task.split(split))
    assert all(len(e["points"]) == 12 for e in task.split("long"))
    example = task.split("train")[0]
    assert example["target"] == task.answer(example["points"]) and all(type(i) is int for i in example["target"])
    schema = task.schema()
    assert schema.prediction == "point" and schema.fields["target"].options["of"] == "points"
    assert schema.fields["target"].options["complete"] == (name != "hull")


def test_bad_n_is_refused():
    with pytest.raises(ValueError, match="3 <= min_n <= max_n"):
        get_task("hull", min_n=2)
