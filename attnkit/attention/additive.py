"""Additive (concat, MLP) attention, Bahdanau et al. 2015."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint

from .base import Attention, KeyCache

# Elements of the (B, T_chunk, S, A) tanh tensor computed at once. Over a whole (T, S) grid the
# queries are processed in chunks of this size, each recomputed in backward instead of stored, so
# peak memory stays at one chunk instead of B x T x S x A (benchmarks/attention.py measures it).
CHUNK_ELEMENTS = 1 << 22


def additive_scores(query_proj: Tensor, key_proj: Tensor, v: Tensor) -> Tensor:
    """score = v^T tanh(W s + U h).  query_proj W s (B, T, A), key_proj U h (B, S, A), v (A,)
    -> (B, T, S)."""
    # tanh in place: one (B, T, S, A) buffer instead of two (allocation dominates a decoder step)
    hidden = (query_proj[:, :, None, :] + key_proj[:, None, :, :]).tanh_()  # (B, T, S, A)
    return hidden @ v  # (B, T, S)


def chunked_additive_scores(query_proj: Tensor, key_proj: Tensor, v: Tensor,
                            chunk_elements: int = CHUNK_ELEMENTS) -> Tensor:
    """``additive_scores`` over query chunks; chunks are recomputed in backward (checkpointing)
    so memory holds one chunk's tanh tensor, never the whole grid. Same shapes and values."""
    batch, queries, dim = query_proj.shape
    per_query = batch * key_proj.shape[1] * dim
    rows = max(1, chunk_elements // max(per_query, 1))
    if queries <= rows:
        return additive_scores(query_proj, key_proj, v)
    keep_graph = torch.is_grad_enabled() and (query_proj.requires_grad or key_proj.requires_grad
                                             or v.requires_grad)
    parts = []
    for start in range(0, queries, rows):
        chunk = query_proj[:, start:start + rows]  # (B, rows, A)
        if keep_graph:
            parts.append(checkpoint(additive_scores, chunk, key_proj, v, use_reentrant=False))
        else:
            parts.append(additive_scores(chunk, key_proj, v))
    return torch.cat(parts, dim=1)  # (B, T, S)


class AdditiveAttention(Attention):
    """Additive attention, Bahdanau et al. 2015, eq. (6) and Appendix A.1.2.

    score(s, h) = v^T tanh(W s + U h + b), W (A, Dq), U (A, Dk), v (A,); A = attention_dim
    (default key_dim). U h + b is computed once per source (``precompute``); a decoder step then
    costs one (Dq x A) product and the tanh. Over a whole (T, S) grid the work is chunked.
    """

    formula = "v^T tanh(W s + U h)"
    paper = "Bahdanau et al. 2015, Neural Machine Translation by Jointly Learning to Align and Translate"

    def __init__(self, query_dim: int, key_dim: int, value_dim: int | None = None, *,
                 attention_dim: int | None = None, normalizer: str = "softmax",
                 dropout: float = 0.0) -> None:
        super().__init__(query_dim, key_dim, value_dim, normalizer=normalizer, dropout=dropout)
        hidden = key_dim if attention_dim is None else attention_dim
        if hidden <= 0:
            raise ValueError(f"attention_dim must be a positive integer; got {attention_dim!r}")
        self.query_proj = nn.Linear(query_dim, hidden, bias=False)  # W
        self.key_proj = nn.Linear(key_dim, hidden)  # U, b
        self.v = nn.Parameter(torch.empty(hidden).uniform_(-hidden ** -0.5, hidden ** -0.5))

    def project_keys(self, keys: Tensor) -> Tensor:
        return self.key_proj(keys)  # (B, S, A)

    def score(self, query: Tensor, cache: KeyCache) -> Tensor:
        return chunked_additive_scores(self.query_proj(query), cache.projected, self.v)  # (B, T, S)
