"""The pointer-network tasks (Vinyals et al. 2015): read n points, answer with indices into them.

    sort_points  n numbers in [0, 1)            -> their ascending order (a permutation)
    hull         n points in the unit square    -> the convex hull, counter-clockwise from the
                                                   lowest index (scipy.spatial.ConvexHull)
    tsp          n cities in the unit square    -> the shortest tour from city 0 (Held-Karp's
                                                   optimum for n <= 10, 2-opt above)

Each example: "points" (n, D) float32 (D = 1 for sorting, 2 otherwise), "target" the 0-based
indices (a list of ints). Train, dev and test draw n uniformly from min_n..max_n; the "long"
split draws it from long_min_n..long_max_n (default: both 2 * max_n), to test on larger n than
trained on. Answers come from attnkit.tasks.geometry.
"""

from __future__ import annotations

import random
from abc import abstractmethod
from typing import Any, ClassVar

import numpy as np

from attnkit.tasks.base import Task
from attnkit.tasks.geometry import convex_hull, shortest_tour, sorted_order
from attnkit.tasks.schema import FieldSpec, Schema


class PointingTask(Task):
    """n random points (uniform in [0, 1)^dim) -> the indices ``answer`` names."""

    dim: ClassVar[int] = 2
    complete: ClassVar[bool] = False  # the answer names every point (end only after all)
    metrics: ClassVar[tuple[str, ...]] = ("exact_match",)
    min_points: ClassVar[int] = 1
    defaults: ClassVar[dict[str, Any]] = {"min_n": 5, "max_n": 10, "long_min_n": None, "long_max_n": None,
                                          "train_size": 10000, "dev_size": 500, "test_size": 1000,
                                          "long_size": 500}

    def _resolve(self, options):
        options = dict(options)
        for key in ("long_min_n", "long_max_n"):
            if options[key] is None:
                options[key] = 2 * options["max_n"]
        if not self.min_points <= options["min_n"] <= options["max_n"]:
            raise ValueError(f"task {self.name!r} needs {self.min_points} <= min_n <= max_n, got "
                             f"{options['min_n']}, {options['max_n']}")
        if not self.min_points <= options["long_min_n"] <= options["long_max_n"]:
            raise ValueError(f"task {self.name!r} needs {self.min_points} <= long_min_n <= long_max_n, got "
                             f"{options['long_min_n']}, {options['long_max_n']}")
        return options

    def schema(self) -> Schema:
        return Schema({"points": FieldSpec("frames", {"normalise": "none"}),
                       "target": FieldSpec("positions", {"of": "points", "end": True, "distinct": True,
                                                         "complete": self.complete})},
                      inputs=("points",), output="target", prediction="point", metrics=self.metrics)

    def key(self, example):
        return None  # random real points never repeat

    @abstractmethod
    def answer(self, points: np.ndarray) -> list[int]:
        """The 0-based positions, in output order, that answer the points (n, D)."""

    def _sample(self, rng: random.Random, split: str) -> dict:
        o = self.options
        n = rng.randint(o["long_min_n"], o["long_max_n"]) if split == "long" else rng.randint(o["min_n"], o["max_n"])
        points = np.random.default_rng(rng.getrandbits(64)).random((n, self.dim)).astype(np.float32)  # (n, D)
        return {"points": points, "target": self.answer(points)}


class SortPoints(PointingTask):
    name = "sort_points"
    description = "point at n numbers in [0, 1) in ascending order (frames -> positions, a pointer task)"
    dim = 1
    complete = True
    metrics = ("exact_match",)

    def answer(self, points):
        return sorted_order(points[:, 0])


class Hull(PointingTask):
    name = "hull"
    description = "point at the convex hull of n planar points, counter-clockwise (frames -> positions)"
    metrics = ("exact_match", "hull_area")
    min_points = 3
    defaults = {**PointingTask.defaults, "min_n": 5, "max_n": 50}

    def answer(self, points):
        return convex_hull(points)


class TSP(PointingTask):
    name = "tsp"
    description = "point at the cities of the shortest tour through n planar points (frames -> positions)"
    complete = True
    metrics = ("tour_length", "tour_ratio", "optimal_tour_length", "exact_match")
    min_points = 2
    defaults = {**PointingTask.defaults, "min_n": 5, "max_n": 10, "long_min_n": 20, "long_max_n": 20}

    def answer(self, points):
        return shortest_tour(points)
