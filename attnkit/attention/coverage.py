"""Coverage attention, See et al. 2017 (Get To The Point), §2.3."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .additive import additive_scores
from .base import Attention, AttentionOutput, KeyCache, StepState


class CoverageAttention(Attention):
    """Additive attention that also sees how much each source position has been attended so
    far, See et al. 2017 eq. (11):

        c^t = sum_{t' < t} a^{t'}                         (eq. 10, the coverage vector)
        score(s_t, h_i) = v^T tanh(W s_t + U h_i + w_c c_i^t + b)

    so the decoder can learn not to attend to (and so repeat) what it already covered. The
    coverage (B, S) is the step state: ``initial_state`` gives zeros (nothing covered before the
    first step), ``forward(..., state=)`` takes it and ``out.state`` is coverage + this step's
    weights, to pass back at the next step (a beam search reorders it with ``index_select(0, .)``).
    A sequence query (B, T, Dq) runs its T steps in order from that state and equals T step
    calls. The coverage loss sum_i min(a_i^t, c_i^t) (eq. 12-13) is the objective's term
    ``coverage`` (attnkit.train.objectives), which any model returning its weights can ask for.
    """

    formula = "v^T tanh(W s + U h + w_c c + b), c = sum of the previous steps' weights"
    paper = "See et al. 2017, Get To The Point: Summarization with Pointer-Generator Networks, eq. 11"

    def __init__(self, query_dim: int, key_dim: int, value_dim: int | None = None, *,
                 attention_dim: int | None = None, normalizer: str = "softmax", dropout: float = 0.0) -> None:
        super().__init__(query_dim, key_dim, value_dim, normalizer=normalizer, dropout=dropout)
        hidden = key_dim if attention_dim is None else attention_dim
        if hidden <= 0:
            raise ValueError(f"attention_dim must be a positive integer; got {attention_dim!r}")
        self.query_proj = nn.Linear(query_dim, hidden, bias=False)  # W
        self.key_proj = nn.Linear(key_dim, hidden)  # U, b
        self.coverage_proj = nn.Parameter(torch.zeros(hidden))  # w_c: starts as plain additive attention
        self.v = nn.Parameter(torch.empty(hidden).uniform_(-hidden ** -0.5, hidden ** -0.5))

    def initial_state(self, cache: KeyCache | Tensor, mask: Tensor | None) -> Tensor:
        """Zero coverage (B, S): nothing attended before the first step."""
        keys = cache.keys if isinstance(cache, KeyCache) else cache
        return keys.new_zeros(keys.shape[:2])  # (B, S)

    def forward(self, query: Tensor, keys: Tensor | KeyCache, values: Tensor | None = None,
                mask: Tensor | None = None, *, state: StepState = None,
                need_weights: bool = True) -> AttentionOutput:
        """As :meth:`Attention.forward`; ``state`` is the coverage (B, S) before this step (None:
        zeros) and ``out.state`` the coverage after it (after the last query of a sequence)."""
        return self.run(query, keys, values, mask, need_weights, coverage=state)

    def project_keys(self, keys: Tensor) -> Tensor:
        return self.key_proj(keys)  # (B, S, A)

    def score(self, query: Tensor, cache: KeyCache, coverage: Tensor | None = None) -> Tensor:
        """query (B, 1, Dq), coverage (B, S) -> (B, 1, S)."""
        batch, sources = cache.keys.shape[:2]
        if coverage is None:
            coverage = cache.keys.new_zeros(batch, sources)
        elif not isinstance(coverage, Tensor) or tuple(coverage.shape) != (batch, sources):
            got = tuple(coverage.shape) if isinstance(coverage, Tensor) else type(coverage).__name__
            raise ValueError(f"{self.label}: the coverage state must have shape (B, S) = ({batch}, {sources}); "
                             f"got {got}")
        covered = coverage[:, :, None].to(cache.projected.dtype) * self.coverage_proj  # (B, S, A)
        return additive_scores(self.query_proj(query), cache.projected + covered, self.v)  # (B, 1, S)

    def attend(self, query: Tensor, cache: KeyCache, mask: Tensor | None, *, need_weights: bool,
               coverage: Tensor | None = None) -> AttentionOutput:
        """Runs the T queries one after another, each seeing the coverage of those before; the
        state returned is the coverage after the last one (B, S)."""
        if coverage is None:
            coverage = self.initial_state(cache, mask)
        steps = []
        for t in range(query.shape[1]):
            step_mask = None if mask is None else mask[:, t:t + 1] if mask.shape[1] > 1 else mask
            out = super().attend(query[:, t:t + 1], cache, step_mask, need_weights=True, coverage=coverage)
            coverage = coverage + out.weights[:, 0]  # (B, S), eq. 10
            steps.append(out)
        context = torch.cat([o.context for o in steps], dim=1)  # (B, T, Dv)
        if not need_weights:
            return AttentionOutput(context, None, state=coverage)
        weights = torch.cat([o.weights for o in steps], dim=1)  # (B, T, S)
        scores = torch.cat([o.scores for o in steps], dim=1)  # (B, T, S)
        return AttentionOutput(context, weights, raw_scores=scores, state=coverage)
