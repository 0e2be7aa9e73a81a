"""What the families over bits fields share (``ntm`` and its ``bits_lstm`` baseline): reading
the answer slots of the input and fitting a task with bits in and bits out.

A bits task's input marks with its answer channel the steps at which the model is to answer
(fields.bits: "-" steps, zero input otherwise); a model runs over every input step and its
outputs at those steps, in order, are the prediction: (B, K, C_out) for K slots.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from ..fields import Padded
from ..tasks.schema import Schema


def answer_slots(inputs: Padded, channel: int) -> tuple[Tensor, Tensor]:
    """Where each row answers: index (B, K) of its answer steps in order (K: the most slots of
    any row; a row with fewer repeats its first position there), and mask (B, K), True at real
    slots. inputs.data (B, L, C) with the answer flag in ``channel``."""
    slots = (inputs.data[..., channel] > 0.5) & inputs.mask  # (B, L)
    count = slots.sum(-1)  # (B,)
    most = max(int(count.max()), 1)
    order = torch.argsort((~slots).to(torch.int8), dim=-1, stable=True)[:, :most]  # (B, K) slot positions first
    mask = torch.arange(most, device=slots.device)[None, :] < count[:, None]  # (B, K)
    return order, mask


def at_slots(steps: Tensor, index: Tensor) -> Tensor:
    """steps (B, L, D), index (B, K) -> (B, K, D): each row's steps at its answer slots."""
    return steps.gather(1, index[:, :, None].expand(-1, -1, steps.shape[-1]))


def check_answer_lengths(mask: Tensor, target: Padded | None, name: str) -> None:
    """A training batch must give one target step per answer slot; say so naming the field."""
    if target is None:
        return
    slots = mask.sum(-1)
    if target.data.shape[1] != mask.shape[1] or not torch.equal(slots.cpu(), target.lengths.cpu()):
        bad = int((slots.cpu() != target.lengths.cpu()).nonzero()[0, 0]) if target.data.shape[1] == mask.shape[1] else 0
        raise ValueError(f"a bits example has {int(slots[bad])} answer slots ('-') in its input but "
                         f"{int(target.lengths[bad])} steps in its {name!r}; they must match")


class BitsFamily:
    """Mixin of the families with a bits input (with answer slots) and a bits output."""

    predictions = ("bits",)
    input_kinds = ("bits",)
    output_kinds = ("bits",)

    @classmethod
    def from_fields(cls, options: Any, schema: Schema, fields: Mapping[str, Any]) -> Any:
        source, output = fields[schema.inputs[0]], fields[schema.output]
        if source.answer_channel is None:
            raise ValueError(f"model.type {options.type} reads the answer slots of its input; the task's input field "
                             f"{schema.inputs[0]!r} has none (bits option answer_slots: true)")
        return cls(options, source.channels, source.answer_channel, output.channels,
                   input_name=schema.inputs[0], output_name=schema.output)
