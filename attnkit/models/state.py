"""What a sequence-to-sequence model carries between decoding steps, shared by all models.

Decoding (greedy, beam) only ever calls ``encode``, ``start`` and ``step`` on a model and
``index_select`` on these objects, so one search serves every model family.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from torch import Tensor

from ..attention import GrowingCache, KeyCache
from ..fields import BOS, EOS, PAD


def _select(value: Any, index: Tensor, dim: int = 0) -> Any:
    if isinstance(value, Tensor):
        return value.index_select(dim, index)
    if isinstance(value, KeyCache | GrowingCache):
        return value.index_select(index)
    if isinstance(value, tuple):
        return tuple(_select(v, index, dim) for v in value)
    return value


@dataclass
class Memory:
    """The encoded source.

    states: (B, S, H) encoder states; final: (B, H) the fixed-length summary;
    mask: (B, S) bool, True = real token; keys: the attention's precomputed key side (or None).
    extra: model-specific tensors with batch first (e.g. a Transformer's per-layer caches).
    beams: decoder rows per memory row: decoder row r reads memory row r // beams (beam search
    over a model with ``beam_shared_memory``, which keeps one memory row per source for its K
    beams instead of K copies).
    """

    states: Tensor
    final: Tensor | None
    mask: Tensor
    keys: Any = None
    extra: Any = None
    beams: int = 1

    def index_select(self, index: Tensor) -> Memory:
        """Rows of the batch in the order ``index`` (B',): expands over beams or reorders."""
        return Memory(**{f.name: _select(getattr(self, f.name), index) for f in fields(self)})


@dataclass
class DecoderState:
    """Recurrent decoder state between steps.

    hidden: (L, B, H); cell: (L, B, H) for LSTM else None; feed: (B, H) Luong's attentional
    vector of the previous step (input feeding) or None; attention: whatever the attention
    mechanism carries from one step to the next (its ``initial_state``, then each output's
    ``state``: previous weights, a position, ...; None for stateless mechanisms), carried without
    being looked at; extra: batch-first tensors a decoder style adds.
    """

    hidden: Tensor
    cell: Tensor | None = None
    feed: Tensor | None = None
    attention: Any = None
    extra: Any = None

    def index_select(self, index: Tensor) -> DecoderState:
        return replace(self, hidden=self.hidden.index_select(1, index),
                       cell=_select(self.cell, index, 1), feed=_select(self.feed, index),
                       attention=_select(self.attention, index), extra=_select(self.extra, index))


@dataclass(frozen=True)
class Specials:
    """The output ids a search treats specially: ``pad`` (a finished row's filler, free of cost),
    ``start`` (the first step's input), ``end`` (stops a hypothesis), and ``banned`` (outputs a
    search never chooses). A model says its own as ``model.specials``; text models use
    TEXT_SPECIALS. ``pad`` may equal ``end`` (a pointer network has no separate padding output)."""

    pad: int
    start: int
    end: int
    banned: tuple[int, ...] = ()


TEXT_SPECIALS = Specials(pad=PAD, start=BOS, end=EOS, banned=(PAD, BOS))


@dataclass
class StepOutput:
    """One decoding step: logits (B, V), the new state, the attention weights (B, S) or None,
    for hard attention the sample's log_prob (B,) and the distribution's entropy (B,), and
    ``allowed`` (B, V) bool, True = the search may choose that output now (None: all but the
    banned specials), e.g. a pointer network's points not chosen yet; ``gate`` (B,) a number
    the model reports for this output (a pointer-generator's p_gen, the probability that it wrote
    from the vocabulary rather than copied), kept per output token by the search like the
    weights."""

    logits: Tensor
    state: Any
    weights: Tensor | None = None
    log_prob: Tensor | None = None
    entropy: Tensor | None = None
    allowed: Tensor | None = None
    gate: Tensor | None = None


@dataclass
class ModelOutput:
    """A teacher-forced pass (or a classifier's answer).

    logits:  (B, T, V) per output position, or (B, C) for a classifier.
    weights: (B, T, S) or (B, S) attention weights for plots and analysis, or None.
    aux:     named inputs of auxiliary loss terms the model asks for, e.g. "reinforce" ->
             SampledAttention; the training objective applies the term registered under each
             name (attnkit.train.objectives), the trainer never looks inside.
    targets: (B, T) the ids the logits are scored against when they are not the output field's
             own (a copying model's extended ids for words it copies), or None.
    """

    logits: Tensor
    weights: Tensor | None = None
    aux: dict[str, Any] = field(default_factory=dict)
    targets: Tensor | None = None


@dataclass
class SampledAttention:
    """What REINFORCE needs from hard attention: the log-probability (B, T) of each sampled key,
    the entropy (B, T) of each sampling distribution, and mask (B, T), True at the positions that
    count (real target tokens)."""

    log_prob: Tensor
    entropy: Tensor
    mask: Tensor


@dataclass
class AttentionCoverage:
    """What the doubly stochastic penalty needs (Xu et al. 2015 eq. 14): the weights (B, T, S)
    of every output step over the input positions, and mask (B, T), True at the steps that count
    (real target tokens, end of sentence included)."""

    weights: Tensor
    mask: Tensor


@dataclass
class TransformerState:
    """Transformer decoder state between steps: per layer, the self-attention GrowingCache of the
    positions decoded so far (None before the first step); step: the next position."""

    caches: tuple
    step: int = 0

    def index_select(self, index: Tensor) -> TransformerState:
        return TransformerState(tuple(_select(c, index) for c in self.caches), self.step)
