"""Local attention, Luong et al. 2015 §3.2: a Gaussian-weighted window around a position."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import replace

import torch
from torch import Tensor, nn

from .base import AttentionOutput, Focus, KeyCache, StepState
from .dot_product import GeneralAttention


def gaussian_window(position: Tensor, lengths: Tensor, num_keys: int,
                    half_width: int) -> tuple[Tensor, Tensor]:
    """The window of half-width D around p_t and its Gaussian factor, as a mask and a log-bias.

    position p_t (B, T) float; lengths (B, T) the number of real keys each query may see;
    returns window (B, T, S) bool (|s - p_t| <= D and s < length) and
    log_factor (B, T, S) = -(s - p_t)^2 / (2 (D/2)^2).
    """
    keys = torch.arange(num_keys, device=position.device, dtype=position.dtype)  # (S,)
    distance = keys[None, None, :] - position[..., None]  # (B, T, S)
    inside = (distance.abs() <= half_width) & (keys[None, None, :] < lengths[..., None])
    sigma = half_width / 2.0
    return inside, -distance.pow(2) / (2.0 * sigma * sigma)


class _LocalAttention(GeneralAttention):
    """Shared by local-m and local-p: general score s^T W h inside the window, times the
    Gaussian exp(-(s - p_t)^2 / (2 (D/2)^2)), renormalised over the window (Luong leaves the
    product unnormalised; attnkit keeps every mechanism's weights a distribution, which is the
    same as adding the log-Gaussian to the scores). D = ``window``.
    """

    def __init__(self, query_dim: int, key_dim: int, value_dim: int | None = None, *,
                 window: int = 10, normalizer: str = "softmax", dropout: float = 0.0) -> None:
        super().__init__(query_dim, key_dim, value_dim, normalizer=normalizer, dropout=dropout)
        if window <= 0:
            raise ValueError(f"window (the half-width D) must be a positive integer; got {window!r}")
        self.window = window

    @abstractmethod
    def centre(self, query: Tensor, lengths: Tensor, position: Tensor | None) -> Tensor:
        """p_t (B, T) for query (B, T, Dq) given the real source lengths (B, T)."""

    def score(self, query: Tensor, cache: KeyCache, position: Tensor | None = None) -> Tensor:
        """The general score; ``position`` is the window's business (``focus``)."""
        return super().score(query, cache)  # (B, T, S)

    def focus(self, query: Tensor, cache: KeyCache, mask: Tensor | None,
              position: Tensor | None = None) -> Focus:
        batch, queries = query.shape[:2]
        sources = cache.keys.shape[1]
        if mask is None:
            lengths = query.new_full((batch, queries), float(sources))
        else:
            lengths = mask.sum(-1).to(query.dtype).expand(batch, queries)  # (B, T)
        centre = self.centre(query, lengths, position)  # (B, T)
        window, log_factor = gaussian_window(centre, lengths, sources, self.window)
        narrowed = window if mask is None else window & mask
        return Focus(narrowed, log_factor, centre)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", window={self.window}"


