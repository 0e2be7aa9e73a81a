"""Normalisers: scores -> weights, a distribution over the keys a query may attend to.

Every normaliser takes ``scores`` (..., S) and a boolean ``mask`` broadcastable to it
(True = may attend, or None) and guarantees: masked keys get exactly 0, rows sum to 1 over the
allowed keys, and a row with no allowed key is all zeros with finite gradients.

- softmax: exp(e_i) / sum_j exp(e_j)
- sparsemax (Martins & Astudillo 2016): Euclidean projection onto the simplex; exact zeros.
- entmax15 (Peters et al. 2019): alpha-entmax with alpha = 1.5, between the two.
- sigmoid (Chorowski et al. 2015 sec. 2.3, "smoothing"): sigmoid(e_i) / sum_j sigmoid(e_j); no
  key dominates a row, so the weights spread over neighbouring positions.
The sparse ones come from the ``entmax`` package.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from entmax import entmax15, sparsemax
from torch import Tensor

from .masking import open_empty_rows

Normalizer = Callable[[Tensor, Tensor | None], Tensor]

# Sparse normalisers give zero weight to any score this far below the row's best (sparsemax
# needs a gap of 1, entmax-1.5 of 2), so masked keys are filled with (row max - margin): a finite
# value, unlike the dtype minimum whose squares and cumulative sums overflow inside entmax.
_SPARSE_MARGIN = 1e4


def masked_softmax(scores: Tensor, mask: Tensor | None) -> Tensor:
    """Softmax over the last dim restricted to ``mask``; (..., S) -> (..., S)."""
    if mask is None:
        return torch.softmax(scores, dim=-1)
    attendable = open_empty_rows(mask)
    filled = scores.masked_fill(~attendable, torch.finfo(scores.dtype).min)
    return torch.softmax(filled, dim=-1).masked_fill(~mask, 0.0)


def _sparse(normalize: Callable[..., Tensor]) -> Normalizer:
    def masked(scores: Tensor, mask: Tensor | None) -> Tensor:
        if mask is None:
            return normalize(scores, dim=-1)
        attendable = open_empty_rows(mask).expand_as(scores)
        best = scores.masked_fill(~attendable, torch.finfo(scores.dtype).min).amax(-1, keepdim=True)
        filled = torch.where(attendable, scores, (best - _SPARSE_MARGIN).detach())
        return normalize(filled, dim=-1).masked_fill(~mask, 0.0)

    masked.__name__ = f"masked_{normalize.__name__}"
    return masked


def masked_sigmoid(scores: Tensor, mask: Tensor | None) -> Tensor:
    """sigmoid(e_i) / sum_j sigmoid(e_j) over ``mask``; (..., S) -> (..., S)."""
    gates = torch.sigmoid(scores)
    if mask is not None:
        gates = gates.masked_fill(~mask, 0.0)
    total = gates.sum(-1, keepdim=True)
    return gates / total.clamp_min(torch.finfo(gates.dtype).tiny)  # an empty row: 0 / tiny = 0


masked_sparsemax = _sparse(sparsemax)
masked_entmax15 = _sparse(entmax15)

NORMALIZERS: dict[str, Normalizer] = {
    "softmax": masked_softmax,
    "sparsemax": masked_sparsemax,
    "entmax15": masked_entmax15,
    "sigmoid": masked_sigmoid,
}


def get_normalizer(name: str) -> Normalizer:
    """The normaliser called ``name``; a ValueError lists the valid names otherwise."""
    if name not in NORMALIZERS:
        raise ValueError(f"unknown normalizer {name!r}; choose one of {sorted(NORMALIZERS)}")
    return NORMALIZERS[name]
