"""The pyramidal recurrent encoder of Listen, Attend and Spell (Chan et al. 2016, sec. 3.1, eq. 5):
a bidirectional LSTM/GRU over the acoustic frames, then ``levels`` layers that each read pairs of
the layer below's consecutive states, h^j_i = BLSTM(h^j_{i-1}, [h^{j-1}_{2i}; h^{j-1}_{2i+1}]), so
every level halves the frame rate (a 10 ms frame rate becomes 80 ms after three levels), and
attention looks over L / 2^levels states instead of L.

An odd-length layer is closed with one zero state before pairing, so a sequence of L frames
gives ceil(L / 2^levels) states; padding never enters a recurrence (packed sequences) and states
past a sequence's end are zeros, so a padded batch gives each sequence exactly what it gets alone.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .dropout import Dropout
from .rnn_encoder import RNN_CELLS, Encoded


def reduced_lengths(lengths: Tensor, levels: int) -> Tensor:
    """(B,) frame counts -> (B,) states after ``levels`` halvings, ceil(L / 2^levels) (at least 1)."""
    for _ in range(levels):
        lengths = (lengths + 1) // 2
    return lengths.clamp_min(1)


def pair_frames(states: Tensor) -> Tensor:
    """(B, L, H) -> (B, ceil(L/2), 2H): each state beside the next, zero-padded to an even L."""
    if states.shape[1] % 2:
        states = nn.functional.pad(states, (0, 0, 0, 1))  # (B, L+1, H)
    batch, length, width = states.shape
    return states.reshape(batch, length // 2, 2 * width)  # (B, L/2, 2H)


class PyramidEncoder(nn.Module):
    """frames (B, L, D), lengths (B,) -> Encoded(states (B, L', H), final (B, H), mask (B, L')),
    L' = ceil(L / 2^levels), H = ``hidden_dim`` (hidden_dim / 2 per direction); ``final`` is the
    mean of the real states (the decoder's starting summary)."""

    def __init__(self, feature_dim: int, hidden_dim: int, *, levels: int = 3, cell: str = "lstm",
                 dropout: float = 0.0) -> None:
        super().__init__()
        if hidden_dim % 2:
            raise ValueError(f"hidden_dim must be even (split between two directions); got {hidden_dim}")
        self.levels, self.output_dim = levels, hidden_dim
        widths = [feature_dim] + [2 * hidden_dim] * levels  # each level reads pairs of the layer below
        self.layers = nn.ModuleList(RNN_CELLS[cell](width, hidden_dim // 2, batch_first=True, bidirectional=True)
                                    for width in widths)
        self.dropout = Dropout(dropout)

    @staticmethod
    def _run(rnn: nn.Module, inputs: Tensor, lengths: Tensor) -> Tensor:
        packed = pack_padded_sequence(inputs, lengths.cpu(), batch_first=True, enforce_sorted=False)
        outputs, _ = rnn(packed)
        states, _ = pad_packed_sequence(outputs, batch_first=True, total_length=inputs.shape[1])  # zeros past ends
        return states  # (B, L, H)

    def forward(self, frames: Tensor, lengths: Tensor) -> Encoded:
        lengths = lengths.clamp_min(1)
        states = self._run(self.layers[0], frames, lengths)  # (B, L, H)
        for rnn in self.layers[1:]:
            states, lengths = pair_frames(self.dropout(states)), (lengths + 1) // 2  # (B, L/2, 2H)
            states = self._run(rnn, states, lengths)  # (B, L/2, H)
        mask = torch.arange(states.shape[1], device=states.device)[None, :] < lengths.to(states.device)[:, None]
        final = states.sum(1) / lengths.to(states.device)[:, None].to(states.dtype)  # (B, H) masked mean
        return Encoded(self.dropout(states), final, mask)
