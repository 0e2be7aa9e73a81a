"""The pointer-generator (family ``pointer_generator``), See et al. 2017, Get To The Point.

The recurrent encoder-decoder with attention (``rnn``) plus a copy switch: at each output step
p_gen mixes the vocabulary distribution with the attention distribution over the source, so a
source word can be written whether or not the vocabulary has it. Source words outside the
vocabulary get extended ids len(vocab) + k, k numbering the distinct unknown words of each
source in order of first appearance (``fields.text.unknown_words``); the text field turns them
back into the source's words when it decodes. Coverage is the mechanism ``coverage`` (a running
sum of the past weights fed into the score) and, with ``coverage_loss``, the objective's
``coverage`` term.

In the order of See's §2: encoder (a bidirectional RNN over the source), attention (any
mechanism; ``coverage`` for §2.3), decoder and vocabulary distribution (eq. 4), the switch p_gen
(eq. 8) and the final distribution (eq. 9), the loss terms (eq. 6-7 and 12-13).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import Tensor, nn

from ..config import ModelOptions, option
from ..data import Batch
from ..fields import UNK
from ..tasks.schema import Schema
from .rnn_seq2seq import RNNOptions, RNNSeq2Seq
from .state import AttentionCoverage, DecoderState, Memory, ModelOutput, StepOutput

# the probability floor under the log of the final distribution: ids no row can write (an
# extended slot of another source's unknown word) get log(TINY) instead of -inf
TINY = 1e-30


@dataclass(frozen=True)
class PointerGeneratorOptions(RNNOptions):
    """``model.type: pointer_generator``: the rnn family's keys, plus the copy switch and the coverage loss."""

    type: str = option("pointer_generator", "model family")
    cell: Literal["gru", "lstm"] = option("lstm", "recurrent cell of encoder and decoder (See 2017: LSTM)")
    copy: bool = option(True, "the copy switch p_gen (See 2017 eq. 8-9) over an extended vocabulary of the source's "
                              "unknown words; false: the same model writing from the vocabulary alone (a baseline)")
    coverage_loss: bool = option(False, "add the coverage loss lambda sum_i min(a_ti, c_ti) (See 2017 eq. 13; lambda: "
                                        "train.coverage_weight); pair it with model.attention.name: coverage")

    def problems(self) -> list[str]:
        found = super().problems()
        if self.style == "none":
            found.append("model.style: none has no attention to copy with; a pointer_generator needs bahdanau or luong")
        return found


def extended_source_ids(words: Tensor, mask: Tensor, vocab_size: int) -> tuple[Tensor, int]:
    """words (B, S) (``Padded.words``: vocabulary ids, unknown words negative), mask (B, S) ->
    each source position's id in the extended vocabulary (B, S) and the most unknown words of
    any row X: an unknown word's id is vocab_size + k, k its rank among the row's distinct
    unknown words by first appearance (the order of ``fields.text.unknown_words``)."""
    sources = words.shape[1]
    unknown = (words < 0) & mask  # (B, S)
    same = (words[:, :, None] == words[:, None, :]) & unknown[:, None, :]  # (B, S, S): j spells i's unknown word
    first = same.to(torch.uint8).argmax(-1)  # (B, S): the first such j (argmax takes the first maximum)
    is_first = unknown & (first == torch.arange(sources, device=words.device))  # (B, S)
    rank = is_first.long().cumsum(-1) - 1  # (B, S): among the first appearances
    ids = torch.where(unknown, vocab_size + rank.gather(1, first), words.clamp(min=0))  # (B, S)
    return ids, int(is_first.sum(-1).max()) if sources else 0


def extended_target_ids(target_words: Tensor, target_ids: Tensor, source_words: Tensor,
                        source_ids: Tensor, source_mask: Tensor) -> Tensor:
    """The targets to score (B, T): a target word outside the vocabulary that its source holds
    becomes that source word's extended id; one the source lacks stays UNK (See 2017 §2.2)."""
    unknown = target_words < 0  # (B, T)
    match = (target_words[:, :, None] == source_words[:, None, :]) & source_mask[:, None, :]  # (B, T, S)
    found = unknown & match.any(-1)  # (B, T)
    position = match.to(torch.uint8).argmax(-1)  # (B, T)
    return torch.where(found, source_ids.gather(1, position), target_ids)


