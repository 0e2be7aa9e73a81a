"""The recurrent encoder-decoder (family ``rnn``), assembled: encoder, a decoder style, an
output layer; and its options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch import Tensor, nn

from ..attention import build
from ..config import AttentionConfig, ModelOptions, option
from ..data import Batch
from ..tasks.schema import Schema
from .dropout import Dropout
from .family import Family, attention_problems, encoder_problems
from .intra_encoder import IntraAttentionEncoder
from .rnn_decoder import DECODER_STYLES
from .rnn_encoder import RNNEncoder
from .state import DecoderState, Memory, ModelOutput, SampledAttention, StepOutput


@dataclass(frozen=True)
class RNNOptions(ModelOptions):
    """``model.type: rnn``: a recurrent encoder and a decoder style with attention."""

    type: str = option("rnn", "model family")
    style: Literal["none", "bahdanau", "luong"] = option(
        "bahdanau", "rnn decoder style: none (fixed vector), bahdanau (previous state queries), "
                    "luong (current state queries, attentional vector, input feeding)")
    attentional_tanh: bool = option(True, "luong style: the attentional vector is tanh(W_c [c_t; h_t]) (Luong 2015 "
                                          "eq. 5); false: the linear W_c [c_t; h_t] + b, as OpenNMT-py builds it "
                                          "with additive scores")
    cell: Literal["gru", "lstm"] = option("gru", "recurrent cell of encoder and decoder")
    embedding_dim: int = option(64, "token embedding size (source and target)")
    hidden_dim: int = option(128, "decoder state size; the encoder uses hidden_dim/2 per direction "
                                  "when bidirectional")
    encoder_layers: int = option(1, "stacked encoder layers")
    decoder_layers: int = option(1, "stacked decoder layers")
    bidirectional: bool = option(True, "bidirectional encoder")
    dropout: float = option(0.1, "dropout on embeddings and between layers")
    intra_attention: bool = option(False, "encoder with self-attention over its previous states "
                                          "(Cheng et al. 2016, LSTMN-style; unidirectional, slower)")
    attention: AttentionConfig = field(default_factory=AttentionConfig,
                                       metadata={"help": "the attention mechanism (ignored by style none)"})

    def problems(self) -> list[str]:
        checks = [
            (self.decoder_layers > 0, "layers must be positive"),
            (self.attentional_tanh or self.style == "luong",
             "model.attentional_tanh: false is an option of the luong decoder style (model.style: luong)"),
            (not self.intra_attention or not self.bidirectional,
             "model.intra_attention needs model.bidirectional: false (each step attends to earlier states only)"),
        ]
        found = super().problems() + encoder_problems(self) + [message for ok, message in checks if not ok]
        if found or self.style == "none":
            return found
        return attention_problems(self.attention, self.hidden_dim, self.hidden_dim)


def _stack(values: list, dim: int = 1) -> Tensor | None:
    return None if not values or values[0] is None else torch.stack(values, dim=dim)


class RNNSeq2Seq(Family, nn.Module):
    """RNN encoder-decoder with or without attention (config ``model.style``), text -> text.

    encode(batch) -> Memory of batch[source] (data (B, S) ids; the attention's key side
    precomputed once)
    start(memory) -> DecoderState
    step(tokens (B,), state, memory) -> StepOutput(logits (B, V), state, weights (B, S))
    forward(batch, need_weights) -> ModelOutput(logits (B, T, V), weights (B, T, S)), teacher-forced
    on batch[target].inputs (B, T)
    """

    Options = RNNOptions
    predictions = ("generate",)

    def __init__(self, source_vocab: int, target_vocab: int, config: RNNOptions, *, source: str = "source",
                 target: str = "target") -> None:
        super().__init__()
        self.source_name, self.target_name = source, target
        hidden = config.hidden_dim
        if config.intra_attention:
            self.encoder = IntraAttentionEncoder(source_vocab, config.embedding_dim, hidden,
                                                 layers=config.encoder_layers, cell=config.cell, dropout=config.dropout)
        else:
            self.encoder = RNNEncoder(source_vocab, config.embedding_dim, hidden, layers=config.encoder_layers,
                                      bidirectional=config.bidirectional, cell=config.cell, dropout=config.dropout)
        attention = None
        if config.style != "none":
            attention = build(config.attention.name, query_dim=hidden, key_dim=self.encoder.output_dim,
                              **config.attention.options)
        self.embedding = nn.Embedding(target_vocab, config.embedding_dim, padding_idx=0)
        style = DECODER_STYLES[config.style]
        self.decoder = style(config.embedding_dim, hidden, layers=config.decoder_layers, cell=config.cell,
                             dropout=config.dropout, attention=attention,
                             **{name: getattr(config, name) for name in style.model_options})
        if self.decoder.deep_output:  # one tanh layer over [s_t; c_t; y_{t-1}] (Bahdanau's deep output)
            self.readout = nn.Sequential(nn.Linear(self.decoder.feature_dim, hidden), nn.Tanh(),
                                         Dropout(config.dropout))
        else:  # Luong: softmax(W_s h~_t) straight from the attentional vector
            self.readout = nn.Identity()
        self.output = nn.Linear(hidden, target_vocab)
        self.attention = attention

    @classmethod
    def from_fields(cls, options: RNNOptions, schema: Schema, fields: Mapping[str, Any]) -> RNNSeq2Seq:
        source, target = schema.inputs[0], schema.output
        return cls(fields[source].size, fields[target].size, options, source=source, target=target)

    def encode(self, batch: Batch) -> Memory:
        source = batch[self.source_name]
        encoded = self.encoder(source.data, source.lengths)
        keys = None if self.attention is None else self.attention.precompute(encoded.states)
        return Memory(states=encoded.states, final=encoded.final, mask=encoded.mask, keys=keys)

    def start(self, memory: Memory) -> DecoderState:
        return self.decoder.start(memory)

    def step(self, tokens: Tensor, state: DecoderState, memory: Memory) -> StepOutput:
        embedded = self.decoder.dropout(self.embedding(tokens))  # (B, E)
        features, state, out = self.decoder.step(embedded, state, memory)
        logits = self.output(self.readout(features))  # (B, V)
        if out is None:
            return StepOutput(logits, state)
        return StepOutput(logits, state, out.weights, out.log_prob, out.entropy)

    def forward(self, batch: Batch, need_weights: bool = True) -> ModelOutput:
        """Teacher forcing; the weights (B, T, S) come with it whatever ``need_weights`` says (the
        recurrence computes them anyway). Hard attention adds ``aux["reinforce"]``: the samples'
        log-probabilities and entropies (B, T) over the real target positions."""
        memory = self.encode(batch)
        target = batch[self.target_name]
        embedded = self.decoder.dropout(self.embedding(target.inputs))  # (B, T, E)
        features, attended = self.decoder.run(embedded, self.start(memory), memory)  # (B, T, F)
        logits = self.output(self.readout(features))  # (B, T, V)
        if attended[0] is None:
            return ModelOutput(logits)
        log_prob = _stack([o.log_prob for o in attended])
        aux = {} if log_prob is None else {
            "reinforce": SampledAttention(log_prob, _stack([o.entropy for o in attended]), target.mask)}
        return ModelOutput(logits, _stack([o.weights for o in attended]), aux)
