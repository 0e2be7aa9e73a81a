"""Location-aware (hybrid) attention, Chorowski et al. 2015."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .additive import additive_scores, check_sharpening
from .base import Attention, AttentionOutput, KeyCache, StepState


class LocationAwareAttention(Attention):
    """Location-aware attention, Chorowski et al. 2015, eq. (8)-(9).

    f = F * a_{t-1} (``channels`` filters of width ``kernel_size`` over the previous weights),
    score(s, h_j) = v^T tanh(W s + U h_j + V f_j + b).

    The previous step's weights are the step state: ``initial_state`` gives zeros (B, S) (no
    previous step, so no location information), ``forward(..., state=)`` takes them, and
    ``out.state`` is this step's weights (B, S) (a sequence query's: its last step's), to pass
    back at the next step; a beam search reorders them with ``index_select(0, ...)``. The older
    spelling ``prev_weights=`` (B, S), None meaning zeros, does the same. A sequence query
    (B, T, Dq) runs the T steps in order from that state and equals T step calls.

    Chorowski's sec. 2.3 options: ``sharpening`` beta multiplies the scores, softmax(beta e), and
    ``normalizer="sigmoid"`` is their smoothing, sigmoid(e_j) / sum_k sigmoid(e_k), which spreads
    the weights over neighbouring frames instead of one; windowing belongs to the decoder that
    narrows the mask (the ``listener`` family's ``decode_window``).
    """

    formula = "v^T tanh(W s + U h + V (F * a_prev) + b)"
    paper = "Chorowski et al. 2015, Attention-Based Models for Speech Recognition, eq. 8-9"

    def __init__(self, query_dim: int, key_dim: int, value_dim: int | None = None, *,
                 attention_dim: int | None = None, channels: int = 10, kernel_size: int = 31,
                 normalizer: str = "softmax", dropout: float = 0.0, sharpening: float = 1.0) -> None:
        super().__init__(query_dim, key_dim, value_dim, normalizer=normalizer, dropout=dropout)
        self.sharpening = check_sharpening(sharpening)
        if kernel_size <= 0 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be a positive odd integer; got {kernel_size!r}")
        hidden = key_dim if attention_dim is None else attention_dim
        self.query_proj = nn.Linear(query_dim, hidden, bias=False)  # W
        self.key_proj = nn.Linear(key_dim, hidden)  # U, b
        self.location_conv = nn.Conv1d(1, channels, kernel_size, padding=kernel_size // 2, bias=False)  # F
        self.location_proj = nn.Linear(channels, hidden, bias=False)  # V
        self.v = nn.Parameter(torch.empty(hidden).uniform_(-hidden ** -0.5, hidden ** -0.5))

    def initial_state(self, cache: KeyCache | Tensor, mask: Tensor | None) -> Tensor:
        """Zero previous weights (B, S): the same as ``prev_weights=None``."""
        keys = cache.keys if isinstance(cache, KeyCache) else cache
        return keys.new_zeros(keys.shape[:2])  # (B, S)

    def forward(self, query: Tensor, keys: Tensor | KeyCache, values: Tensor | None = None,
                mask: Tensor | None = None, *, state: StepState = None, prev_weights: Tensor | None = None,
                need_weights: bool = True) -> AttentionOutput:
        """As :meth:`Attention.forward`; ``state`` (B, S), from ``initial_state`` or the previous
        step's ``out.state``, or equally ``prev_weights`` (B, S): the weights of the step before.
        ``out.state`` is the weights (B, S) of the last query."""
        if state is not None and prev_weights is not None:
            raise ValueError(f"{self.label}: pass the previous weights once, as state= or as "
                             "prev_weights=, not both")
        return self.run(query, keys, values, mask, need_weights,
                        prev_weights=prev_weights if state is None else state)

    def project_keys(self, keys: Tensor) -> Tensor:
        return self.key_proj(keys)  # (B, S, A)

    def score(self, query: Tensor, cache: KeyCache, prev_weights: Tensor | None = None) -> Tensor:
        """query (B, 1, Dq), prev_weights (B, S) -> (B, 1, S)."""
        batch, sources = cache.keys.shape[:2]
        if prev_weights is None:
            prev_weights = cache.keys.new_zeros(batch, sources)
        elif not isinstance(prev_weights, Tensor) or tuple(prev_weights.shape) != (batch, sources):
            got = tuple(prev_weights.shape) if isinstance(prev_weights, Tensor) else type(prev_weights).__name__
            raise ValueError(f"{self.label}: prev_weights (or state) must have shape (B, S) = "
                             f"({batch}, {sources}); got {got}")
        features = self.location_conv(prev_weights[:, None, :].to(cache.keys.dtype))  # (B, C, S)
        location = self.location_proj(features.transpose(1, 2))  # (B, S, A)
        scores = additive_scores(self.query_proj(query), cache.projected + location, self.v)  # (B, 1, S)
        return scores if self.sharpening == 1.0 else scores * self.sharpening  # beta e (sec. 2.3)

    def attend(self, query: Tensor, cache: KeyCache, mask: Tensor | None, *, need_weights: bool,
               prev_weights: Tensor | None = None) -> AttentionOutput:
        """Runs the T queries one after another, each seeing the weights of the one before;
        the state returned is the last one's weights (B, S)."""
        steps = []
        for t in range(query.shape[1]):
            step_mask = None if mask is None else mask[:, t:t + 1] if mask.shape[1] > 1 else mask
            out = super().attend(query[:, t:t + 1], cache, step_mask, need_weights=True,
                                 prev_weights=prev_weights)
            prev_weights = out.weights[:, 0]  # (B, S)
            steps.append(out)
        context = torch.cat([o.context for o in steps], dim=1)  # (B, T, Dv)
        if not need_weights:
            return AttentionOutput(context, None, state=prev_weights)
        weights = torch.cat([o.weights for o in steps], dim=1)  # (B, T, S)
        scores = torch.cat([o.scores for o in steps], dim=1)  # (B, T, S)
        return AttentionOutput(context, weights, raw_scores=scores, state=prev_weights)
