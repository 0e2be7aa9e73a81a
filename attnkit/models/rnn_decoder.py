"""Recurrent decoder styles: none (fixed vector), Bahdanau and Luong.

Each style turns the previous token's embedding and the decoder state into a feature vector
for the output layer and a new state. All share the recurrence and the bridge from the
encoder's summary to the initial state; only how (and whether) they attend differs.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

import torch
from torch import Tensor, nn

from ..attention import Attention, AttentionOutput
from .dropout import Dropout
from .rnn_encoder import RNN_CELLS
from .state import DecoderState, Memory


class RecurrentDecoder(nn.Module, metaclass=ABCMeta):
    """Shared parts: an n-layer GRU/LSTM fed one step at a time, and the bridge
    s_0 = tanh(W_b final) that starts every layer from the encoder's summary.

    Subclasses define ``feature_dim``, ``deep_output`` (whether the features still need a
    tanh layer before the vocabulary projection) and ``step``, and name in ``model_options``
    the ``model.*`` config keys their constructor takes beyond the shared ones.
    """

    model_options: tuple[str, ...] = ()

    def __init__(self, embedding_dim: int, hidden_dim: int, input_dim: int, *, layers: int,
                 cell: str, dropout: float) -> None:
        super().__init__()
        self.hidden_dim, self.layers, self.cell = hidden_dim, layers, cell
        self.rnn = RNN_CELLS[cell](input_dim, hidden_dim, num_layers=layers, batch_first=True,
                                   dropout=dropout if layers > 1 else 0.0)
        self.bridge = nn.Linear(hidden_dim, hidden_dim * layers)
        self.dropout = Dropout(dropout)
        self.attention: Attention | None = None  # a style with attention sets its mechanism

    def start(self, memory: Memory) -> DecoderState:
        batch = memory.final.shape[0]
        hidden = torch.tanh(self.bridge(memory.final))  # (B, L*H)
        hidden = hidden.view(batch, self.layers, self.hidden_dim).transpose(0, 1).contiguous()  # (L, B, H)
        cell = torch.zeros_like(hidden) if self.cell == "lstm" else None
        attention = None if self.attention is None else self.attention.initial_state(memory.keys, memory.mask)
        return DecoderState(hidden=hidden, cell=cell, attention=attention)

    def recur(self, inputs: Tensor, state: DecoderState) -> tuple[Tensor, Tensor, Tensor | None]:
        """inputs (B, T, I) -> outputs (B, T, H), hidden (L, B, H), cell or None."""
        if state.cell is not None:
            outputs, (hidden, cell) = self.rnn(inputs, (state.hidden, state.cell))
            return outputs, hidden, cell
        outputs, hidden = self.rnn(inputs, state.hidden)
        return outputs, hidden, None

    @abstractmethod
    def step(self, embedded: Tensor, state: DecoderState, memory: Memory) -> tuple[Tensor, DecoderState,
                                                                                   AttentionOutput | None]:
        """embedded (B, E) -> features (B, F), new state, attention output (or None)."""

    def run(self, embedded: Tensor, state: DecoderState, memory: Memory) -> tuple[Tensor, list]:
        """Teacher forcing over embedded (B, T, E) -> features (B, T, F), per-step attention outputs."""
        features, attended = [], []
        # unbind, not embedded[:, t]: the backward of T slices would allocate and fill T zero
        # (B, T, E) gradients; unbind's backward stacks the T step gradients once
        for step_input in embedded.unbind(1):  # T x (B, E)
            feature, state, out = self.step(step_input, state, memory)
            features.append(feature)
            attended.append(out)
        return torch.stack(features, dim=1), attended


def attend(attention: Attention, query: Tensor, state: DecoderState, memory: Memory) -> AttentionOutput:
    """One attention step; the mechanism's own step state goes in and its next one comes back in
    ``out.state``, whatever it is."""
    return attention(query, memory.keys, mask=memory.mask, state=state.attention)


class FixedVectorDecoder(RecurrentDecoder):
    """Style ``none`` (Cho et al. 2014; Sutskever et al. 2014): no attention. The source is
    squeezed into one fixed vector c (the encoder summary), which starts the decoder and is fed
    at every step: s_t = RNN([y_{t-1}; c], s_{t-1}), features [s_t; c; y_{t-1}]."""

    def __init__(self, embedding_dim: int, hidden_dim: int, *, layers: int, cell: str, dropout: float,
                 attention: Attention | None = None) -> None:
        super().__init__(embedding_dim, hidden_dim, embedding_dim + hidden_dim, layers=layers, cell=cell,
                         dropout=dropout)
        self.feature_dim = 2 * hidden_dim + embedding_dim
        self.deep_output = True

    def step(self, embedded: Tensor, state: DecoderState, memory: Memory):
        inputs = torch.cat([embedded, memory.final], dim=-1)[:, None]  # (B, 1, E+H)
        output, hidden, cell = self.recur(inputs, state)
        features = torch.cat([output[:, 0], memory.final, embedded], dim=-1)  # (B, F)
        return features, DecoderState(hidden, cell), None

    def run(self, embedded: Tensor, state: DecoderState, memory: Memory):
        """No attention, so the whole target runs through the RNN in one fused call."""
        steps = embedded.shape[1]
        fixed = memory.final[:, None].expand(-1, steps, -1)  # (B, T, H)
        outputs, _, _ = self.recur(torch.cat([embedded, fixed], dim=-1), state)  # (B, T, H)
        return torch.cat([outputs, fixed, embedded], dim=-1), [None] * steps  # (B, T, F)


class BahdanauDecoder(RecurrentDecoder):
    """Style ``bahdanau`` (Bahdanau et al. 2015): the previous state s_{t-1} queries the
    encoder states; the context c_t enters the recurrence, s_t = RNN([y_{t-1}; c_t], s_{t-1}),
    and a deep output reads [s_t; c_t; y_{t-1}]."""

    def __init__(self, embedding_dim: int, hidden_dim: int, *, layers: int, cell: str, dropout: float,
                 attention: Attention) -> None:
        super().__init__(embedding_dim, hidden_dim, embedding_dim + hidden_dim, layers=layers, cell=cell,
                         dropout=dropout)
        self.attention = attention
        self.feature_dim = 2 * hidden_dim + embedding_dim
        self.deep_output = True

    def step(self, embedded: Tensor, state: DecoderState, memory: Memory):
        out = attend(self.attention, state.hidden[-1], state, memory)  # context (B, H)
        inputs = torch.cat([embedded, out.context], dim=-1)[:, None]  # (B, 1, E+H)
        output, hidden, cell = self.recur(inputs, state)
        features = torch.cat([output[:, 0], out.context, embedded], dim=-1)  # (B, F)
        return features, DecoderState(hidden, cell, attention=out.state), out


class LuongDecoder(RecurrentDecoder):
    """Style ``luong`` (Luong et al. 2015): h_t = RNN([y_{t-1}; h~_{t-1}], h_{t-1}) (input
    feeding), the current state h_t queries, and the attentional vector
    h~_t = tanh(W_c [c_t; h_t]) is both the output features and the next step's feed.
    ``attentional_tanh=False`` makes it linear, h~_t = W_c [c_t; h_t] + b (OpenNMT-py's form
    with additive scores): on the debian corpus it reached a lower dev loss in the same updates
    (benchmarks/RESULTS.md)."""

    model_options = ("attentional_tanh",)

    def __init__(self, embedding_dim: int, hidden_dim: int, *, layers: int, cell: str, dropout: float,
                 attention: Attention, attentional_tanh: bool = True) -> None:
        super().__init__(embedding_dim, hidden_dim, embedding_dim + hidden_dim, layers=layers, cell=cell,
                         dropout=dropout)
        self.attention = attention
        self.attentional_tanh = attentional_tanh
        self.combine = nn.Linear(2 * hidden_dim, hidden_dim, bias=not attentional_tanh)  # W_c
        self.feature_dim = hidden_dim
        self.deep_output = False  # h~_t is already the attentional output layer (Luong eq. 5-6)

    def start(self, memory: Memory) -> DecoderState:
        state = super().start(memory)
        state.feed = memory.final.new_zeros(memory.final.shape[0], self.hidden_dim)
        return state

    def step(self, embedded: Tensor, state: DecoderState, memory: Memory):
        inputs = torch.cat([embedded, state.feed], dim=-1)[:, None]  # (B, 1, E+H)
        output, hidden, cell = self.recur(inputs, state)
        query = output[:, 0]  # (B, H)
        out = attend(self.attention, query, state, memory)
        attentional = self.combine(torch.cat([out.context, query], dim=-1))  # (B, H)
        attentional = self.dropout(torch.tanh(attentional) if self.attentional_tanh else attentional)
        new_state = DecoderState(hidden, cell, feed=attentional, attention=out.state)
        return attentional, new_state, out


DECODER_STYLES: dict[str, type[RecurrentDecoder]] = {
    "none": FixedVectorDecoder,
    "bahdanau": BahdanauDecoder,
    "luong": LuongDecoder,
}
