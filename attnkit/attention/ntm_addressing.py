"""The addressing pipeline of a Neural Turing Machine head, Graves et al. 2014 §3.3.

    content      w^c = softmax(beta * cos(k, M_i))                     eq. 5-6 (CosineAttention)
    interpolate  w^g = g w^c + (1 - g) w_prev                          eq. 7
    shift        w~(i) = sum_j w^g(j) s(i - j)   (circular)            eq. 8
    sharpen      w(i) = w~(i)^gamma / sum_j w~(j)^gamma                eq. 9

The previous weighting w_prev is the step state. Each step is a small pure function beside the
class; the class owns the linear layer that reads the head's parameters (k, beta, g, s, gamma)
off the query (the controller's output). Failure modes of public NTMs are designed out here:
sharpening runs in log space, softmax(gamma * log(w~ + eps)), so a weighting of exact zeros (a
head that shifted all its mass onto masked keys, or an all-zero previous weighting) sharpens to
a uniform row instead of 0/0 = NaN and the gradient of gamma never meets 0 * log 0; the shift
distribution is a plain softmax over the allowed offsets; gamma = 1 + softplus(.) >= 1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .base import Attention, AttentionOutput, KeyCache, StepState
from .content import CosineAttention
from .normalizers import get_normalizer

# Added to w~ before the log of sharpening: small enough to change no weight visibly, large
# enough that log() stays finite in float32 and bfloat16.
SHARPEN_EPS = 1e-6


def interpolate(content: Tensor, previous: Tensor, gate: Tensor) -> Tensor:
    """eq. 7: w^g = g w^c + (1 - g) w_prev. content, previous (B, S); gate g in [0, 1] (B, 1)."""
    return gate * content + (1 - gate) * previous


def circular_shift(weights: Tensor, shift: Tensor, mask: Tensor | None = None) -> Tensor:
    """eq. 8, a circular convolution: w~(i) = sum_o s(o) w(i - o) over offsets o = -R..R.

    weights (B, S); shift (B, 2R+1), the distribution over offsets -R..R (index R is "stay");
    mask (B, S) bool or None. With a mask the rotation runs over the allowed keys only, in order
    (the last allowed key wraps to the first), so padding changes nothing; masked keys get 0.
    A shift of +1 moves the focus to the next location.
    """
    batch, size = weights.shape
    reach = (shift.shape[-1] - 1) // 2
    offsets = torch.arange(-reach, reach + 1, device=weights.device)  # (K,)
    if mask is None:
        source = torch.remainder(torch.arange(size, device=weights.device)[None, :] - offsets[:, None], size)  # (K, S)
        return (shift[:, :, None] * weights[:, source]).sum(1)  # (B, K, S) -> (B, S)
    count = mask.sum(-1, keepdim=True).clamp_min(1)  # (B, 1) allowed keys per row
    rank = mask.long().cumsum(-1) - 1  # (B, S): i-th allowed key has rank i
    by_rank = torch.argsort((~mask).to(torch.int8), dim=-1, stable=True)  # (B, S): allowed positions first
    source_rank = torch.remainder(rank[:, None, :] - offsets[None, :, None], count[:, :, None])  # (B, K, S)
    source = by_rank.gather(1, source_rank.reshape(batch, -1))  # (B, K*S) positions
    moved = weights.gather(1, source).view(batch, -1, size)  # (B, K, S)
    return (shift[:, :, None] * moved).sum(1) * mask  # (B, S)


def sharpen_scores(weights: Tensor, gamma: Tensor, eps: float = SHARPEN_EPS) -> Tensor:
    """eq. 9 in log space: the scores gamma * log(w~ + eps), whose softmax is w~^gamma / sum.
    weights (B, S) >= 0, gamma (B, 1) >= 1 -> (B, S)."""
    return gamma * torch.log(weights + eps)


class NTMAddressing(Attention):
    """One Neural Turing Machine head's addressing, Graves et al. 2014, eq. 5-9.

    The query (B, Dq) is the controller's output; a linear layer reads the head's parameters off
    it: key k (Dk), strength beta = softplus(.), gate g = sigmoid(.), shift weights s =
    softmax(.) over offsets -shift_range..shift_range, sharpening gamma = 1 + softplus(.). The
    keys are the memory M (B, S, Dk) (S locations of width Dk); the context is the read vector
    r = sum_i w(i) M_i (eq. 2). The step state is the previous weighting (B, S): by default
    ``initial_state`` puts all weight on the first allowed location (a head with no previous
    focus can then still move by shifts alone). ``out.scores`` are the sharpening's log-space
    scores, softmax(scores) = weights. A sequence query runs its steps in order over the same
    keys (as a head reading an unchanging memory would).
    """

    formula = "sharpen(shift(g softmax(beta cos(k, M)) + (1 - g) w_prev, s), gamma)"
    paper = "Graves et al. 2014, Neural Turing Machines, eq. 5-9"

    def __init__(self, query_dim: int, key_dim: int, value_dim: int | None = None, *, shift_range: int = 1,
                 normalizer: str = "softmax", dropout: float = 0.0) -> None:
        super().__init__(query_dim, key_dim, value_dim, normalizer=normalizer, dropout=dropout)
        if not isinstance(shift_range, int) or isinstance(shift_range, bool) or shift_range < 0:
            raise ValueError(f"shift_range must be an integer >= 0 (shifts -R..R); got {shift_range!r}")
        self.shift_range = shift_range
        self.content = CosineAttention(key_dim, key_dim, strength=1.0, normalizer=normalizer)  # beta given per step
        self.parameters_proj = nn.Linear(query_dim, key_dim + 3 + 2 * shift_range + 1)  # k, beta, g, s, gamma

    def head_parameters(self, query: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        """query (B, Dq) -> key (B, Dk), beta (B,), g (B, 1), s (B, 2R+1), gamma (B, 1)."""
        raw = self.parameters_proj(query)  # (B, Dk + 2R + 4)
        key, beta, gate, gamma, shift = raw.split([self.key_dim, 1, 1, 1, 2 * self.shift_range + 1], dim=-1)
        return (key, F.softplus(beta).squeeze(-1), torch.sigmoid(gate), torch.softmax(shift, dim=-1),
                1 + F.softplus(gamma))

    def initial_state(self, cache: KeyCache | Tensor, mask: Tensor | None) -> Tensor:
        """All weight on the first allowed location (B, S); a row with no allowed key: zeros."""
        keys = cache.keys if isinstance(cache, KeyCache) else cache
        batch, size = keys.shape[:2]
        allowed = torch.ones(batch, size, dtype=torch.bool, device=keys.device) if mask is None else (
            mask if mask.dim() == 2 else mask[:, 0]).expand(batch, size)
        first = allowed & (allowed.long().cumsum(-1) == 1)  # (B, S)
        return first.to(keys.dtype)

    def forward(self, query: Tensor, keys: Tensor | KeyCache, values: Tensor | None = None,
                mask: Tensor | None = None, *, state: StepState = None, need_weights: bool = True) -> AttentionOutput:
        """As :meth:`Attention.forward`; ``state`` (B, S) the previous weighting (None: the
        initial one). ``out.state`` is this step's weighting (a sequence's last)."""
        return self.run(query, keys, values, mask, need_weights, previous=state)

    def score(self, query: Tensor, cache: KeyCache, previous: Tensor | None = None) -> Tensor:
        """The sharpening's log-space scores of the T steps run in order over every key:
        query (B, T, Dq) -> (B, T, S). (``attend`` runs the same steps under a mask.)"""
        return self.steps(query, cache, None, previous)[1]

    def address(self, query: Tensor, cache: KeyCache, mask: Tensor | None, previous: Tensor) -> tuple[Tensor, Tensor]:
        """One step: query (B, Dq), mask (B, S) or None, previous (B, S) -> (weights, scores) (B, S)."""
        key, beta, gate, shift, gamma = self.head_parameters(query)
        content = self.content(key, cache, mask=mask, strength=beta).weights  # w^c (B, S), eq. 5-6
        gated = interpolate(content, previous.to(content.dtype), gate)  # w^g, eq. 7
        shifted = circular_shift(gated, shift, mask)  # w~, eq. 8
        scores = sharpen_scores(shifted, gamma)  # eq. 9, in log space
        return get_normalizer(self.normalizer)(scores, mask), scores

    def steps(self, query: Tensor, cache: KeyCache, mask: Tensor | None,
              previous: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
        """The T steps of query (B, T, Dq) in order, each from the weighting before, under mask
        (B|1, T|1, S) or None -> weights (B, T, S), scores (B, T, S), the last weighting (B, S)."""
        batch, size = cache.keys.shape[:2]
        if previous is None:
            previous = self.initial_state(cache, None if mask is None else mask[:, 0].expand(batch, size))
        elif not isinstance(previous, Tensor) or tuple(previous.shape) != (batch, size):
            got = tuple(previous.shape) if isinstance(previous, Tensor) else type(previous).__name__
            raise ValueError(f"{self.label}: state (the previous weighting) must have shape (B, S) = "
                             f"({batch}, {size}); got {got}")
        weights, scores = [], []
        for t in range(query.shape[1]):
            step_mask = None if mask is None else mask[:, t if mask.shape[1] > 1 else 0].expand(batch, size)
            previous, step_scores = self.address(query[:, t], cache, step_mask, previous)
            weights.append(previous)
            scores.append(step_scores)
        return torch.stack(weights, dim=1), torch.stack(scores, dim=1), previous

    def attend(self, query: Tensor, cache: KeyCache, mask: Tensor | None, *, need_weights: bool,
               previous: Tensor | None = None) -> AttentionOutput:
        """query (B, T, Dq), mask (B|1, T|1, S) or None."""
        weights, scores, last = self.steps(query, cache, mask, previous)  # (B, T, S) each, (B, S)
        used = F.dropout(weights, self.dropout, self.training) if self.dropout else weights
        context = torch.bmm(used.to(cache.values.dtype), cache.values)  # (B, T, Dv), eq. 2
        if not need_weights:
            return AttentionOutput(context, None, state=last)
        return AttentionOutput(context, weights, raw_scores=scores, score_mask=mask, state=last)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", shift_range={self.shift_range}"
