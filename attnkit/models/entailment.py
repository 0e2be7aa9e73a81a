"""Recognising entailment with two LSTMs (family ``entailment``, Rocktäschel et al. 2016).

One LSTM reads the premise (outputs Y = y_1..y_S); a second LSTM reads the hypothesis starting
from the premise LSTM's final state ("conditional encoding", §2.2), giving h_1..h_T and the final
h_N. ``model.variant`` chooses what reaches the softmax:

    conditional    h* = tanh(W_x h_N)                                       (no attention)
    attention      r = sum_i a_i y_i, a = attend(h_N, Y);  h* = tanh(W_p r + W_x h_N)    (§2.3)
    word_by_word   for t = 1..T: a_t = attend(h_t + W_r r_{t-1}, Y),
                   r_t = sum_i a_ti y_i + tanh(W_t r_{t-1});  h* = tanh(W_p r_N + W_x h_N)   (§2.4)
    two_way        word_by_word run twice with the same parameters, premise -> hypothesis and
                   hypothesis -> premise, the two h* concatenated                     (§2.5)

``attend`` is any registered mechanism (additive by default, the paper's
w^T tanh(W^y Y + W^h h e_L)). The weights returned are a (B, S) for attention and (B, T, S), one
row per hypothesis word over the premise words, for word_by_word and two_way (its first
direction). Premise and hypothesis share one vocabulary and one embedding table (the paper used
fixed word2vec vectors; here they are learnt).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..attention import build
from ..config import AttentionConfig, ModelOptions, option
from ..data import Batch
from ..tasks.schema import Schema
from .dropout import Dropout
from .family import Family, FamilyError, attention_problems
from .state import ModelOutput, SampledAttention

VARIANTS = ("conditional", "attention", "word_by_word", "two_way")


@dataclass(frozen=True)
class EntailmentOptions(ModelOptions):
    """``model.type: entailment``: premise and hypothesis LSTMs with conditional encoding."""

    type: str = option("entailment", "model family")
    variant: Literal["conditional", "attention", "word_by_word", "two_way"] = option(
        "word_by_word", "what the classifier sees: the conditional encoding alone, attention from the final "
                        "hypothesis state, word-by-word attention, or word-by-word in both directions")
    embedding_dim: int = option(100, "word embedding size (premise and hypothesis share the table)")
    hidden_dim: int = option(100, "LSTM state size k")
    dropout: float = option(0.1, "dropout on embeddings and before the output layer")
    attention: AttentionConfig = field(default_factory=AttentionConfig,
                                       metadata={"help": "the mechanism each hypothesis state attends over the "
                                                         "premise outputs with (attention, word_by_word, two_way)"})

    def problems(self) -> list[str]:
        found = super().problems()
        if self.embedding_dim < 1 or self.hidden_dim < 1:
            found.append("model.embedding_dim and model.hidden_dim must be positive")
        if not 0 <= self.dropout < 1:
            found.append("model.dropout must be in [0, 1)")
        return found or attention_problems(self.attention, self.hidden_dim, self.hidden_dim)


def _run_lstm(lstm: nn.LSTM, inputs: Tensor, lengths: Tensor,
              start: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """inputs (B, L, E), lengths (B,) -> outputs (B, L, H) (zeros past each length) and the final
    (h, c) at each row's last real step, each (1, B, H)."""
    packed = pack_padded_sequence(inputs, lengths.cpu().clamp_min(1), batch_first=True, enforce_sorted=False)
    outputs, final = lstm(packed, start)
    outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=inputs.shape[1])
    return outputs, final


