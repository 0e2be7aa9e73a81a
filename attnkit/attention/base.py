"""The contract every mechanism honours, and the shared plumbing that enforces it.

    forward(query (B, Dq) or (B, T, Dq), keys (B, S, Dk) or a KeyCache,
            values (B, S, Dv) = keys, mask (B, S) or (B, T, S), True = may attend)
        -> AttentionOutput(context (B, [T,] Dv), weights (B, [T,] S))

Step state is the mechanism's own: ``initial_state(cache, mask)`` gives it before the first
decoder step, ``forward(..., state=...)`` takes it and ``out.state`` is the next one. A decoder
carries it without looking inside (None for stateless mechanisms; otherwise a Tensor or a tuple
of Tensors with batch first, so a beam search reorders it with ``index_select(0, ...)``).

A mechanism subclasses :class:`Attention` and supplies the pieces: ``score`` (the formula),
optionally ``project_keys`` (key-side work done once per source), ``focus`` (narrowing where a
query may look, as local attention does) and ``normalize_scores`` (soft by default; hard
attention samples). The base class validates shapes, converts a step query to a sequence of one
and back, and turns weights into a context vector.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple, TypeAlias

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .masking import fill_masked
from .normalizers import NORMALIZERS, get_normalizer

# What a mechanism carries from one decoder step to the next: None, or batch-first tensors.
StepState: TypeAlias = Tensor | tuple[Tensor, ...] | None


@dataclass
class AttentionOutput:
    """What every mechanism returns. Unpacks as ``context, weights = out``.

    context:  (B, T, Dv), or (B, Dv) for a step query.
    weights:  (B, T, S), or (B, S) for a step query; (B, H, T, S) for multi-head attention asked
              for per-head weights; None when the caller passed ``need_weights=False``.
              Rows sum to 1 over allowed keys, masked keys are exactly 0, empty rows all 0.
    log_prob: (B, T) or (B,): log-probability of the key a hard-attention sample picked (for
              REINFORCE); None for soft mechanisms.
    entropy:  (B, T) or (B,): entropy of hard attention's sampling distribution (for an
              exploration bonus); None for soft mechanisms.
    position: (B, T) or (B,): the window centre p_t of local attention; None otherwise.
    scores:   (B, T, S) or (B, S) (a property): the raw scores as the normaliser receives them
              (after any focus bias, e.g. local attention's log-Gaussian), usable as logits (a
              pointer network's). Keys the normaliser may not use (masked, or outside a local
              window) hold the dtype's most negative finite value, so ``softmax(scores)`` over a
              row with a key is the softmax weights; a row with no key is all that value. Given
              whenever ``need_weights`` is True; None on fused paths (``need_weights=False``).
              Multi-head attention gives them per head, (B, H, [T,] S), even when its weights
              are averaged. Kept as ``raw_scores`` and ``score_mask`` and filled only when read,
              so a decoder that never asks pays nothing at each step.
    state:    the step state for the next decoder step, to pass back as ``state=``: a Tensor or
              a tuple of Tensors with batch first, or None for stateless mechanisms. It does
              not have a query axis: for a sequence query it is the state after the last query.
    """

    context: Tensor
    weights: Tensor | None
    log_prob: Tensor | None = None
    position: Tensor | None = None
    entropy: Tensor | None = None
    raw_scores: Tensor | None = None
    score_mask: Tensor | None = None
    state: StepState = None

    @property
    def scores(self) -> Tensor | None:
        return None if self.raw_scores is None else fill_masked(self.raw_scores, self.score_mask)

    def __iter__(self):
        return iter((self.context, self.weights))

    def __getitem__(self, index: int) -> Tensor | None:
        return (self.context, self.weights)[index]

    def __len__(self) -> int:
        return 2

    def squeeze_query(self) -> AttentionOutput:
        """Drop the query axis T = 1 (the step form): (B, 1, ...) -> (B, ...), and
        (B, H, 1, S) -> (B, H, S) for per-head weights and scores. The state has no query axis."""
        def drop(t: Tensor | None) -> Tensor | None:
            if t is None:
                return None
            return t.squeeze(2) if t.dim() == 4 else t.squeeze(1)  # (B, H, 1, S) or (B, 1, ...)

        return AttentionOutput(
            context=self.context.squeeze(1),
            weights=drop(self.weights),
            log_prob=drop(self.log_prob),
            position=drop(self.position),
            entropy=drop(self.entropy),
            raw_scores=drop(self.raw_scores),
            score_mask=drop(self.score_mask),
            state=self.state,
        )


@dataclass(frozen=True)
class KeyCache:
    """Key-side work for one batch of sources, from ``attention.precompute(keys, values)``.

    Hand it back in place of ``keys`` at every decoder step; results equal the direct call.

    keys:      (B, S, Dk) the keys as given.
    values:    (B, S, Dv) the values (multi-head: already projected, (B, H, S, Dh)).
    projected: the mechanism's key projection (e.g. U h + b for additive, (B, S, A)), or None.
    head_projected: multi-head attention with another score per head (``score=``): that
              score's own key-side work for every head (e.g. U k + b for additive, (B, H, S, A)),
              or None when it has none or it is left to be recomputed.
    """

    keys: Tensor
    values: Tensor
    projected: Tensor | None = None
    head_projected: Tensor | None = None

    def index_select(self, index: Tensor) -> KeyCache:
        """Pick batch rows, e.g. to expand a source over beams or reorder them. index: (B',)."""
        return KeyCache(
            keys=self.keys.index_select(0, index),
            values=self.values.index_select(0, index),
            projected=None if self.projected is None else self.projected.index_select(0, index),
            head_projected=(None if self.head_projected is None
                            else self.head_projected.index_select(0, index)),
        )


class Normalized(NamedTuple):
    """What ``normalize_scores`` returns: weights (B, T, S) and, for stochastic mechanisms, the
    sample's log-probability (B, T) and the sampling distribution's entropy (B, T)."""

    weights: Tensor
    log_prob: Tensor | None = None
    entropy: Tensor | None = None


class Focus(NamedTuple):
    """Where queries may look, as ``focus`` returns it: a narrowed mask (B|1, T|1, S) or None,
    an additive score bias (B, T, S) or None, and a window centre (B, T) or None."""

    mask: Tensor | None
    bias: Tensor | None = None
    position: Tensor | None = None


def _shape(t: Tensor) -> tuple[int, ...]:
    return tuple(t.shape)


class Attention(nn.Module, metaclass=ABCMeta):
    """Base class of every mechanism. Subclasses set ``formula`` and ``paper`` and implement
    ``score``. Arguments shared by all:

    query_dim: Dq, the size of a query vector (decoder state).
    key_dim:   Dk, the size of a key vector (encoder state).
    value_dim: Dv, checked when given; values default to the keys.
    normalizer: "softmax" (default), "sparsemax" or "entmax15".
    dropout:   dropout on the weights used for the context (training only); the returned
               weights are the undropped distribution.
    """

    formula: ClassVar[str] = ""
    paper: ClassVar[str] = ""

    def __init__(self, query_dim: int, key_dim: int, value_dim: int | None = None, *,
                 normalizer: str = "softmax", dropout: float = 0.0) -> None:
        super().__init__()
        for option, value in (("query_dim", query_dim), ("key_dim", key_dim)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{option} must be a positive integer; got {value!r}")
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError(f"value_dim must be a positive integer or None; got {value_dim!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1); got {dropout!r}")
        if normalizer not in NORMALIZERS:
            raise ValueError(f"unknown normalizer {normalizer!r}; choose one of {sorted(NORMALIZERS)}")
        self.query_dim, self.key_dim, self.value_dim = query_dim, key_dim, value_dim
        self.normalizer = normalizer
        self.dropout = dropout

    @property
    def label(self) -> str:
        return type(self).__name__

    # ---- pieces a mechanism supplies -------------------------------------------------------

    def project_keys(self, keys: Tensor) -> Tensor | None:
        """Key-side work done once per source. keys (B, S, Dk) -> anything, or None."""
        return None

    @abstractmethod
    def score(self, query: Tensor, cache: KeyCache, **inputs: Any) -> Tensor:
        """The score formula. query (B, T, Dq), cache.keys (B, S, Dk) -> scores (B, T, S).
        ``inputs`` are the per-call keyword inputs a mechanism's forward passes on (the previous
        weights, a position, a strength)."""

    def focus(self, query: Tensor, cache: KeyCache, mask: Tensor | None, **inputs: Any) -> Focus:
        """Narrow where each query may look. Default: the caller's mask, no bias."""
        return Focus(mask)

    def normalize_scores(self, scores: Tensor, mask: Tensor | None) -> Normalized:
        """scores (B, T, S) -> weights (B, T, S) (plus log_prob, entropy for hard attention)."""
        return Normalized(get_normalizer(self.normalizer)(scores, mask))

    def initial_state(self, cache: KeyCache | Tensor, mask: Tensor | None) -> StepState:
        """The step state before the first decoder step, for ``forward(..., state=)``.

        cache: a KeyCache from ``precompute`` (or the keys (B, S, Dk)); mask (B, S) or None.
        Stateless mechanisms (the default) return None.
        """
        return None

    # ---- the contract ----------------------------------------------------------------------

    def precompute(self, keys: Tensor, values: Tensor | None = None) -> KeyCache:
        """Do the key-side work once per source; pass the result as ``keys`` at every step.

        keys (B, S, Dk), values (B, S, Dv) = keys -> KeyCache.
        """
        self._check_keys(keys, values)
        values = keys if values is None else values
        return KeyCache(keys=keys, values=values, projected=self.project_keys(keys))

    def forward(self, query: Tensor, keys: Tensor | KeyCache, values: Tensor | None = None,
                mask: Tensor | None = None, *, state: StepState = None,
                need_weights: bool = True) -> AttentionOutput:
        """query (B, Dq) or (B, T, Dq); keys (B, S, Dk) or a KeyCache; values (B, S, Dv) = keys;
        mask (B, S) or (B, T, S), True = may attend; state: what ``initial_state`` or the previous
        step's ``out.state`` gave (None here: this mechanism keeps no state). Returns context
        (B, [T,] Dv), weights (B, [T,] S) and raw scores (B, [T,] S), or None weights and scores
        when ``need_weights=False``."""
        self._refuse_state(state)
        return self.run(query, keys, values, mask, need_weights)

    def run(self, query: Tensor, keys: Tensor | KeyCache, values: Tensor | None, mask: Tensor | None,
            need_weights: bool, **inputs: Any) -> AttentionOutput:
        """Validate, bring the query to sequence form, attend, and return in the caller's form.
        Subclasses with per-call inputs (previous weights, a position) call this from their own
        ``forward`` and pass them as keywords."""
        cache = keys if isinstance(keys, KeyCache) else self.precompute(keys, values)
        if isinstance(keys, KeyCache) and values is not None:
            raise ValueError(f"{self.label}: pass values to precompute(), not beside a KeyCache")
        step = self._check_query(query, cache)
        seq_query = query.unsqueeze(1) if step else query  # (B, T, Dq)
        seq_mask = self._check_mask(mask, seq_query, cache)  # (B|1, T|1, S) or None
        out = self.attend(seq_query, cache, seq_mask, need_weights=need_weights, **inputs)
        return out.squeeze_query() if step else out

    def attend(self, query: Tensor, cache: KeyCache, mask: Tensor | None, *, need_weights: bool,
               **inputs: Any) -> AttentionOutput:
        """The plain path, in sequence form: query (B, T, Dq), mask (B|1, T|1, S) or None."""
        focus = self.focus(query, cache, mask, **inputs)
        scores = self.score(query, cache, **inputs)  # (B, T, S)
        if focus.bias is not None:
            scores = scores + focus.bias
        weights, log_prob, entropy = self.normalize_scores(scores, focus.mask)
        used = F.dropout(weights, self.dropout, self.training) if self.dropout else weights
        context = torch.bmm(used.to(cache.values.dtype), cache.values)  # (B, T, Dv)
        if not need_weights:
            return AttentionOutput(context, None, log_prob, focus.position, entropy)
        return AttentionOutput(context, weights, log_prob, focus.position, entropy,
                               raw_scores=scores, score_mask=focus.mask)  # scores (B, T, S)

    def _refuse_state(self, state: StepState) -> None:
        """A stateless mechanism given a state: the caller is carrying someone else's."""
        if state is not None:
            raise ValueError(f"{self.label} keeps no state between steps (its initial_state() and "
                             f"out.state are None); got state of type {type(state).__name__}. Pass "
                             "state=None, or the state this mechanism returned.")

    # ---- validation: user mistakes become ValueErrors naming shapes ----------------------

    def _check_keys(self, keys: Tensor, values: Tensor | None) -> None:
        if keys.dim() != 3 or keys.shape[-1] != self.key_dim:
            raise ValueError(f"{self.label}: keys must have shape (B, S, {self.key_dim}) "
                             f"(key_dim={self.key_dim}); got {_shape(keys)}")
        if values is None:
            return
        if values.dim() != 3 or values.shape[:2] != keys.shape[:2]:
            raise ValueError(f"{self.label}: values must have shape (B, S, Dv) with B, S of the keys "
                             f"{_shape(keys)[:2]}; got {_shape(values)}")
        if self.value_dim is not None and values.shape[-1] != self.value_dim:
            raise ValueError(f"{self.label}: values must have last dimension value_dim="
                             f"{self.value_dim}; got {_shape(values)}")

    def _check_query(self, query: Tensor, cache: KeyCache) -> bool:
        """Returns True for a step query (B, Dq)."""
        if query.dim() not in (2, 3) or query.shape[-1] != self.query_dim:
            raise ValueError(f"{self.label}: query must have shape (B, {self.query_dim}) or "
                             f"(B, T, {self.query_dim}) (query_dim={self.query_dim}); got {_shape(query)}")
        if query.shape[0] != cache.keys.shape[0]:
            raise ValueError(f"{self.label}: query batch {query.shape[0]} does not match keys batch "
                             f"{cache.keys.shape[0]} (query {_shape(query)}, keys {_shape(cache.keys)})")
        return query.dim() == 2

    def _check_mask(self, mask: Tensor | None, query: Tensor, cache: KeyCache) -> Tensor | None:
        """mask (B|1, S) or (B|1, T|1, S) bool -> (B|1, T|1, S)."""
        if mask is None:
            return None
        if mask.dtype != torch.bool:
            raise ValueError(f"{self.label}: mask must be a bool tensor with True = may attend; got "
                             f"dtype {mask.dtype}. Convert lengths with lengths_to_mask() and "
                             "PyTorch-style masks (True = ignore) with mask_from_torch().")
        (batch, queries, _), keys = query.shape, cache.keys.shape[1]
        mask3 = mask.unsqueeze(1) if mask.dim() == 2 else mask
        ok = (mask3.dim() == 3 and mask3.shape[0] in (1, batch) and mask3.shape[1] in (1, queries)
              and mask3.shape[2] == keys)
        if not ok:
            raise ValueError(f"{self.label}: mask must have shape (B, S) = ({batch}, {keys}) or "
                             f"(B, T, S) = ({batch}, {queries}, {keys}); got {_shape(mask)}")
        return mask3

    def extra_repr(self) -> str:
        return (f"query_dim={self.query_dim}, key_dim={self.key_dim}, normalizer={self.normalizer!r}"
                + (f", dropout={self.dropout}" if self.dropout else ""))

