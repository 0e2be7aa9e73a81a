"""A recurrent encoder with self-attention over its own past (Cheng et al. 2016, LSTMN-style)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..attention import build
from .dropout import Dropout
from .rnn_encoder import Encoded


class IntraAttentionEncoder(nn.Module):
    """Intra-attention (Cheng, Dong & Lapata 2016, "Long Short-Term Memory-Networks for Machine
    Reading", eq. 4-6): instead of its last state alone, step t reads an attention summary of all
    earlier states, so the recurrence keeps a memory tape rather than one vector:

        a^t = softmax_i(v^T tanh(W [x_t; h~_{t-1}] + U h_i)),  i < t  (h_0 = 0)
        h~_t = sum_i a^t_i h_i  (and c~_t = sum_i a^t_i c_i for an LSTM)
        h_t = cell(x_t, h~_t)

    Unidirectional: each position only sees the ones before it. One intra-attention layer;
    further layers are plain GRU/LSTM layers stacked on its outputs. Costs a Python loop over the
    source and O(S^2) attention, so it is slower than the fused encoder.
    forward(source (B, S), lengths (B,)) -> Encoded (states (B, S, H), final (B, H), mask (B, S)).
    """

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_dim: int, *, layers: int = 1, cell: str = "gru",
                 dropout: float = 0.0, padding_idx: int = 0) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        self.dropout = Dropout(dropout)
        self.cell = (nn.LSTMCell if cell == "lstm" else nn.GRUCell)(embedding_dim, hidden_dim)
        self.attention = build("additive", query_dim=embedding_dim + hidden_dim, key_dim=hidden_dim)
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.upper = rnn(hidden_dim, hidden_dim, num_layers=layers - 1, batch_first=True,
                         dropout=dropout if layers > 2 else 0.0) if layers > 1 else None
        self.hidden_dim, self.is_lstm = hidden_dim, cell == "lstm"
        self.output_dim = hidden_dim  # width of the states it hands the decoder

    def forward(self, source: Tensor, lengths: Tensor) -> Encoded:
        batch, steps = source.shape
        embedded = self.dropout(self.embedding(source))  # (B, S, E)
        zero = embedded.new_zeros(batch, self.hidden_dim)
        hiddens, cells, summary = [zero], [zero], zero  # the tape starts with h_0 = 0
        for t in range(steps):
            tape = torch.stack(hiddens, dim=1)  # (B, t+1, H)
            out = self.attention(torch.cat([embedded[:, t], summary], dim=-1), tape)  # weights (B, t+1)
            summary = out.context  # h~_t (B, H)
            if self.is_lstm:
                cell_summary = torch.bmm(out.weights[:, None], torch.stack(cells, dim=1))[:, 0]  # c~_t (B, H)
                hidden, cell = self.cell(embedded[:, t], (summary, cell_summary))
                cells.append(cell)
            else:
                hidden = self.cell(embedded[:, t], summary)
            hiddens.append(hidden)
        states = torch.stack(hiddens[1:], dim=1)  # (B, S, H)
        if self.upper is not None:
            states, _ = self.upper(states)
        last = (lengths - 1).clamp_min(0)
        final = states[torch.arange(batch, device=source.device), last]  # (B, H)
        mask = torch.arange(steps, device=source.device)[None, :] < lengths[:, None]  # (B, S)
        return Encoded(self.dropout(states), final, mask)