class EntailmentModel(Family, nn.Module):
    """forward(batch, need_weights) -> ModelOutput(logits (B, C), weights (B, S) | (B, T, S) | None)
    for batch[premise] (B, S) and batch[hypothesis] (B, T) token ids."""

    Options = EntailmentOptions
    predictions = ("classify",)
    input_kinds = ("text",)
    output_kinds = ("label",)

    def __init__(self, options: EntailmentOptions, vocab_size: int, classes: int, *,
                 inputs: tuple[str, str] = ("premise", "hypothesis"), output: str = "label") -> None:
        super().__init__()
        self.variant, (self.premise_name, self.hypothesis_name), self.output_name = options.variant, inputs, output
        k = options.hidden_dim
        self.embedding = nn.Embedding(vocab_size, options.embedding_dim, padding_idx=0)
        self.premise_lstm = nn.LSTM(options.embedding_dim, k, batch_first=True)
        self.hypothesis_lstm = nn.LSTM(options.embedding_dim, k, batch_first=True)
        self.dropout = Dropout(options.dropout)
        self.summary = nn.Linear(k, k, bias=False)  # W_x
        if options.variant != "conditional":
            self.attention = build(options.attention.name, query_dim=k, key_dim=k, **options.attention.options)
            self.pooled = nn.Linear(k, k, bias=False)  # W_p
        if options.variant in ("word_by_word", "two_way"):
            self.recur_query = nn.Linear(k, k, bias=False)  # W_r
            self.recur_context = nn.Linear(k, k, bias=False)  # W_t
        self.output = nn.Linear(2 * k if options.variant == "two_way" else k, classes)

    @classmethod
    def check_schema(cls, options: ModelOptions, schema: Schema) -> None:
        kinds = [schema.fields[name].kind for name in schema.inputs]
        if schema.prediction != "classify" or kinds != ["text", "text"] or schema.fields[schema.output].kind != "label":
            raise FamilyError(f"model.type {options.type} (text, text -> label, classify) cannot serve this task: it "
                              f"has {', '.join(kinds)} -> {schema.fields[schema.output].kind} ({schema.prediction})")

    @classmethod
    def joint_fields(cls, options: ModelOptions, schema: Schema) -> list[tuple[str, ...]]:
        return [tuple(schema.inputs)]

    @classmethod
    def from_fields(cls, options: EntailmentOptions, schema: Schema, fields: Mapping[str, Any]) -> EntailmentModel:
        premise, hypothesis = schema.inputs
        return cls(options, fields[premise].size, fields[schema.output].size, inputs=(premise, hypothesis),
                   output=schema.output)

    def _read(self, first: Any, second: Any) -> tuple[Tensor, Tensor, Tensor | None, dict[str, Any]]:
        """h* (B, k) for ``second`` read on top of ``first``, the weights, and aux terms."""
        y, final = _run_lstm(self.premise_lstm, self.dropout(self.embedding(first.data)), first.lengths)
        h, (h_n, _) = _run_lstm(self.hypothesis_lstm, self.dropout(self.embedding(second.data)), second.lengths,
                                start=final)
        h_n = h_n[0]  # (B, k)
        if self.variant == "conditional":
            return torch.tanh(self.summary(h_n)), None, {}
        cache = self.attention.precompute(y)
        if self.variant == "attention":
            out = self.attention(h_n, cache, mask=first.mask)  # context (B, k), weights (B, S)
            sampled = None if out.log_prob is None else (out.log_prob[:, None], out.entropy[:, None],
                                                         torch.ones_like(out.log_prob, dtype=torch.bool)[:, None])
            return torch.tanh(self.pooled(out.context) + self.summary(h_n)), out.weights, {"sampled": sampled}
        r = h_n.new_zeros(h_n.shape)  # r_0 (B, k)
        contexts, weights, log_probs, entropies = [], [], [], []
        state = self.attention.initial_state(cache, first.mask)
        for t in range(h.shape[1]):
            out = self.attention(h[:, t] + self.recur_query(r), cache, mask=first.mask, state=state)
            state = out.state
            r = out.context + torch.tanh(self.recur_context(r))  # r_t (B, k)
            contexts.append(r)
            weights.append(out.weights)
            if out.log_prob is not None:
                log_probs.append(out.log_prob)
                entropies.append(out.entropy)
        last = (second.lengths - 1).clamp_min(0)  # (B,)
        r_n = torch.stack(contexts, 1)[torch.arange(len(last)), last]  # (B, k)
        sampled = (torch.stack(log_probs, 1), torch.stack(entropies, 1), second.mask) if log_probs else None
        return torch.tanh(self.pooled(r_n) + self.summary(h_n)), torch.stack(weights, 1), {"sampled": sampled}

    def forward(self, batch: Batch, need_weights: bool = True) -> ModelOutput:
        premise, hypothesis = batch[self.premise_name], batch[self.hypothesis_name]
        features, weights, extra = self._read(premise, hypothesis)
        samples = [extra.get("sampled")]
        if self.variant == "two_way":
            backward, _, other = self._read(hypothesis, premise)
            features = torch.cat([features, backward], -1)  # (B, 2k)
            samples.append(other.get("sampled"))
        logits = self.output(self.dropout(features))  # (B, C)
        aux = {}
        samples = [s for s in samples if s is not None]
        if samples:  # hard attention: REINFORCE over every sampled key, both directions
            width = max(s[0].shape[1] for s in samples)

            def padded(t: Tensor, fill: Any) -> Tensor:
                return torch.nn.functional.pad(t, (0, width - t.shape[1]), value=fill)

            aux["reinforce"] = SampledAttention(torch.cat([padded(s[0], 0.0) for s in samples], 1),
                                                torch.cat([padded(s[1], 0.0) for s in samples], 1),
                                                torch.cat([padded(s[2], False) for s in samples], 1))
        return ModelOutput(logits, weights, aux)
