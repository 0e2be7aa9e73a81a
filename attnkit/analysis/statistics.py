"""What attention weights look like, whatever the task: entropy, diagonal mass, monotonicity.

All three take weights (T, S), row t the distribution of output token t over S source tokens,
and pool over sentences token by token (a long sentence counts more than a short one).

- entropy: H(w_t) = -sum_s w[t, s] ln w[t, s] in nats (0 ln 0 = 0). A one-hot row has 0, a
  uniform row over S tokens ln S.
- diagonal band: the share of a row's mass within ``width`` source tokens of the diagonal,
  measured between cell centres: |(t + 0.5) S / T - (s + 0.5)| <= width. With T = S that is
  |t - s| <= width. Default width 1: the diagonal cell and its two neighbours.
- monotonicity: the share of consecutive output tokens (t, t + 1) whose most-attended source
  position does not decrease. Copy-like tasks expect about 1; reverse, which reads the source
  backwards, expects about 0. The statistic describes, it does not judge.

A leaf module: numpy only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .alignment import as_weights

BAND_WIDTH = 1.0


def row_entropy(weights: Any) -> np.ndarray:
    """Entropy in nats of each row: (T, S) -> (T,)."""
    matrix = as_weights(weights)
    logs = np.log(np.where(matrix > 0, matrix, 1.0))  # 0 ln 0 = 0
    return -(matrix * logs).sum(axis=1)


def diagonal_mass(weights: Any, width: float = BAND_WIDTH) -> np.ndarray:
    """Each row's weight within the diagonal band |(t+0.5) S/T - (s+0.5)| <= width: (T, S) -> (T,)."""
    matrix = as_weights(weights)
    rows, columns = matrix.shape
    centre = (np.arange(rows)[:, None] + 0.5) * columns / max(rows, 1)  # (T, 1)
    band = np.abs(centre - (np.arange(columns)[None, :] + 0.5)) <= width + 1e-9  # (T, S)
    return (matrix * band).sum(axis=1)


def monotonic_steps(weights: Any) -> tuple[int, int]:
    """(consecutive row pairs whose argmax does not decrease, all consecutive pairs) of (T, S)."""
    peaks = as_weights(weights).argmax(axis=1)  # (T,)
    steps = np.diff(peaks)
    return int((steps >= 0).sum()), int(steps.size)


@dataclass(frozen=True)
class AttentionStats:
    """Pooled statistics of many sentences' weights.

    rows: output tokens seen; entropy: mean row entropy (nats); diagonal: mean share of row mass
    on the diagonal band (0..1); monotonicity: share of non-decreasing argmax steps (0..1, None
    when no sentence has two output tokens); width: the band half-width used.
    """

    rows: int
    entropy: float
    diagonal: float
    monotonicity: float | None
    width: float = BAND_WIDTH


def attention_statistics(weights: Sequence[Any], width: float = BAND_WIDTH) -> AttentionStats:
    """Pool entropy, diagonal-band mass and monotonicity over sentences: weights[i] (T_i, S_i)."""
    matrices = [as_weights(w) for w in weights]
    matrices = [m for m in matrices if m.size]
    if not matrices:
        raise ValueError("no attention weights to summarise: every matrix is empty")
    entropies = np.concatenate([row_entropy(m) for m in matrices])
    band = np.concatenate([diagonal_mass(m, width) for m in matrices])
    steps = [monotonic_steps(m) for m in matrices]
    up, pairs = sum(s[0] for s in steps), sum(s[1] for s in steps)
    return AttentionStats(rows=int(entropies.size), entropy=float(entropies.mean()),
                          diagonal=float(band.mean()), monotonicity=up / pairs if pairs else None,
                          width=width)
