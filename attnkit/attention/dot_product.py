"""Multiplicative scores (Luong 2015 §3.1; Vaswani 2017 §3.2.1): dot, scaled dot, general."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .base import Attention, AttentionOutput, KeyCache
from .masking import any_key


def dot_scores(query: Tensor, keys: Tensor) -> Tensor:
    """score(s, h) = s^T h.  query (B, T, D), keys (B, S, D) -> (B, T, S)."""
    return torch.bmm(query, keys.transpose(1, 2))


def _require_equal_dims(label: str, query_dim: int, key_dim: int) -> None:
    if query_dim != key_dim:
        raise ValueError(f"{label} compares query and key directly, so query_dim must equal key_dim; "
                         f"got query_dim={query_dim}, key_dim={key_dim}. Use 'general' (bilinear), "
                         "which learns the map between the two spaces.")


class DotAttention(Attention):
    """Dot-product attention, Luong et al. 2015, eq. (8) "dot".

    score(s, h) = s^T h. No parameters; needs query_dim == key_dim.
    Shapes: query (B, [T,] D), keys (B, S, D), values (B, S, Dv) -> context (B, [T,] Dv).
    """

    formula = "s^T h"
    paper = "Luong et al. 2015, Effective Approaches to Attention-based NMT, eq. 8 (dot)"

    def __init__(self, query_dim: int, key_dim: int, value_dim: int | None = None, *,
                 normalizer: str = "softmax", dropout: float = 0.0) -> None:
        super().__init__(query_dim, key_dim, value_dim, normalizer=normalizer, dropout=dropout)
        _require_equal_dims(self.label, query_dim, key_dim)

    def score(self, query: Tensor, cache: KeyCache) -> Tensor:
        return dot_scores(query, cache.keys)  # (B, T, S)


class ScaledDotAttention(DotAttention):
    """Scaled dot-product attention, Vaswani et al. 2017, eq. (1).

    score(s, h) = s^T h / sqrt(d), d = key_dim. Keeps the softmax out of its saturated regime
    when d is large. With ``need_weights=False`` (and the softmax normaliser) it runs torch's
    fused ``scaled_dot_product_attention`` and returns None weights; the result equals the
    plain path, empty rows included (they are opened for the kernel, then zeroed).
    """

    formula = "s^T h / sqrt(d)"
    paper = "Vaswani et al. 2017, Attention Is All You Need, eq. 1"

    def score(self, query: Tensor, cache: KeyCache) -> Tensor:
        return dot_scores(query, cache.keys) / math.sqrt(self.key_dim)  # (B, T, S)

    def attend(self, query: Tensor, cache: KeyCache, mask: Tensor | None, *,
               need_weights: bool) -> AttentionOutput:
        if need_weights or self.normalizer != "softmax":
            return super().attend(query, cache, mask, need_weights=need_weights)
        return AttentionOutput(fused_attention(query, cache.keys, cache.values, mask,
                                               self.dropout if self.training else 0.0), None)


def fused_attention(query: Tensor, keys: Tensor, values: Tensor, mask: Tensor | None,
                    dropout: float = 0.0, is_causal: bool = False) -> Tensor:
    """torch's fused scaled dot-product attention under attnkit's mask contract.

    query (..., T, D), keys (..., S, D), values (..., S, Dv); mask broadcastable to (..., T, S),
    True = may attend. Rows with no key are opened for the kernel (so nothing is NaN, forward or
    backward) and their context set to zero afterwards. Returns (..., T, Dv).
    """
    if mask is None:
        return F.scaled_dot_product_attention(query, keys, values, dropout_p=dropout, is_causal=is_causal)
    empty = ~any_key(mask)  # (..., T|1, 1): rows with no key
    context = F.scaled_dot_product_attention(query, keys, values, attn_mask=mask | empty, dropout_p=dropout)
    # Eager mode skips the zeroing pass over the whole context when no row is empty (the common
    # case; benchmarks/attention.py, scaled_dot with a key mask); a compiled graph always zeroes.
    if torch.compiler.is_compiling() or bool(empty.any()):
        context = context.masked_fill(empty, 0.0)
    return context


class GeneralAttention(Attention):
    """General (bilinear) attention, Luong et al. 2015, eq. (8) "general".

    score(s, h) = s^T W h, W of shape (Dq, Dk). W h is computed once per source (precompute).
    """

    formula = "s^T W h"
    paper = "Luong et al. 2015, Effective Approaches to Attention-based NMT, eq. 8 (general)"

    def __init__(self, query_dim: int, key_dim: int, value_dim: int | None = None, *,
                 normalizer: str = "softmax", dropout: float = 0.0) -> None:
        super().__init__(query_dim, key_dim, value_dim, normalizer=normalizer, dropout=dropout)
        self.key_proj = nn.Linear(key_dim, query_dim, bias=False)  # W

    def project_keys(self, keys: Tensor) -> Tensor:
        return self.key_proj(keys)  # (B, S, Dq)

    def score(self, query: Tensor, cache: KeyCache) -> Tensor:
        return dot_scores(query, cache.projected)  # (B, T, S)
