"""A pointer network (family ``pointer``; Vinyals, Fortunato & Jaitly 2015): attention as the output.

An encoder RNN reads the input points (a frames field: n vectors of D coordinates) into states
e_1..e_n; a decoder RNN reads, at each step, the point it chose last (its projected coordinates;
a learned start vector first) and its state d_i queries the keys [end, e_1..e_n] with any
registered mechanism (additive by default, Vinyals' u_j = v^T tanh(W1 e_j + W2 d_i)). The raw
scores u (B, n + 1) are the output logits: key 0 is a learned end-of-output vector, keys 1..n the
points, so the targets are the positions field's 1-based indices with 0 = end.

The positions field's options choose what the pointer may output at each step (``allowed``, the
same in training and decoding): ``distinct`` masks the points already chosen, ``complete`` allows
the end only once every point is chosen. Greedy and beam search go through the shared
encode / start / step protocol, with ``specials`` saying that the end (0) also starts and pads.
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
from ..fields import POINTER_END
from ..tasks.schema import Schema
from .family import Family, attention_problems, encoder_problems
from .rnn_encoder import RNN_CELLS, RNNEncoder
from .state import DecoderState, Memory, ModelOutput, Specials, StepOutput


@dataclass(frozen=True)
class PointerOptions(ModelOptions):
    """``model.type: pointer``: an RNN encoder over the points, an RNN decoder whose attention
    scores over [end, points] are the output."""

    type: str = option("pointer", "model family")
    cell: Literal["gru", "lstm"] = option("lstm", "recurrent cell of the encoder and the decoder")
    embedding_dim: int = option(128, "the width each point's coordinates are projected to")
    hidden_dim: int = option(128, "encoder and decoder state size (hidden_dim/2 per direction when bidirectional)")
    encoder_layers: int = option(1, "stacked encoder layers")
    bidirectional: bool = option(False, "bidirectional encoder (Vinyals et al. read the points one way)")
    dropout: float = option(0.0, "dropout on the projected points and the encoder states")
    attention: AttentionConfig = field(default_factory=AttentionConfig,
                                       metadata={"help": "the mechanism whose raw scores over [end, points] are the "
                                                         "output logits, queried by the decoder state"})

    def problems(self) -> list[str]:
        found = super().problems() + encoder_problems(self)
        return found or attention_problems(self.attention, self.hidden_dim, self.hidden_dim)


def allowed_outputs(mask: Tensor, chosen: Tensor, *, distinct: bool, complete: bool) -> Tensor:
    """What a pointer may output: mask (B, S + 1) the real keys (key 0 the end), chosen (B, [T,]
    S + 1) the points chosen before (column 0 False) -> allowed (B, [T,] S + 1) bool."""
    real = mask if chosen.dim() == 2 else mask[:, None, :]
    allowed = real & ~chosen if distinct else real.expand_as(chosen).clone()
    if complete:
        allowed[..., POINTER_END] = ~(real[..., 1:] & ~chosen[..., 1:]).any(-1)
    else:
        allowed[..., POINTER_END] = True
    return allowed


class PointerNetwork(Family, nn.Module):
    """forward(batch) -> ModelOutput(logits (B, T, S + 1), weights (B, T, S + 1)), teacher-forced on
    batch[output].inputs; encode / start / step for the shared greedy and beam search."""

    Options = PointerOptions
    predictions = ("point",)
    input_kinds = ("frames",)
    output_kinds = ("positions",)
    specials = Specials(pad=POINTER_END, start=POINTER_END, end=POINTER_END, banned=())

    def __init__(self, options: PointerOptions, feature_dim: int, *, input_name: str = "points",
                 output_name: str = "target", distinct: bool = True, complete: bool = False) -> None:
        super().__init__()
        self.input_name, self.output_name = input_name, output_name
        self.distinct, self.complete = distinct, complete
        hidden, width = options.hidden_dim, options.embedding_dim
        self.encoder = RNNEncoder(None, width, hidden, layers=options.encoder_layers,
                                  bidirectional=options.bidirectional, cell=options.cell, dropout=options.dropout,
                                  feature_dim=feature_dim)
        self.decoder = RNN_CELLS[options.cell](width, hidden, batch_first=True)
        self.attention = build(options.attention.name, query_dim=hidden, key_dim=hidden, **options.attention.options)
        self.start_input = nn.Parameter(torch.empty(width).uniform_(-0.1, 0.1))  # the first step's input
        self.end_key = nn.Parameter(torch.empty(hidden).uniform_(-0.1, 0.1))  # key 0: the end of output
        self.lstm = options.cell == "lstm"

    @classmethod
    def from_fields(cls, options: PointerOptions, schema: Schema, fields: Mapping[str, Any]) -> PointerNetwork:
        name, output = schema.inputs[0], schema.output
        target = fields[output]
        if target.of != name:
            raise ValueError(f"the pointer's output {output!r} points into {target.of!r}, but the model reads {name!r}")
        return cls(options, fields[name].dim, input_name=name, output_name=output, distinct=target.distinct,
                   complete=target.complete)

    # ---- the shared generation protocol ----

    def encode(self, batch: Batch) -> Memory:
        """states = keys (B, S + 1, H) [end, e_1..e_S]; mask (B, S + 1); extra: each key's decoder
        input (B, S + 1, E), [start, the projected points]."""
        points = batch[self.input_name]
        encoded = self.encoder(points.data, points.lengths)  # states (B, S, H)
        batch_size = encoded.states.shape[0]
        keys = torch.cat([self.end_key.expand(batch_size, 1, -1).to(encoded.states.dtype), encoded.states], 1)
        mask = torch.cat([encoded.mask.new_ones(batch_size, 1), encoded.mask], 1)  # (B, S + 1)
        projected = self.encoder.embedding(points.data)  # (B, S, E)
        inputs = torch.cat([self.start_input.expand(batch_size, 1, -1).to(projected.dtype), projected], 1)
        return Memory(states=keys, final=encoded.final, mask=mask, keys=self.attention.precompute(keys),
                      extra=inputs)

    def start(self, memory: Memory) -> DecoderState:
        hidden = memory.final[None].contiguous()  # (1, B, H)
        chosen = torch.zeros_like(memory.mask)  # (B, S + 1) the points chosen so far
        return DecoderState(hidden, torch.zeros_like(hidden) if self.lstm else None, extra=chosen)

    def step(self, previous: Tensor, state: DecoderState, memory: Memory) -> StepOutput:
        """previous (B,) the key chosen last (0 at the start) -> logits (B, S + 1) over [end, points],
        the pointer's distribution as weights, and the allowed outputs."""
        rows = torch.arange(previous.shape[0], device=previous.device)
        x = memory.extra[rows, previous][:, None]  # (B, 1, E)
        carried = (state.hidden, state.cell) if self.lstm else state.hidden
        output, carried = self.decoder(x, carried)
        hidden, cell = carried if self.lstm else (carried, None)
        chosen = state.extra.clone()
        chosen[rows, previous] = True
        chosen[:, POINTER_END] = False
        allowed = allowed_outputs(memory.mask, chosen, distinct=self.distinct, complete=self.complete)
        out = self.attention(output[:, 0], memory.keys, mask=allowed)
        return StepOutput(out.scores, DecoderState(hidden, cell, extra=chosen), out.weights, allowed=allowed)

    # ---- teacher forcing ----

    def forward(self, batch: Batch, need_weights: bool = True) -> ModelOutput:
        memory = self.encode(batch)
        target = batch[self.output_name]
        inputs = target.inputs  # (B, T): 0 (start), then the previous targets
        x = memory.extra.gather(1, inputs[..., None].expand(-1, -1, memory.extra.shape[-1]))  # (B, T, E)
        initial = (memory.final[None].contiguous(), torch.zeros_like(memory.final[None])) if self.lstm \
            else memory.final[None].contiguous()
        queries, _ = self.decoder(x, initial)  # (B, T, H)
        picked = torch.zeros(*inputs.shape, memory.mask.shape[1], dtype=torch.bool, device=inputs.device)
        picked.scatter_(2, inputs[..., None], True)  # (B, T, S + 1): the input of each step
        picked[..., POINTER_END] = False
        chosen = picked.cumsum(1) > 0  # (B, T, S + 1) chosen before each step
        allowed = allowed_outputs(memory.mask, chosen, distinct=self.distinct, complete=self.complete)
        out = self.attention(queries, memory.keys, mask=allowed)
        return ModelOutput(out.scores, out.weights)
