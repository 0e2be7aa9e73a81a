"""Location-aware (hybrid) attention, Chorowski et al. 2015."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .additive import additive_scores
from .base import Attention, AttentionOutput, KeyCache


class LocationAwareAttention(Attention):
    """Location-aware attention, Chorowski et al. 2015, eq. (8)-(9).

    f = F * a_{t-1} (``channels`` filters of width ``kernel_size`` over the previous weights),
    score(s, h_j) = v^T tanh(W s + U h_j + V f_j + b).

    The previous step's weights are state the caller owns: pass them as ``prev_weights`` (B, S)
    and feed ``out.weights`` back at the next step (a beam search reorders them like any other
    state). None means no previous step: zeros, i.e. no location information. A sequence query
    (B, T, Dq) runs the T steps in order from ``prev_weights`` and equals T step calls.
    """

    step_state = frozenset({"prev_weights"})
    formula = "v^T tanh(W s + U h + V (F * a_prev))"
    paper = "Chorowski et al. 2015, Attention-Based Models for Speech Recognition, eq. 8-9"

    def __init__(self, query_dim: int, key_dim: int, value_dim: int | None = None, *,
                 attention_dim: int | None = None, channels: int = 10, kernel_size: int = 31,
                 normalizer: str = "softmax", dropout: float = 0.0) -> None:
        super().__init__(query_dim, key_dim, value_dim, normalizer=normalizer, dropout=dropout)
        if kernel_size <= 0 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be a positive odd integer; got {kernel_size!r}")
        hidden = key_dim if attention_dim is None else attention_dim
        self.query_proj = nn.Linear(query_dim, hidden, bias=False)  # W
        self.key_proj = nn.Linear(key_dim, hidden)  # U, b
        self.location_conv = nn.Conv1d(1, channels, kernel_size, padding=kernel_size // 2, bias=False)  # F
        self.location_proj = nn.Linear(channels, hidden, bias=False)  # V
        self.v = nn.Parameter(torch.empty(hidden).uniform_(-hidden ** -0.5, hidden ** -0.5))

    def forward(self, query: Tensor, keys: Tensor | KeyCache, values: Tensor | None = None,
                mask: Tensor | None = None, *, prev_weights: Tensor | None = None,
                need_weights: bool = True) -> AttentionOutput:
        """As :meth:`Attention.forward`; ``prev_weights`` (B, S): the weights of the step before."""
        return self.run(query, keys, values, mask, need_weights, prev_weights=prev_weights)

    def project_keys(self, keys: Tensor) -> Tensor:
        return self.key_proj(keys)  # (B, S, A)

    def score(self, query: Tensor, cache: KeyCache, prev_weights: Tensor | None = None) -> Tensor:
        """query (B, 1, Dq), prev_weights (B, S) -> (B, 1, S)."""
        batch, sources = cache.keys.shape[:2]
        if prev_weights is None:
            prev_weights = cache.keys.new_zeros(batch, sources)
        elif tuple(prev_weights.shape) != (batch, sources):
            raise ValueError(f"{self.label}: prev_weights must have shape (B, S) = ({batch}, {sources}); "
                             f"got {tuple(prev_weights.shape)}")
        features = self.location_conv(prev_weights[:, None, :].to(cache.keys.dtype))  # (B, C, S)
        location = self.location_proj(features.transpose(1, 2))  # (B, S, A)
        return additive_scores(self.query_proj(query), cache.projected + location, self.v)  # (B, 1, S)

    def attend(self, query: Tensor, cache: KeyCache, mask: Tensor | None, *, need_weights: bool,
               prev_weights: Tensor | None = None) -> AttentionOutput:
        """Runs the T queries one after another, each seeing the weights of the one before."""
        steps = []
        for t in range(query.shape[1]):
            step_mask = None if mask is None else mask[:, t:t + 1] if mask.shape[1] > 1 else mask
            out = super().attend(query[:, t:t + 1], cache, step_mask, need_weights=True,
                                 prev_weights=prev_weights)
            prev_weights = out.weights[:, 0]  # (B, S)
            steps.append(out)
        context = torch.cat([o.context for o in steps], dim=1)  # (B, T, Dv)
        weights = torch.cat([o.weights for o in steps], dim=1)  # (B, T, S)
        return AttentionOutput(context, weights if need_weights else None)
