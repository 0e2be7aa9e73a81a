"""Masks, one convention everywhere: a boolean tensor where True means "may attend".

Shapes: B batch, T queries, S keys. A key mask is (B, S); a query-key mask is (B, T, S);
a leading 1 broadcasts over the batch. Foreign conventions (lengths, PyTorch's True = ignore,
additive float masks) are converted here, at the boundary, and nowhere else.
"""

from __future__ import annotations

import torch
from torch import Tensor


def lengths_to_mask(lengths: Tensor, max_len: int | None = None) -> Tensor:
    """Key mask from sequence lengths: True at positions ``< length`` (may attend).

    lengths: (B,) integer lengths; max_len: S, defaults to ``lengths.max()``.
    Returns (B, S) bool.
    """
    if lengths.dim() != 1:
        raise ValueError(f"lengths must be a 1-D tensor of shape (B,); got shape {tuple(lengths.shape)}")
    size = int(lengths.max().item()) if max_len is None else max_len
    positions = torch.arange(size, device=lengths.device)  # (S,)
    return positions[None, :] < lengths[:, None]  # (B, S)


def causal_mask(num_queries: int, num_keys: int | None = None, device: torch.device | None = None) -> Tensor:
    """Query-key mask for self-attention that never looks ahead: True where key s <= query t.

    With ``num_keys`` S > T the T queries are taken to be the *last* T positions of the S keys
    (cached incremental decoding), so query t may attend to keys up to ``t + S - T``.
    Returns (1, T, S) bool, which broadcasts against any batch and combines with ``&``.
    """
    keys = num_queries if num_keys is None else num_keys
    if keys < num_queries:
        raise ValueError(f"causal_mask needs num_keys >= num_queries; got {keys} < {num_queries}")
    offset = keys - num_queries
    query_pos = torch.arange(num_queries, device=device)[:, None]  # (T, 1)
    key_pos = torch.arange(keys, device=device)[None, :]  # (1, S)
    return (key_pos <= query_pos + offset)[None]  # (1, T, S)


def mask_from_torch(mask: Tensor) -> Tensor:
    """Convert a PyTorch-style mask into attnkit's True = may attend.

    PyTorch's ``key_padding_mask`` and boolean ``attn_mask`` of ``nn.MultiheadAttention`` use
    True = ignore; its float masks are added to the scores, ``-inf`` meaning ignore. Both become
    a boolean mask of the same shape where True means "may attend".
    """
    if mask.dtype == torch.bool:
        return ~mask
    if mask.is_floating_point():
        return ~torch.isneginf(mask)
    raise ValueError(f"mask_from_torch expects a bool or float mask; got dtype {mask.dtype}")


def any_key(mask: Tensor) -> Tensor:
    """(..., S) bool -> (..., 1) bool: whether a row has at least one key it may attend to."""
    return mask.any(dim=-1, keepdim=True)


def open_empty_rows(mask: Tensor) -> Tensor:
    """Open every key in rows that have none, so the arithmetic of such rows stays finite.

    The caller zeroes those rows afterwards (``weights * mask`` or ``masked_fill``); this keeps
    softmax, sparsemax and the fused kernel free of NaN in forward *and* backward.
    (..., S) bool -> (..., S) bool.
    """
    return mask | ~any_key(mask)


def fill_masked(scores: Tensor, mask: Tensor | None) -> Tensor:
    """Raw scores as a caller may read them (``out.scores``): keys outside ``mask`` set to the
    dtype's most negative finite value, so a softmax over them gives those keys exactly 0.
    scores (..., S), mask broadcastable to it (True = may attend) or None -> (..., S); the
    caller's tensor is never changed."""
    if mask is None:
        return scores
    return scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
