"""An attention-based speech recogniser (family ``listener``): Listen, Attend and Spell's pyramidal
encoder (Chan et al. 2016) with Chorowski et al. 2015's attention-based recurrent sequence
generator (ARSG) writing characters.

In the papers' order:

- listener (Chan sec. 3.1): a bidirectional LSTM/GRU over the log-mel frames and ``levels``
  pyramid layers, each halving the frame rate (``models/pyramid_encoder.py``): h = (h_1..h_L');
- attention (Chorowski eq. 1-2, 5-9): alpha_i = Attend(s_{i-1}, alpha_{i-1}, h) with any registered
  mechanism: ``additive`` is content-based attention (eq. 5-6, alpha_{i-1} unused),
  ``location_aware`` adds convolutional features of alpha_{i-1} (eq. 8-9); its sharpening (beta)
  and smoothing (``normalizer: sigmoid``) options (sec. 2.3) are the mechanism's;
- glimpse g_i = sum_j alpha_ij h_j (eq. 2);
- generator (eq. 3-4): s_i = Recurrency(s_{i-1}, [E y_{i-1}; g_i]) and y_i from a deep output over
  [s_i; g_i; E y_{i-1}] (the ``bahdanau`` decoder style of ``models/rnn_decoder.py``, shared with
  the text family), s_0 = tanh(W_b mean_j h_j);
- windowing at decode time (sec. 2.3, ``decode_window`` w > 0): step i may attend only to the
  states within w of the median of alpha_{i-1} (the first step: of state 0), so the cost of a step
  and the chance of jumping far away both stay bounded on long utterances. Training attends
  everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import torch
from torch import Tensor, nn

from ..attention import build
from ..config import AttentionConfig, ModelOptions, option
from ..data import Batch
from ..tasks.schema import Schema
from .dropout import Dropout
from .family import Family, attention_problems
from .pyramid_encoder import PyramidEncoder
from .rnn_decoder import BahdanauDecoder
from .state import DecoderState, Memory, ModelOutput, StepOutput


@dataclass(frozen=True)
class ListenerOptions(ModelOptions):
    """``model.type: listener``: a pyramidal BiLSTM over frames and an attending character decoder."""

    type: str = option("listener", "model family")
    cell: Literal["lstm", "gru"] = option("lstm", "recurrent cell of the encoder layers and the decoder")
    levels: int = option(3, "pyramid levels over the first encoder layer, each halving the frame rate "
                            "(3: one state per 8 frames, Chan et al. 2016)")
    hidden_dim: int = option(128, "decoder state size and encoder output size (hidden_dim/2 per direction)")
    embedding_dim: int = option(32, "character embedding size (E y)")
    decoder_layers: int = option(1, "stacked decoder layers")
    dropout: float = option(0.1, "dropout between encoder levels, on the embeddings and before the output layer")
    decode_window: int = option(0, "at decode time, attend only to encoder states within this many of the median "
                                   "of the previous step's weights (Chorowski et al. 2015 sec. 2.3); 0: everywhere")
    attention: AttentionConfig = field(default_factory=AttentionConfig,
                                       metadata={"help": "the mechanism the decoder state queries the encoder "
                                                         "with (additive: content-based; location_aware: "
                                                         "Chorowski's hybrid)"})

    def problems(self) -> list[str]:
        checks = [
            (self.hidden_dim > 0 and self.hidden_dim % 2 == 0, "model.hidden_dim must be positive and even"),
            (self.embedding_dim > 0, "model.embedding_dim must be positive"),
            (0 <= self.levels <= 6, "model.levels must be 0..6"),
            (self.decoder_layers > 0, "model.decoder_layers must be positive"),
            (0 <= self.dropout < 1, "model.dropout must be in [0, 1)"),
            (self.decode_window >= 0, "model.decode_window must be >= 0 (0: no window)"),
        ]
        found = super().problems() + [message for ok, message in checks if not ok]
        return found or attention_problems(self.attention, self.hidden_dim, self.hidden_dim)


def window_mask(prev_weights: Tensor, mask: Tensor, width: int) -> Tensor:
    """mask (B, S) narrowed to the states within ``width`` of the median of prev_weights (B, S)
    (all zeros, before the first step: of state 0) -> (B, S) bool."""
    median = (prev_weights.cumsum(-1) >= 0.5).to(torch.int8).argmax(-1)  # (B,) first index past half the mass
    positions = torch.arange(mask.shape[1], device=mask.device)  # (S,)
    return mask & ((positions[None, :] - median[:, None]).abs() <= width)  # (B, S)


class Listener(Family, nn.Module):
    """encode(batch) -> Memory(states (B, S', H)); step(tokens (B,), state, memory) ->
    StepOutput(logits (B, V), weights (B, S')); forward(batch) -> ModelOutput(logits (B, T, V),
    weights (B, T, S')), S' = ceil(frames / 2^levels)."""

    Options = ListenerOptions
    predictions = ("generate",)
    input_kinds = ("frames",)
    output_kinds = ("text",)

    def __init__(self, options: ListenerOptions, feature_dim: int, vocab_size: int, *, frames: str = "audio",
                 text: str = "text") -> None:
        super().__init__()
        self.options, self.frames_name, self.text_name = options, frames, text
        hidden = options.hidden_dim
        self.encoder = PyramidEncoder(feature_dim, hidden, levels=options.levels, cell=options.cell,
                                      dropout=options.dropout)
        self.attention = build(options.attention.name, query_dim=hidden, key_dim=hidden, **options.attention.options)
        self.embedding = nn.Embedding(vocab_size, options.embedding_dim, padding_idx=0)  # E
        self.decoder = BahdanauDecoder(options.embedding_dim, hidden, layers=options.decoder_layers, cell=options.cell,
                                       dropout=options.dropout, attention=self.attention)
        self.readout = nn.Sequential(nn.Linear(self.decoder.feature_dim, hidden), nn.Tanh(), Dropout(options.dropout))
        self.output = nn.Linear(hidden, vocab_size)

    @classmethod
    def from_fields(cls, options: ListenerOptions, schema: Schema, fields: Mapping[str, Any]) -> Listener:
        frames, text = schema.inputs[0], schema.output
        return cls(options, fields[frames].dim, fields[text].size, frames=frames, text=text)

    # ---- the generation protocol -----------------------------------------------------------

    def encode(self, batch: Batch) -> Memory:
        frames = batch[self.frames_name]  # data (B, L, D)
        encoded = self.encoder(frames.data, frames.lengths)  # states (B, S', H)
        return Memory(states=encoded.states, final=encoded.final, mask=encoded.mask,
                      keys=self.attention.precompute(encoded.states))

    def start(self, memory: Memory) -> DecoderState:
        state = self.decoder.start(memory)
        if self.options.decode_window:
            state.extra = torch.zeros(memory.mask.shape, device=memory.mask.device)  # alpha_0 (B, S')
        return state

    def step(self, tokens: Tensor, state: DecoderState, memory: Memory) -> StepOutput:
        """One character: tokens (B,) the previous ones -> logits (B, V), weights alpha_i (B, S')."""
        if self.options.decode_window and not self.training and state.extra is not None:
            memory = replace(memory, mask=window_mask(state.extra, memory.mask, self.options.decode_window))
        embedded = self.decoder.dropout(self.embedding(tokens))  # E y_{i-1} (B, E)
        features, new_state, out = self.decoder.step(embedded, state, memory)  # eq. 1-4
        if self.options.decode_window:
            new_state.extra = out.weights  # alpha_i, for the next window
        logits = self.output(self.readout(features))  # (B, V)
        return StepOutput(logits, new_state, out.weights)

    # ---- teacher forcing -------------------------------------------------------------------

    def forward(self, batch: Batch, need_weights: bool = True) -> ModelOutput:
        """Teacher-forced logits (B, T, V) and weights (B, T, S') over the transcript's inputs."""
        memory = self.encode(batch)
        text = batch[self.text_name]
        embedded = self.decoder.dropout(self.embedding(text.inputs))  # (B, T, E)
        features, attended = self.decoder.run(embedded, self.decoder.start(memory), memory)  # (B, T, F)
        logits = self.output(self.readout(features))  # (B, T, V)
        return ModelOutput(logits, torch.stack([o.weights for o in attended], dim=1))
