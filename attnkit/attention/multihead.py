"""Multi-head attention, Vaswani et al. 2017 §3.2.2, batch-first, under attnkit's mask contract."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .base import Attention, AttentionOutput, KeyCache, StepState
from .dot_product import fused_attention
from .growing_cache import GrowingCache
from .masking import any_key, causal_mask
from .multihead_scores import attend_heads, build_head_score, fold_heads, head_cache, project_head_keys, unfold_heads
from .normalizers import get_normalizer


class MultiHeadAttention(Attention):
    """Multi-head attention, Vaswani et al. 2017, §3.2.2.

    head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V) with scaled dot scores q^T k / sqrt(d_head);
    output = concat(head_1..head_H) W^O. E = query_dim is the model width (output width too);
    key_dim and value_dim default to it. Parameters are laid out as in torch's
    ``nn.MultiheadAttention`` (one packed ``in_proj_weight`` when all three widths are equal),
    and :meth:`from_torch` copies one, after which both compute the same outputs.

    - ``causal=True`` adds a no-look-ahead mask (self-attention in a decoder); with S > T the
      queries are the last T positions (cached incremental decoding).
    - ``need_weights=False`` runs torch's fused ``scaled_dot_product_attention`` (memory O(T)
      instead of O(T S) per head) and returns None weights. Otherwise weights are averaged over
      heads, (B, T, S), or per head, (B, H, T, S), with ``average_weights=False``.
      Raw scores (``out.scores``) are always per head, (B, H, [T,] S).
    - ``score="additive"`` (or "general", "dot", "cosine", any registered name that keeps no step
      state and normalises its scores) scores the heads with that mechanism instead of scaled
      dot: one instance, built with query_dim = key_dim = d_head and ``score_options``, scores
      every head's projected queries and keys. Its parameters are shared across heads; the
      per-head projections W_i^Q, W_i^K make the heads differ. Weights then always come from
      the plain path (the fused kernel is scaled dot's). The default, "scaled_dot", is the
      module above, parameter for parameter. Refused with a ValueError: mechanisms with step
      state (location_aware, local_m), hard attention (it samples) and multihead itself.
    - Unlike torch's module, a query with no key to attend to gives zero context, not NaN.
    Self-attention (``query is keys``) projects Q, K and V with a single matrix product.
    Shapes: query (B, [T,] E), keys (B, S, Dk), values (B, S, Dv) -> context (B, [T,] E).
    """

    formula = "concat_h softmax(Q W_h (K W_h)^T / sqrt(d_h)) V W_h, then W_O (score= for another score per head)"
    paper = "Vaswani et al. 2017, Attention Is All You Need, sec. 3.2.2"

    def __init__(self, query_dim: int, key_dim: int | None = None, value_dim: int | None = None, *,
                 num_heads: int = 8, bias: bool = True, causal: bool = False, score: str = "scaled_dot",
                 score_options: dict | None = None, normalizer: str = "softmax", dropout: float = 0.0) -> None:
        key_dim = query_dim if key_dim is None else key_dim
        value_dim = key_dim if value_dim is None else value_dim
        super().__init__(query_dim, key_dim, value_dim, normalizer=normalizer, dropout=dropout)
        if num_heads <= 0 or query_dim % num_heads:
            raise ValueError(f"num_heads must be a positive divisor of query_dim={query_dim}; "
                             f"got num_heads={num_heads}")
        self.num_heads, self.head_dim, self.causal = num_heads, query_dim // num_heads, causal
        self.packed = query_dim == key_dim == value_dim
        width = query_dim
        if self.packed:
            self.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        else:
            self.q_proj_weight = nn.Parameter(torch.empty(width, query_dim))
            self.k_proj_weight = nn.Parameter(torch.empty(width, key_dim))
            self.v_proj_weight = nn.Parameter(torch.empty(width, value_dim))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * width)) if bias else None
        self.out_proj = nn.Linear(width, width, bias=bias)
        self._reset_parameters()
        # the score applied to every head; built last, so the projections start as without it
        self.score_name, self.head = build_head_score(score, self.head_dim, score_options,
                                                      normalizer=normalizer, dropout=dropout)

    def _reset_parameters(self) -> None:
        for weight in self._proj_weights():
            nn.init.xavier_uniform_(weight)
        if self.out_proj.bias is not None:
            nn.init.zeros_(self.out_proj.bias)

    def _proj_weights(self) -> tuple[Tensor, Tensor, Tensor]:
        if self.packed:
            return self.in_proj_weight.chunk(3)
        return self.q_proj_weight, self.k_proj_weight, self.v_proj_weight

    def _project(self, x: Tensor, which: int) -> Tensor:
        """Project x (B, L, D) with Q (0), K (1) or V (2) and split heads -> (B, H, L, Dh)."""
        bias = None if self.in_proj_bias is None else self.in_proj_bias.chunk(3)[which]
        projected = F.linear(x, self._proj_weights()[which], bias)  # (B, L, E)
        return self._split_heads(projected)

    def _split_heads(self, x: Tensor) -> Tensor:
        batch, length, _ = x.shape
        return x.view(batch, length, self.num_heads, self.head_dim).transpose(1, 2)  # (B, H, L, Dh)

    # ---- the contract ----------------------------------------------------------------------

    @property
    def fused(self) -> bool:
        """Whether ``need_weights=False`` runs torch's fused kernel (scaled dot and softmax)."""
        return self.score_name == "scaled_dot" and self.normalizer == "softmax"

    def score(self, query: Tensor, cache: KeyCache) -> Tensor:
        """Per-head scores of the head mechanism (scaled dot by default). query (B, H, T, Dh)
        projected, cache from ``precompute`` (projected (B, H, S, Dh)) -> (B, H, T, S)."""
        folded = self.head.score(fold_heads(query), head_cache(self.head, cache))  # (B * H, T, S)
        return unfold_heads(folded, self.num_heads)

    def project_keys(self, keys: Tensor) -> Tensor:
        return self._project(keys, 1)  # (B, H, S, Dh)

    def precompute(self, keys: Tensor, values: Tensor | None = None) -> KeyCache:
        """Project keys and values into heads once: cache.projected and cache.values are
        (B, H, S, Dh); cache.head_projected is the head score's own key-side work per head
        (e.g. (B, H, S, A) for additive), or None."""
        self._check_keys(keys, values)
        values = keys if values is None else values
        projected = self.project_keys(keys)  # (B, H, S, Dh)
        return KeyCache(keys=keys, values=self._project(values, 2), projected=projected,
                        head_projected=project_head_keys(self.head, projected))

    def extend(self, cache: KeyCache | None, keys: Tensor, values: Tensor | None = None) -> KeyCache:
        """Append new keys and values (B, L, Dk) to a cache from ``precompute`` (or start one with
        None), projecting only the new rows: incremental self-attention decoding costs one
        position's projection per step. Equals ``precompute`` of the concatenated sequence."""
        new = self.precompute(keys, values)
        if cache is None:
            return new
        head_projected = None  # recomputed at attention time unless both halves have it
        if cache.head_projected is not None and new.head_projected is not None:
            head_projected = torch.cat([cache.head_projected, new.head_projected], dim=2)  # (B, H, S+L, ...)
        return KeyCache(keys=torch.cat([cache.keys, new.keys], dim=1),  # (B, S+L, Dk)
                        values=torch.cat([cache.values, new.values], dim=2),  # (B, H, S+L, Dh)
                        projected=torch.cat([cache.projected, new.projected], dim=2),  # (B, H, S+L, Dh)
                        head_projected=head_projected)

    def decode_step(self, x: Tensor, cache: GrowingCache | None, *, need_weights: bool = False,
                    average_weights: bool = True, capacity: int = 32) -> tuple[AttentionOutput, GrowingCache]:
        """Incremental self-attention: the new position(s) x (B, L, E) attend over the cache and
        themselves (causally if ``causal``). Q, K and V of the new positions come from one matrix
        product, K and V are appended to the cache (started with room for ``capacity``
        positions when None). Returns the attention output (B, L, E) and the grown cache; equals
        ``forward`` over the whole sequence so far, for its last L positions. A head score with
        key-side work (additive, general) redoes it over the cached keys at every step."""
        if not self.packed:
            raise ValueError("decode_step is self-attention: it needs query_dim == key_dim == value_dim; got "
                             f"{self.query_dim}, {self.key_dim}, {self.value_dim}")
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)  # (B, L, 3E)
        q, k, v = (self._split_heads(part) for part in qkv.chunk(3, dim=-1))  # (B, H, L, Dh) each
        cache = GrowingCache.start(k, v, capacity) if cache is None else cache.append(k, v)
        out = self.attend(x, cache.view(), None, need_weights=need_weights, average_weights=average_weights,
                          projected_query=q)
        return out, cache

    def forward(self, query: Tensor, keys: Tensor | KeyCache, values: Tensor | None = None,
                mask: Tensor | None = None, *, state: StepState = None, need_weights: bool = True,
                average_weights: bool = True) -> AttentionOutput:
        """As :meth:`Attention.forward`; ``average_weights=False`` returns (B, H, [T,] S) weights.
        ``out.scores`` are per head, (B, H, [T,] S), either way. Keeps no step state."""
        self._refuse_state(state)
        projected_query = None
        if self.packed and query is keys and (values is None or values is keys) and query.dim() == 3:
            self._check_keys(keys, None)
            qkv = F.linear(query, self.in_proj_weight, self.in_proj_bias)  # (B, T, 3E)
            q, k, v = (self._split_heads(part) for part in qkv.chunk(3, dim=-1))  # (B, H, T, Dh) each
            keys, values, projected_query = KeyCache(keys=query, values=v, projected=k), None, q
        return self.run(query, keys, values, mask, need_weights, average_weights=average_weights,
                        projected_query=projected_query)

    def attend(self, query: Tensor, cache: KeyCache, mask: Tensor | None, *, need_weights: bool,
               average_weights: bool = True, projected_query: Tensor | None = None) -> AttentionOutput:
        batch, queries, _ = query.shape
        q = self._project(query, 0) if projected_query is None else projected_query  # (B, H, T, Dh)
        if self.causal and queries > 1:  # one query is the last position: it may see every key
            causal = causal_mask(queries, cache.keys.shape[1], device=query.device)  # (1, T, S)
            mask = causal if mask is None else mask & causal
        if not need_weights and self.fused:
            head_mask = None if mask is None else mask[:, None]  # (B|1, 1, T|1, S)
            context = fused_attention(q, cache.projected, cache.values, head_mask,
                                      self.dropout if self.training else 0.0)  # (B, H, T, Dh)
        elif self.score_name == "scaled_dot":  # eq. 1 on the (B, H, T, S) grid directly: no folded copies
            head_mask = None if mask is None else mask[:, None]  # (B|1, 1, T|1, S)
            raw = q @ cache.projected.transpose(-2, -1) / math.sqrt(self.head_dim)  # (B, H, T, S)
            weights = get_normalizer(self.normalizer)(raw, head_mask)  # (B, H, T, S)
            scores, score_mask = raw, head_mask
            used = F.dropout(weights, self.dropout, self.training) if self.dropout else weights
            context = used @ cache.values  # (B, H, T, Dh)
        else:  # the head mechanism's plain path: its score, normaliser and dropout
            heads = attend_heads(self.head, q, cache, mask)
            context, weights, scores = heads.context, heads.weights, heads.raw_scores  # (B, H, T, Dh|S|S)
            score_mask = heads.score_mask
        context = context.transpose(1, 2).reshape(batch, queries, self.query_dim)  # (B, T, E)
        context = self.out_proj(context)
        if mask is not None:
            context = context.masked_fill(~any_key(mask), 0.0)  # empty rows: zero, bias included
        if not need_weights:
            return AttentionOutput(context, None)
        if average_weights:
            weights = weights.mean(dim=1)  # (B, T, S)
        return AttentionOutput(context, weights, raw_scores=scores, score_mask=score_mask)  # (B, H, T, S)

    @classmethod
    def from_torch(cls, module: nn.MultiheadAttention) -> MultiHeadAttention:
        """A copy of a ``torch.nn.MultiheadAttention``'s parameters (either ``batch_first``);
        the two then give equal outputs. ``add_bias_kv`` and ``add_zero_attn`` are refused."""
        if module.bias_k is not None or module.add_zero_attn:
            raise ValueError("from_torch: add_bias_kv and add_zero_attn have no counterpart in "
                             "MultiHeadAttention; build the torch module without them")
        ours = cls(module.embed_dim, module.kdim, module.vdim, num_heads=module.num_heads,
                   bias=module.in_proj_bias is not None, dropout=module.dropout)
        reference = module.in_proj_weight if module.in_proj_weight is not None else module.q_proj_weight
        ours.to(device=reference.device, dtype=reference.dtype)
        with torch.no_grad():
            if ours.packed:
                ours.in_proj_weight.copy_(module.in_proj_weight)
            else:
                ours.q_proj_weight.copy_(module.q_proj_weight)
                ours.k_proj_weight.copy_(module.k_proj_weight)
                ours.v_proj_weight.copy_(module.v_proj_weight)
            if ours.in_proj_bias is not None:
                ours.in_proj_bias.copy_(module.in_proj_bias)
            ours.out_proj.load_state_dict(module.out_proj.state_dict())
        return ours.train(module.training)

    def extra_repr(self) -> str:
        return (super().extra_repr() + f", num_heads={self.num_heads}, causal={self.causal}"
                + ("" if self.score_name == "scaled_dot" else f", score={self.score_name!r}"))