class LocalMonotonicAttention(_LocalAttention):
    """Local-m attention, Luong et al. 2015 eq. (9)-(10) with p_t = t (monotonic alignment).

    p_t is the query's index t (a sequence query) or ``position=`` (B,) for a step query,
    (B, T) to override; it is clamped to the last real key so that every query whose source is
    not empty sees at least one key.

    The output step index is the step state: ``initial_state`` gives zeros (B,) (long),
    ``forward(..., state=)`` takes it (a sequence query's T queries are steps state + t), and
    ``out.state`` is the index of the next step, (B,): state + 1 after a step query, the index
    after the last query after a sequence. ``position=`` is the older, explicit spelling.
    """

    formula = "s^T W h * exp(-(j - t)^2 / (2 (D/2)^2)), |j - t| <= D"
    paper = "Luong et al. 2015, Effective Approaches to Attention-based NMT, sec. 3.2 (local-m)"

    def initial_state(self, cache: KeyCache | Tensor, mask: Tensor | None) -> Tensor:
        """Step index 0 for every item: (B,) long zeros."""
        keys = cache.keys if isinstance(cache, KeyCache) else cache
        return torch.zeros(keys.shape[0], dtype=torch.long, device=keys.device)  # (B,)

    def forward(self, query: Tensor, keys: Tensor | KeyCache, values: Tensor | None = None,
                mask: Tensor | None = None, *, state: StepState = None, position: Tensor | None = None,
                need_weights: bool = True) -> AttentionOutput:
        """As :meth:`Attention.forward`; ``state`` (B,): the step index of the (first) query, from
        ``initial_state`` or the previous ``out.state``; or ``position`` (B,) for a step query or
        (B, T): p_t. A step query with neither is taken to be step 0. ``out.state`` (B,) is the
        index of the step after the last query."""
        if state is not None:
            if position is not None:
                raise ValueError(f"{self.label}: pass the step index once, as state= or as position=, not both")
            position = self._positions_from_state(state, query)
        if position is not None:
            expected = tuple(query.shape[:-1])
            if tuple(position.shape) != expected:
                raise ValueError(f"{self.label}: position must have shape {expected}; "
                                 f"got {tuple(position.shape)}")
            position = position.reshape(query.shape[0], -1)  # (B, T)
        out = self.run(query, keys, values, mask, need_weights, position=position)
        queries = 1 if query.dim() == 2 else query.shape[1]
        if position is None:  # the queries were steps 0 .. T-1
            following = torch.full((query.shape[0],), queries, dtype=torch.long, device=query.device)
        else:
            following = position[:, -1] + 1  # (B,)
        return replace(out, state=following)

    def _positions_from_state(self, state: StepState, query: Tensor) -> Tensor:
        """state (B,) the first query's step index -> (B,) for a step query, (B, T) for a sequence."""
        if not isinstance(state, Tensor) or tuple(state.shape) != (query.shape[0],):
            shape = tuple(state.shape) if isinstance(state, Tensor) else type(state).__name__
            raise ValueError(f"{self.label}: state must be the step index (B,) = ({query.shape[0]},) "
                             f"from initial_state() or out.state; got {shape}")
        if query.dim() == 2:
            return state  # (B,)
        return state[:, None] + torch.arange(query.shape[1], device=state.device)  # (B, T)

    def centre(self, query: Tensor, lengths: Tensor, position: Tensor | None) -> Tensor:
        if position is None:
            position = torch.arange(query.shape[1], device=query.device)[None, :]  # (1, T)
        position = position.to(query.dtype).expand_as(lengths)  # (B, T)
        return torch.minimum(position, (lengths - 1).clamp_min(0))


class LocalPredictiveAttention(_LocalAttention):
    """Local-p attention, Luong et al. 2015 eq. (9)-(10).

    p_t = S_len * sigmoid(v_p^T tanh(W_p s_t)), S_len the true (unpadded) source length, so the
    window centre is learned; its gradient flows through the Gaussian factor.
    """

    formula = "s^T W h * exp(-(j - p_t)^2 / (2 (D/2)^2)), p_t = S sigmoid(v^T tanh(W_p s))"
    paper = "Luong et al. 2015, Effective Approaches to Attention-based NMT, sec. 3.2 (local-p)"

    def __init__(self, query_dim: int, key_dim: int, value_dim: int | None = None, *,
                 window: int = 10, predictor_dim: int | None = None, normalizer: str = "softmax",
                 dropout: float = 0.0) -> None:
        super().__init__(query_dim, key_dim, value_dim, window=window, normalizer=normalizer,
                         dropout=dropout)
        hidden = query_dim if predictor_dim is None else predictor_dim
        self.position_proj = nn.Linear(query_dim, hidden, bias=False)  # W_p
        self.position_v = nn.Linear(hidden, 1, bias=False)  # v_p

    def centre(self, query: Tensor, lengths: Tensor, position: Tensor | None) -> Tensor:
        gate = torch.sigmoid(self.position_v(torch.tanh(self.position_proj(query)))).squeeze(-1)  # (B, T)
        return lengths * gate
