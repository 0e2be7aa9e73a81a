"""The recurrent encoder: embeddings -> GRU or LSTM, uni- or bidirectional, over packed sequences."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .dropout import Dropout

RNN_CELLS = {"gru": nn.GRU, "lstm": nn.LSTM}


@dataclass
class Encoded:
    """What the encoder hands the decoder.

    states: (B, S, H) one vector per source token (both directions concatenated).
    final:  (B, H) the summary of the whole source: the last forward state and the first
            backward state of the top layer, concatenated (the fixed-length vector).
    mask:   (B, S) bool, True = real token (may attend).
    """

    states: Tensor
    final: Tensor
    mask: Tensor


class RNNEncoder(nn.Module):
    """Embeddings -> n-layer GRU/LSTM. hidden_dim H is the output width (``output_dim``); a
    bidirectional encoder gives each direction H/2. Padding never enters the recurrence (packed
    sequences). With ``vocab_size`` None the inputs are feature vectors of ``feature_dim``
    (frames) that a linear layer brings to embedding_dim instead of an embedding table.

    forward(source (B, S) long ids or (B, S, feature_dim) float, lengths (B,) long) -> Encoded.
    """

    def __init__(self, vocab_size: int | None, embedding_dim: int, hidden_dim: int, *, layers: int = 1,
                 bidirectional: bool = True, cell: str = "gru", dropout: float = 0.0,
                 padding_idx: int = 0, feature_dim: int | None = None) -> None:
        super().__init__()
        directions = 2 if bidirectional else 1
        if hidden_dim % directions:
            raise ValueError(f"hidden_dim must be even for a bidirectional encoder; got {hidden_dim}")
        if (vocab_size is None) == (feature_dim is None):
            raise ValueError("RNNEncoder reads token ids (vocab_size) or feature vectors (feature_dim), one of them")
        self.embedding = (nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx) if vocab_size is not None
                          else nn.Linear(feature_dim, embedding_dim))
        self.dropout = Dropout(dropout)
        self.rnn = RNN_CELLS[cell](embedding_dim, hidden_dim // directions, num_layers=layers,
                                   batch_first=True, bidirectional=bidirectional,
                                   dropout=dropout if layers > 1 else 0.0)
        self.hidden_dim, self.directions = hidden_dim, directions
        self.output_dim = hidden_dim

    def forward(self, source: Tensor, lengths: Tensor) -> Encoded:
        embedded = self.dropout(self.embedding(source))  # (B, S, E)
        packed = pack_padded_sequence(embedded, lengths.clamp_min(1).cpu(), batch_first=True,
                                      enforce_sorted=False)
        outputs, hidden = self.rnn(packed)
        states, _ = pad_packed_sequence(outputs, batch_first=True, total_length=source.shape[1])  # (B, S, H)
        if isinstance(hidden, tuple):  # LSTM: (h, c)
            hidden = hidden[0]
        top = hidden[-self.directions:]  # (directions, B, H/directions)
        final = torch.cat(list(top), dim=-1)  # (B, H)
        mask = torch.arange(source.shape[1], device=source.device)[None, :] < lengths[:, None]  # (B, S)
        return Encoded(self.dropout(states), final, mask)
