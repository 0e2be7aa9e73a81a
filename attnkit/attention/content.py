"""Content-based addressing by cosine similarity (Graves et al. 2014, Neural Turing Machines)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .base import Attention, AttentionOutput, KeyCache, StepState

# softplus(0.5413) = 1.0: a learned strength starts at beta = 1.
_STRENGTH_ONE = 0.5413


def cosine_scores(query: Tensor, keys: Tensor, strength: Tensor) -> Tensor:
    """score = beta * cos(s, h).  query (B, T, D), keys (B, S, D) (both unnormalised),
    strength beta broadcastable to (B, T, 1) -> (B, T, S)."""
    return strength * torch.bmm(F.normalize(query, dim=-1), F.normalize(keys, dim=-1).transpose(1, 2))


class CosineAttention(Attention):
    """Content-based attention, Graves et al. 2014, eq. (5)-(6).

    score(s, h) = beta * cos(s, h). The key strength beta >= 0 sharpens (large) or flattens
    (small) the weights. It is, in order of precedence: the ``strength=`` passed to ``forward``
    (shape (B,) or (B, T), as an NTM head emits one per step); with ``strength_from_query=True``,
    one per query from a learned linear layer, beta = softplus(w^T s + b) (eq. 5's key strength
    as an NTM head emits it, so a decoder that passes only query, keys and mask gets a per-step
    strength); the fixed ``strength`` given at construction; or a learned scalar (softplus of a
    parameter). Learned strengths start near 1.
    When query_dim != key_dim a learned linear map brings the query into key space first.
    """

    formula = "beta * cos(s, h)"
    paper = "Graves et al. 2014, Neural Turing Machines, eq. 5-6"

    def __init__(self, query_dim: int, key_dim: int, value_dim: int | None = None, *,
                 strength: float | None = None, strength_from_query: bool = False,
                 normalizer: str = "softmax", dropout: float = 0.0) -> None:
        super().__init__(query_dim, key_dim, value_dim, normalizer=normalizer, dropout=dropout)
        if strength is not None and strength_from_query:
            raise ValueError(f"cosine: strength={strength!r} fixes beta, strength_from_query=True learns "
                             "it from each query; give one of the two")
        if strength is not None and strength < 0:
            raise ValueError(f"cosine strength must be >= 0; got {strength}")
        self.query_proj = nn.Linear(query_dim, key_dim, bias=False) if query_dim != key_dim else None
        self.raw_strength = self.strength_proj = None
        self.fixed_strength = None if strength is None else float(strength)
        if strength_from_query:
            self.strength_proj = nn.Linear(query_dim, 1)  # w, b
            with torch.no_grad():
                self.strength_proj.bias.fill_(_STRENGTH_ONE)
        elif strength is None:
            self.raw_strength = nn.Parameter(torch.tensor(_STRENGTH_ONE))

    def forward(self, query: Tensor, keys: Tensor | KeyCache, values: Tensor | None = None,
                mask: Tensor | None = None, *, state: StepState = None, strength: Tensor | None = None,
                need_weights: bool = True) -> AttentionOutput:
        """As :meth:`Attention.forward`; ``strength`` (B,) for a step query or (B, T)."""
        self._refuse_state(state)
        if strength is not None:
            expected = query.shape[:-1]
            if tuple(strength.shape) != tuple(expected):
                raise ValueError(f"{self.label}: strength must have shape {tuple(expected)} (one per "
                                 f"query); got {tuple(strength.shape)}")
            strength = strength.unsqueeze(-1) if query.dim() == 3 else strength[:, None, None]
        return self.run(query, keys, values, mask, need_weights, strength=strength)

    def default_strength(self, query: Tensor) -> Tensor:
        """beta when forward is given none: query (B, T, Dq) -> (B, T, 1), or a scalar ()."""
        if self.strength_proj is not None:
            return F.softplus(self.strength_proj(query))  # (B, T, 1)
        if self.raw_strength is not None:
            return F.softplus(self.raw_strength)
        return torch.tensor(self.fixed_strength, dtype=query.dtype, device=query.device)

    def score(self, query: Tensor, cache: KeyCache, strength: Tensor | None = None) -> Tensor:
        if strength is None:
            strength = self.default_strength(query)  # from the query as given, before any map
        if self.query_proj is not None:
            query = self.query_proj(query)  # (B, T, Dk)
        return cosine_scores(query, cache.keys, strength)  # (B, T, S)

    def extra_repr(self) -> str:
        return super().extra_repr() + (", strength_from_query=True" if self.strength_proj is not None else "")
