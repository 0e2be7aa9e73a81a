"""Content-based addressing by cosine similarity (Graves et al. 2014, Neural Turing Machines)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .base import Attention, AttentionOutput, KeyCache


def cosine_scores(query: Tensor, keys: Tensor, strength: Tensor) -> Tensor:
    """score = beta * cos(s, h).  query (B, T, D), keys (B, S, D) (both unnormalised),
    strength beta broadcastable to (B, T, 1) -> (B, T, S)."""
    return strength * torch.bmm(F.normalize(query, dim=-1), F.normalize(keys, dim=-1).transpose(1, 2))


class CosineAttention(Attention):
    """Content-based attention, Graves et al. 2014, eq. (5)-(6).

    score(s, h) = beta * cos(s, h). The key strength beta >= 0 sharpens (large) or flattens
    (small) the weights. It is, in order of precedence: the ``strength=`` passed to ``forward``
    (shape (B,) or (B, T), as an NTM head emits one per step); the fixed ``strength`` given at
    construction; or a learned scalar (softplus of a parameter, starting at 1).
    When query_dim != key_dim a learned linear map brings the query into key space first.
    """

    formula = "beta * cos(s, h)"
    paper = "Graves et al. 2014, Neural Turing Machines, eq. 5-6"

    def __init__(self, query_dim: int, key_dim: int, value_dim: int | None = None, *,
                 strength: float | None = None, normalizer: str = "softmax", dropout: float = 0.0) -> None:
        super().__init__(query_dim, key_dim, value_dim, normalizer=normalizer, dropout=dropout)
        self.query_proj = nn.Linear(query_dim, key_dim, bias=False) if query_dim != key_dim else None
        if strength is None:
            # softplus(0.5413) = 1.0: start with beta = 1 and learn it.
            self.raw_strength = nn.Parameter(torch.tensor(0.5413))
            self.fixed_strength = None
        else:
            if strength < 0:
                raise ValueError(f"cosine strength must be >= 0; got {strength}")
            self.raw_strength = None
            self.fixed_strength = float(strength)

    def forward(self, query: Tensor, keys: Tensor | KeyCache, values: Tensor | None = None,
                mask: Tensor | None = None, *, strength: Tensor | None = None,
                need_weights: bool = True) -> AttentionOutput:
        """As :meth:`Attention.forward`; ``strength`` (B,) for a step query or (B, T)."""
        if strength is not None:
            expected = query.shape[:-1]
            if tuple(strength.shape) != tuple(expected):
                raise ValueError(f"{self.label}: strength must have shape {tuple(expected)} (one per "
                                 f"query); got {tuple(strength.shape)}")
            strength = strength.unsqueeze(-1) if query.dim() == 3 else strength[:, None, None]
        return self.run(query, keys, values, mask, need_weights, strength=strength)

    def score(self, query: Tensor, cache: KeyCache, strength: Tensor | None = None) -> Tensor:
        if self.query_proj is not None:
            query = self.query_proj(query)  # (B, T, Dk)
        if strength is None:
            strength = (torch.tensor(self.fixed_strength, dtype=query.dtype, device=query.device)
                        if self.raw_strength is None else F.softplus(self.raw_strength))
        return cosine_scores(query, cache.keys, strength)  # (B, T, S)
