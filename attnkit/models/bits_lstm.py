"""The LSTM baseline of the NTM tasks (family ``bits_lstm``), as Graves et al. 2014 §4 compares
against: a stack of LSTM layers over the input steps, a linear layer to bit logits, read out at
the input's answer slots (models.bit_steps). No memory, no attention: what it must recall it
keeps in its state, so it fails beyond the lengths it trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from ..config import ModelOptions, option
from ..data import Batch
from .bit_steps import BitsFamily, answer_slots, at_slots, check_answer_lengths
from .family import Family
from .state import ModelOutput


@dataclass(frozen=True)
class BitsLSTMOptions(ModelOptions):
    """``model.type: bits_lstm``: stacked LSTM layers over bit steps."""

    type: str = option("bits_lstm", "model family")
    hidden_dim: int = option(56, "LSTM state size per layer (3 x 56 is about the NTM's parameter count)")
    layers: int = option(3, "stacked LSTM layers (Graves et al. 2014's baseline: 3)")

    def problems(self) -> list[str]:
        found = super().problems()
        if self.hidden_dim < 1 or self.layers < 1:
            found.append("model.hidden_dim and model.layers must be >= 1")
        return found


class BitsLSTM(BitsFamily, Family, nn.Module):
    """forward(batch, need_weights) -> ModelOutput(logits (B, K, C_out) at the K answer slots)."""

    Options = BitsLSTMOptions

    def __init__(self, options: BitsLSTMOptions, input_channels: int, answer_channel: int, output_channels: int, *,
                 input_name: str = "input", output_name: str = "target") -> None:
        super().__init__()
        self.input_name, self.output_name, self.answer_channel = input_name, output_name, answer_channel
        self.lstm = nn.LSTM(input_channels, options.hidden_dim, num_layers=options.layers, batch_first=True)
        self.output = nn.Linear(options.hidden_dim, output_channels)

    def forward(self, batch: Batch, need_weights: bool = True) -> ModelOutput:
        source = batch[self.input_name]
        states, _ = self.lstm(source.data)  # (B, L, H); causal, so padding after a row's end changes nothing
        index, mask = answer_slots(source, self.answer_channel)  # (B, K)
        check_answer_lengths(mask, batch.parts.get(self.output_name), self.output_name)
        return ModelOutput(self.output(at_slots(states, index)))  # (B, K, C_out)
