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
# Without autograd, on one CPU thread, the same work goes in blocks of rows whose tanh tensor (1 MiB
# of float32) stays in the cache: adding, tanh and the product with v then read it from the cache
# instead of memory, about twice as fast for a decoder step at B=64, S=200, A=512. With several
# threads one large operator is split among them instead (many small ones would each pay a barrier).
CACHE_ELEMENTS = 1 << 18


def additive_scores(query_proj: Tensor, key_proj: Tensor, v: Tensor) -> Tensor:
    """score = v^T tanh(W s + U h + b).  query_proj W s (B, T, A), key_proj U h + b (B, S, A),
    v (A,) -> (B, T, S)."""
    # tanh in place: one (B, T, S, A) buffer instead of two (allocation dominates a decoder step)
    hidden = (query_proj[:, :, None, :] + key_proj[:, None, :, :]).tanh_()  # (B, T, S, A)
    return hidden @ v  # (B, T, S)


def cache_blocked_additive_scores(query_proj: Tensor, key_proj: Tensor, v: Tensor,
                                  block_elements: int = CACHE_ELEMENTS) -> Tensor:
    """``additive_scores`` in cache-sized blocks of batch rows and queries, written into one
    preallocated (B, T, S) result. For inference: nothing is kept for a backward pass."""
    batch, queries, dim = query_proj.shape
    per_query = key_proj.shape[1] * dim
    step_queries = max(1, min(queries, block_elements // per_query))
    step_batch = max(1, block_elements // (per_query * step_queries)) if step_queries == queries else 1
    scores = query_proj.new_empty(batch, queries, key_proj.shape[1])  # (B, T, S)
    for b in range(0, batch, step_batch):
        for t in range(0, queries, step_queries):
            scores[b:b + step_batch, t:t + step_queries] = additive_scores(
                query_proj[b:b + step_batch, t:t + step_queries], key_proj[b:b + step_batch], v)
    return scores


def chunked_additive_scores(query_proj: Tensor, key_proj: Tensor, v: Tensor,
                            chunk_elements: int = CHUNK_ELEMENTS) -> Tensor:
    """``additive_scores`` over query chunks; chunks are recomputed in backward (checkpointing)
    so memory holds one chunk's tanh tensor, never the whole grid. Without autograd on one CPU
    thread, in cache-sized blocks instead. Same shapes and values."""
    batch, queries, dim = query_proj.shape
    keep_graph = torch.is_grad_enabled() and (query_proj.requires_grad or key_proj.requires_grad
                                             or v.requires_grad)
    if not keep_graph and query_proj.device.type == "cpu" and torch.get_num_threads() == 1:
        return cache_blocked_additive_scores(query_proj, key_proj, v)
    per_query = batch * key_proj.shape[1] * dim
    rows = max(1, chunk_elements // max(per_query, 1))
    if queries <= rows:
        return additive_scores(query_proj, key_proj, v)
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

    score(s, h) = v^T tanh(W s + U h + b), W (A, Dq), U (A, Dk), b (A,), v (A,); A = attention_dim
    (default key_dim). U h + b is computed once per source (``precompute``); a decoder step then
    costs one (Dq x A) product and the tanh. Over a whole (T, S) grid the work is chunked.
    ``sharpening`` beta multiplies the scores before the normaliser, softmax(beta e) (Chorowski et al.
    2015 sec. 2.3: beta > 1 focuses the weights on fewer frames of a long input); 1 leaves them.
    """

    formula = "v^T tanh(W s + U h + b)"
    paper = "Bahdanau et al. 2015, Neural Machine Translation by Jointly Learning to Align and Translate"

    def __init__(self, query_dim: int, key_dim: int, value_dim: int | None = None, *,
                 attention_dim: int | None = None, normalizer: str = "softmax",
                 dropout: float = 0.0, sharpening: float = 1.0) -> None:
        super().__init__(query_dim, key_dim, value_dim, normalizer=normalizer, dropout=dropout)
        hidden = key_dim if attention_dim is None else attention_dim
        if hidden <= 0:
            raise ValueError(f"attention_dim must be a positive integer; got {attention_dim!r}")
        self.sharpening = check_sharpening(sharpening)
        self.query_proj = nn.Linear(query_dim, hidden, bias=False)  # W
        self.key_proj = nn.Linear(key_dim, hidden)  # U, b
        self.v = nn.Parameter(torch.empty(hidden).uniform_(-hidden ** -0.5, hidden ** -0.5))

    def project_keys(self, keys: Tensor) -> Tensor:
        return self.key_proj(keys)  # (B, S, A)

    def score(self, query: Tensor, cache: KeyCache) -> Tensor:
        scores = chunked_additive_scores(self.query_proj(query), cache.projected, self.v)  # (B, T, S)
        return scores if self.sharpening == 1.0 else scores * self.sharpening  # beta e (Chorowski sec. 2.3)


def check_sharpening(sharpening: float) -> float:
    """Chorowski's beta, refused unless a positive number."""
    if isinstance(sharpening, bool) or not isinstance(sharpening, int | float) or sharpening <= 0:
        raise ValueError(f"sharpening must be a positive number (beta; 1 = none); got {sharpening!r}")
    return float(sharpening)
