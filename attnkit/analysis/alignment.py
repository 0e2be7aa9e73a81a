"""Scoring attention against a known alignment: alignment accuracy and alignment error rate.

A task that knows the truth (copy, reverse, sort exactly; the digits of dates) gives, for each
target token t, the source position g_t that carries its information, or -1 when no single
source token does. A model gives weights (T, S): row t is output token t's distribution over
the S source tokens.

- alignment accuracy: the share of target tokens with g_t >= 0 whose most-attended source
  position argmax_s w[t, s] is g_t; "within one": the share whose argmax is at most one token
  away (a model that reads a token's neighbour, whose bidirectional state also knows the token,
  is off by one, not lost).
- alignment error rate (AER, Och & Ney 2003, eq. 11):
      AER = 1 - (|A ∩ S| + |A ∩ P|) / (|A| + |S|)
  with the sure links S = the true links {(t, g_t)} and the possible links P = S (a task's
  alignment has no "possible" grade), so AER = 1 - 2 |A ∩ S| / (|A| + |S|).
  Predicted links A: for each target token with g_t >= 0, the fewest source positions that
  together hold at least half of its weight (``half_mass_links``). A confident row (one weight
  >= 0.5) yields exactly its argmax, as in Ghader & Monz 2017; a diffuse row yields several
  links and loses precision. So AER equals 1 - accuracy for peaked attention and exceeds it
  for spread-out attention: the two numbers say different things.
Tokens with g_t = -1 are left out of both scores (their truth is unknown, not "unaligned").

A leaf module: numpy only (torch tensors are accepted duck-typed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

HALF = 0.5  # the mass a predicted link set must cover


def as_weights(weights: Any) -> np.ndarray:
    """weights (T, S) as a float64 numpy array (torch tensors detached and moved to the CPU)."""
    if hasattr(weights, "detach"):
        weights = weights.detach().cpu().float().numpy()
    matrix = np.asarray(weights, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"attention weights must be a 2-D (T, S) matrix; got shape {matrix.shape}")
    return matrix


def argmax_links(weights: Any) -> np.ndarray:
    """The most-attended source position of each row: (T, S) -> (T,) ints (first on ties)."""
    return as_weights(weights).argmax(axis=1)


def half_mass_links(row: Any, mass: float = HALF) -> list[int]:
    """The fewest source positions of one row (S,) whose weights sum to >= mass, heaviest first
    (ties: lower position first). A row with total weight below ``mass`` gives all positions
    with weight > 0."""
    weights = np.asarray(row, dtype=np.float64)
    order = sorted(range(len(weights)), key=lambda s: (-weights[s], s))
    chosen, total = [], 0.0
    for s in order:
        if total >= mass or weights[s] <= 0:
            break
        chosen.append(s)
        total += weights[s]
    return chosen


def _checked_gold(matrix: np.ndarray, gold: Sequence[int]) -> np.ndarray:
    """gold (T,) as ints after checking it fits the (T, S) weights."""
    truth = np.asarray(gold, dtype=np.int64).reshape(-1)
    if truth.shape[0] != matrix.shape[0]:
        raise ValueError(f"the true alignment has {truth.shape[0]} entries but the weights have "
                         f"{matrix.shape[0]} rows; give one entry per target token (EOS row excluded)")
    if truth.size and (truth.max() >= matrix.shape[1] or truth.min() < -1):
        raise ValueError(f"true alignment positions must be -1 or in 0..{matrix.shape[1] - 1}; got "
                         f"{truth.min()}..{truth.max()}")
    return truth


@dataclass(frozen=True)
class AlignmentCounts:
    """Counts that add up over sentences.

    tokens: target tokens with a true link (|S|); hits: of those, argmax on the true position;
    near: argmax at most one position away; predicted: predicted links |A|; sure_hits: |A ∩ S|.
    """

    tokens: int = 0
    hits: int = 0
    near: int = 0
    predicted: int = 0
    sure_hits: int = 0

    def __add__(self, other: AlignmentCounts) -> AlignmentCounts:
        return AlignmentCounts(self.tokens + other.tokens, self.hits + other.hits, self.near + other.near,
                               self.predicted + other.predicted, self.sure_hits + other.sure_hits)

    @property
    def accuracy(self) -> float | None:
        """Share of aligned target tokens whose argmax is the true position (0..1), None if none."""
        return self.hits / self.tokens if self.tokens else None

    @property
    def accuracy_within_one(self) -> float | None:
        """Share of aligned target tokens whose argmax is within one position of the truth (0..1)."""
        return self.near / self.tokens if self.tokens else None

    @property
    def aer(self) -> float | None:
        """Alignment error rate with P = S (0..1), None when there is nothing to score."""
        total = self.predicted + self.tokens
        return 1.0 - 2.0 * self.sure_hits / total if total else None


def alignment_counts(weights: Any, gold: Sequence[int]) -> AlignmentCounts:
    """Counts for one sentence: weights (T, S), gold (T,) true positions or -1."""
    matrix = as_weights(weights)
    truth = _checked_gold(matrix, gold)
    rows = np.flatnonzero(truth >= 0)
    if rows.size == 0:
        return AlignmentCounts()
    offsets = np.abs(matrix[rows].argmax(axis=1) - truth[rows])  # (tokens,)
    hits, near = int((offsets == 0).sum()), int((offsets <= 1).sum())
    predicted = sure = 0
    for t in rows:
        links = half_mass_links(matrix[t])
        predicted += len(links)
        sure += int(truth[t] in links)
    return AlignmentCounts(int(rows.size), hits, near, predicted, sure)


def alignment_scores(weights: Sequence[Any], golds: Sequence[Sequence[int] | None]) -> AlignmentCounts:
    """Corpus counts (pooled over tokens) of many sentences; a sentence whose gold is None is
    skipped. weights[i] (T_i, S_i), golds[i] (T_i,)."""
    if len(weights) != len(golds):
        raise ValueError(f"got {len(weights)} weight matrices but {len(golds)} true alignments")
    total = AlignmentCounts()
    for matrix, gold in zip(weights, golds, strict=True):
        if gold is not None:
            total = total + alignment_counts(matrix, gold)
    return total