class PointerGenerator(RNNSeq2Seq):
    """See et al. 2017: RNNSeq2Seq whose output distribution copies from the source.

    encode(batch) -> Memory with extra = (extended source ids (B, S), X unknown-word slots)
    step(tokens (B,), state, memory) -> StepOutput(logits (B, V + X) = log P(w) of eq. 9,
    state, weights (B, S), gate = p_gen (B,))
    forward(batch) -> ModelOutput(logits (B, T, V + X), weights (B, T, S), aux, targets (B, T)
    extended ids), teacher-forced. Source and target share one vocabulary (``joint_fields``).
    """

    Options = PointerGeneratorOptions

    def __init__(self, vocab_size: int, config: PointerGeneratorOptions, *, source: str = "source",
                 target: str = "target") -> None:
        super().__init__(vocab_size, vocab_size, config, source=source, target=target)
        self.vocab_size, self.copy, self.coverage_loss = vocab_size, config.copy, config.coverage_loss
        # eq. 8: p_gen = sigmoid(w_h^T h*_t + w_s^T s_t + w_x^T x_t + b_ptr), one linear map of the
        # decoder's features, which for the bahdanau style are [s_t; h*_t; x_t] (luong: h~_t)
        self.switch = nn.Linear(self.decoder.feature_dim, 1) if config.copy else None

    @classmethod
    def prepare_schema(cls, options: ModelOptions, schema: Schema) -> Schema:
        if not options.copy:
            return schema
        for name in (schema.inputs[0], schema.output):
            schema = schema.with_options(name, keep_oov=True)
        return schema

    @classmethod
    def joint_fields(cls, options: ModelOptions, schema: Schema) -> list[tuple[str, ...]]:
        return [(schema.inputs[0], schema.output)]  # one vocabulary: a copied id is a written id

    @classmethod
    def from_fields(cls, options: PointerGeneratorOptions, schema: Schema,
                    fields: Mapping[str, Any]) -> PointerGenerator:
        source, target = schema.inputs[0], schema.output
        return cls(fields[target].size, options, source=source, target=target)

    def encode(self, batch: Batch) -> Memory:
        memory = super().encode(batch)
        if self.copy:
            source = batch[self.source_name]
            if source.words is None:
                raise ValueError(f"the pointer-generator copies unknown words, but field {self.source_name!r} "
                                 "does not keep them (keep_oov); this run's fields were not made for this model")
            memory.extra = extended_source_ids(source.words, source.mask, self.vocab_size)
        return memory

    def final_distribution(self, features: Tensor, logits: Tensor, weights: Tensor,
                           memory: Memory) -> tuple[Tensor, Tensor]:
        """See eq. 9, P(w) = p_gen P_vocab(w) + (1 - p_gen) sum_{i: w_i = w} a_i, for features
        (B, [T,] F), vocabulary logits (B, [T,] V), weights (B, [T,] S) -> log P (B, [T,] V + X)
        and p_gen (B, [T])."""
        source_ids, slots = memory.extra  # (B, S), X
        p_gen = torch.sigmoid(self.switch(features)).squeeze(-1)  # (B, [T])
        written = torch.softmax(logits.float(), dim=-1) * p_gen[..., None]  # (B, [T,] V)
        final = torch.cat([written, written.new_zeros(*written.shape[:-1], slots)], dim=-1)  # (B, [T,] V + X)
        copied = weights.float() * (1 - p_gen[..., None])  # (B, [T,] S)
        index = source_ids if weights.dim() == 2 else source_ids[:, None].expand_as(weights)
        final = final.scatter_add(-1, index, copied)
        return final.clamp_min(TINY).log(), p_gen

    def step(self, tokens: Tensor, state: DecoderState, memory: Memory) -> StepOutput:
        if not self.copy:
            return super().step(tokens, state, memory)
        tokens = tokens.masked_fill(tokens >= self.vocab_size, UNK)  # a copied unknown word reads as <unk>
        embedded = self.decoder.dropout(self.embedding(tokens))  # (B, E)
        features, state, out = self.decoder.step(embedded, state, memory)
        logits = self.output(self.readout(features))  # (B, V), eq. 4
        log_probs, p_gen = self.final_distribution(features, logits, out.weights, memory)
        return StepOutput(log_probs, state, out.weights, gate=p_gen)

    def forward(self, batch: Batch, need_weights: bool = True) -> ModelOutput:
        """Teacher forcing; logits are log P(w) (B, T, V + X) scored against ``targets`` (the
        extended ids of copied words); ``aux["coverage"]`` with ``coverage_loss``."""
        memory = self.encode(batch)
        target = batch[self.target_name]
        embedded = self.decoder.dropout(self.embedding(target.inputs))  # (B, T, E)
        features, attended = self.decoder.run(embedded, self.start(memory), memory)  # (B, T, F)
        logits = self.output(self.readout(features))  # (B, T, V)
        weights = torch.stack([o.weights for o in attended], dim=1)  # (B, T, S)
        aux = {"coverage": AttentionCoverage(weights, target.mask)} if self.coverage_loss else {}
        if not self.copy:
            return ModelOutput(logits, weights, aux)
        log_probs, _ = self.final_distribution(features, logits, weights, memory)
        source = batch[self.source_name]
        targets = extended_target_ids(target.words, target.data, source.words, memory.extra[0], source.mask)
        return ModelOutput(log_probs, weights, aux, targets=targets)
