"""The recurrent encoder-decoder, assembled: encoder, a decoder style, an output layer."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..attention import build
from ..config import ModelConfig
from .dropout import Dropout
from .intra_encoder import IntraAttentionEncoder
from .rnn_decoder import DECODER_STYLES
from .rnn_encoder import RNNEncoder
from .state import DecoderState, Memory, SequenceOutput, StepOutput


def _stack(values: list, dim: int = 1) -> Tensor | None:
    return None if not values or values[0] is None else torch.stack(values, dim=dim)


class RNNSeq2Seq(nn.Module):
    """RNN encoder-decoder with or without attention (config ``model.style``).

    encode(source (B, S), lengths (B,)) -> Memory (the attention's key side precomputed once)
    start(memory) -> DecoderState
    step(tokens (B,), state, memory) -> StepOutput(logits (B, V), state, weights (B, S))
    forward(source, lengths, target_in (B, T), need_weights) -> SequenceOutput(logits (B, T, V), weights (B, T, S))
    """

    def __init__(self, source_vocab: int, target_vocab: int, config: ModelConfig) -> None:
        super().__init__()
        hidden = config.hidden_dim
        if config.intra_attention:
            self.encoder = IntraAttentionEncoder(source_vocab, config.embedding_dim, hidden,
                                                 layers=config.encoder_layers, cell=config.cell, dropout=config.dropout)
        else:
            self.encoder = RNNEncoder(source_vocab, config.embedding_dim, hidden, layers=config.encoder_layers,
                                      bidirectional=config.bidirectional, cell=config.cell, dropout=config.dropout)
        attention = None
        if config.style != "none":
            attention = build(config.attention.name, query_dim=hidden, key_dim=hidden,
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

    def encode(self, source: Tensor, lengths: Tensor) -> Memory:
        encoded = self.encoder(source, lengths)
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

    def forward(self, source: Tensor, lengths: Tensor, target_in: Tensor, need_weights: bool = True) -> SequenceOutput:
        """Teacher forcing; the weights (B, T, S) come with it whatever ``need_weights`` says (the
        recurrence computes them anyway)."""
        memory = self.encode(source, lengths)
        embedded = self.decoder.dropout(self.embedding(target_in))  # (B, T, E)
        features, attended = self.decoder.run(embedded, self.start(memory), memory)  # (B, T, F)
        logits = self.output(self.readout(features))  # (B, T, V)
        if attended[0] is None:
            return SequenceOutput(logits)
        return SequenceOutput(logits, _stack([o.weights for o in attended]),
                              _stack([o.log_prob for o in attended]), _stack([o.entropy for o in attended]))
