"""An attention classifier (family ``attention_classifier``): read one input, attend over it
with its own summary, name a label.

The encoder (a recurrent network over text tokens or over frames) turns the input into states
h_1..h_S and a summary h_N (the fixed-length vector); the summary queries the states with any
registered mechanism, r = sum_i a_i h_i (the attention-pooled representation, Rocktäschel et al.
2016 eq. 9-11 with one query), and h* = tanh(W_p r + W_x h_N) (their eq. 12) feeds a softmax
layer over the labels. The weights a say which positions the decision rested on.
"""

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
from .rnn_encoder import RNNEncoder
from .state import ModelOutput, SampledAttention


@dataclass(frozen=True)
class ClassifierOptions(ModelOptions):
    """``model.type: attention_classifier``: an RNN encoder, attention pooling, a label."""

    type: str = option("attention_classifier", "model family")
    cell: Literal["gru", "lstm"] = option("gru", "recurrent cell of the encoder")
    embedding_dim: int = option(64, "token embedding size, or the width input frames are projected to")
    hidden_dim: int = option(128, "encoder state size (hidden_dim/2 per direction when bidirectional)")
    encoder_layers: int = option(1, "stacked encoder layers")
    bidirectional: bool = option(True, "bidirectional encoder")
    dropout: float = option(0.1, "dropout on embeddings, between layers and before the output layer")
    attention: AttentionConfig = field(default_factory=AttentionConfig,
                                       metadata={"help": "the mechanism that pools the encoder states, queried by "
                                                         "the encoder's summary"})

    def problems(self) -> list[str]:
        found = super().problems() + encoder_problems(self)
        return found or attention_problems(self.attention, self.hidden_dim, self.hidden_dim)


class AttentionClassifier(Family, nn.Module):
    """forward(batch, need_weights) -> ModelOutput(logits (B, C), weights (B, S)) for the input
    batch[input] (text ids (B, S) or frames (B, S, D)); hard attention adds aux["reinforce"]."""

    Options = ClassifierOptions
    predictions = ("classify",)
    input_kinds = ("text", "frames")
    output_kinds = ("label",)

    def __init__(self, options: ClassifierOptions, classes: int, *, vocab_size: int | None = None,
                 feature_dim: int | None = None, input_name: str = "source", output_name: str = "label") -> None:
        super().__init__()
        self.input_name, self.output_name = input_name, output_name
        hidden = options.hidden_dim
        self.encoder = RNNEncoder(vocab_size, options.embedding_dim, hidden, layers=options.encoder_layers,
                                  bidirectional=options.bidirectional, cell=options.cell, dropout=options.dropout,
                                  feature_dim=feature_dim)
        self.attention = build(options.attention.name, query_dim=hidden, key_dim=hidden, **options.attention.options)
        self.pooled = nn.Linear(hidden, hidden, bias=False)  # W_p
        self.summary = nn.Linear(hidden, hidden, bias=False)  # W_x
        self.dropout = Dropout(options.dropout)
        self.output = nn.Linear(hidden, classes)

    @classmethod
    def from_fields(cls, options: ClassifierOptions, schema: Schema, fields: Mapping[str, Any]) -> AttentionClassifier:
        name, output = schema.inputs[0], schema.output
        source = fields[name]
        sizes = {"vocab_size": source.size} if source.kind == "text" else {"feature_dim": source.dim}
        return cls(options, fields[output].size, **sizes, input_name=name, output_name=output)

    def forward(self, batch: Batch, need_weights: bool = True) -> ModelOutput:
        source = batch[self.input_name]
        encoded = self.encoder(source.data, source.lengths)  # states (B, S, H), final (B, H)
        out = self.attention(encoded.final, encoded.states, mask=encoded.mask)  # context r (B, H), weights (B, S)
        features = torch.tanh(self.pooled(out.context) + self.summary(encoded.final))  # h* (B, H), eq. 12
        logits = self.output(self.dropout(features))  # (B, C)
        aux = {}
        if out.log_prob is not None:
            ones = torch.ones_like(out.log_prob, dtype=torch.bool)[:, None]  # (B, 1): one sampled key each
            aux["reinforce"] = SampledAttention(out.log_prob[:, None], out.entropy[:, None], ones)
        return ModelOutput(logits, out.weights, aux)

    def answer(self, batch: Batch) -> tuple[Tensor, Tensor | None]:
        """Class probabilities (B, C) and the attention weights (B, S) behind them."""
        out = self.forward(batch, need_weights=True)
        return torch.softmax(out.logits.float(), dim=-1), out.weights
