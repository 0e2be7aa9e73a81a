"""The exact answers of the pointer tasks: argsort, the planar convex hull, the shortest tour.

Plain numpy (and scipy.spatial for the hull, extra ``attnkit[pointer]``); each answer is a list of
0-based indices into the points, in the canonical order the tasks teach (Vinyals et al. 2015):

    sorted_order(values)  (n,)      ascending, ties by index
    convex_hull(points)   (n, 2)    hull vertices counter-clockwise from the lowest index
    shortest_tour(points) (n, 2)    Held-Karp's exact optimum for n <= EXACT_TSP, else
                                    nearest neighbour + 2-opt; starts at 0, the direction
                                    whose second city has the lower index
    tour_length(points, tour)       the closed tour's length
    polygon_area(points, order)     the shoelace area of the polygon through ``order``
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from attnkit.metrics import closed_tour_length as tour_length
from attnkit.metrics import polygon_area

__all__ = ["EXACT_TSP", "convex_hull", "held_karp", "polygon_area", "shortest_tour", "sorted_order", "tour_length",
           "two_opt"]

EXACT_TSP = 10  # Held-Karp up to here: 2^(n-1) (n-1)^2 work, about a millisecond at n = 10


def sorted_order(values: np.ndarray) -> list[int]:
    return [int(i) for i in np.argsort(np.asarray(values).reshape(-1), kind="stable")]


def convex_hull(points: np.ndarray) -> list[int]:
    """The hull's vertices (scipy.spatial.ConvexHull, counter-clockwise in 2-D), rotated to start
    at the lowest index."""
    try:
        from scipy.spatial import ConvexHull
    except ImportError as error:  # pragma: no cover - the extra is part of dev
        raise ImportError("the convex hull task needs scipy: pip install 'attnkit[pointer]'") from error
    vertices = [int(v) for v in ConvexHull(np.asarray(points, dtype=np.float64)).vertices]
    first = vertices.index(min(vertices))
    return vertices[first:] + vertices[:first]


def _canonical_tour(tour: Sequence[int]) -> list[int]:
    tour = [int(c) for c in tour]
    start = tour.index(0)
    tour = tour[start:] + tour[:start]
    return tour if len(tour) < 3 or tour[1] < tour[-1] else [0, *reversed(tour[1:])]


def _distances(points: np.ndarray) -> np.ndarray:
    points = np.asarray(points, dtype=np.float64)
    return np.linalg.norm(points[:, None] - points[None], axis=-1)  # (n, n)


def held_karp(points: np.ndarray) -> list[int]:
    """The exact shortest tour by dynamic programming over subsets (Held & Karp 1962), vectorised
    over every subset of a size: best[S, j] = the shortest path from city 0 through the cities S
    (of 1..n-1) ending at j in S."""
    n = len(points)
    if n <= 3:
        return _canonical_tour(list(range(n)))
    d = _distances(points)
    m = n - 1  # cities 1..n-1 as bits 0..m-1
    full = 1 << m
    best = np.full((full, m), np.inf)
    parent = np.full((full, m), -1, dtype=np.int64)
    bits = 1 << np.arange(m)
    best[bits, np.arange(m)] = d[0, 1:]
    sizes = np.array([bin(s).count("1") for s in range(full)])
    inner = d[1:, 1:]  # (m, m): k -> j
    for size in range(2, m + 1):
        subsets = np.nonzero(sizes == size)[0]  # (M,)
        member = (subsets[:, None] & bits[None]) > 0  # (M, m): j in S
        previous = subsets[:, None] ^ bits[None]  # (M, m): S without j (or with it, where j is not in S)
        candidates = best[previous] + inner.T[None]  # (M, j, k): best[S - j, k] + d[k, j]
        candidates[~np.broadcast_to(member[:, None, :], candidates.shape)] = np.inf  # k must be in S - j
        choice = candidates.argmin(-1)  # (M, m)
        value = np.take_along_axis(candidates, choice[..., None], -1)[..., 0]
        best[subsets] = np.where(member, value, np.inf)
        parent[subsets] = np.where(member, choice, -1)
    last = int(np.argmin(best[full - 1] + d[1:, 0]))
    tour, subset = [], full - 1
    while last >= 0:
        tour.append(last + 1)
        last, subset = int(parent[subset, last]), subset ^ (1 << last)
    return _canonical_tour([0, *reversed(tour)])


def two_opt(points: np.ndarray) -> list[int]:
    """A nearest-neighbour tour improved by 2-opt moves until none shortens it (a local optimum,
    within a few percent of the optimum at these sizes)."""
    d = _distances(points)
    n = len(points)
    tour, left = [0], set(range(1, n))
    while left:
        nearest = min(left, key=lambda c: d[tour[-1], c])
        tour.append(nearest)
        left.remove(nearest)
    improved = True
    while improved:
        improved = False
        for i in range(1, n - 1):
            a, b = tour[i - 1], tour[i]
            js = np.arange(i + 1, n)
            c, e = np.array(tour)[js], np.array(tour)[(js + 1) % n]
            gain = d[a, b] + d[c, e] - d[a, c] - d[b, e]  # (len(js),)
            j = int(np.argmax(gain))
            if gain[j] > 1e-12:
                j = int(js[j])
                tour[i:j + 1] = reversed(tour[i:j + 1])
                improved = True
    return _canonical_tour(tour)


def shortest_tour(points: np.ndarray) -> list[int]:
    return held_karp(points) if len(points) <= EXACT_TSP else two_opt(points)
