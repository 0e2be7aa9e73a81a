"""The predictor of prediction kind "bits" (the NTM tasks): each answer slot's bits, the
sigmoid of the model's logits thresholded at 1/2, and the memory weightings behind them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from ..config import DecodeConfig
from ..data import Batch
from ..tasks.schema import Schema


@dataclass
class BitSequence:
    """A bits answer: ``text`` the predicted steps as the output field writes them, ``bits``
    (K, C) 0/1 and ``probabilities`` (K, C) per answer slot; the ``inputs`` (L, C_in) the
    model read with their step labels, the answer slots' ``answer_steps`` (K,), and per head
    name its ``weightings`` (L, N) over the memory at each input step (empty without memory)."""

    text: str
    bits: Tensor
    probabilities: Tensor
    inputs: Tensor
    input_labels: list[str]
    answer_steps: list[int]
    weightings: dict[str, Tensor] = field(default_factory=dict)

    def heatmap(self) -> tuple[list[str], list[str], Tensor] | None:
        """For the report: every head's weighting stacked, (columns: input steps, rows: head and
        location, weights (heads * N', L)) over locations 0..N'-1, a little past the last any head
        used, or None without memory."""
        if not self.weightings:
            return None
        used = max(int((w.max(0).values > 0.01).nonzero().max()) if (w > 0.01).any() else 0
                   for w in self.weightings.values())
        shown = min(used + 3, next(iter(self.weightings.values())).shape[1])  # locations 0..last used, a margin
        rows = [f"{name} {i}" for name in self.weightings for i in range(shown)]
        matrix = torch.cat([w[:, :shown].T for w in self.weightings.values()], dim=0)  # (heads * shown, L)
        return self.input_labels, rows, matrix

    def draw(self, path: Path, *, title: str | None = None) -> Path:
        """Inputs, outputs and each head's weighting over time (Graves et al. 2014, Fig. 6) as a PNG."""
        from ..viz import plot_memory_run

        return plot_memory_run(self.inputs, self.probabilities, self.weightings, path,
                               answer_steps=self.answer_steps, title=title)

    def to_json(self) -> dict[str, Any]:
        """The answer as plain data (`attnkit predict`): the text and each slot's probabilities."""
        return {"output": self.text,
                "probabilities": [[round(float(p), 4) for p in row] for row in self.probabilities.tolist()]}


@dataclass
class FoundBits:
    """One row's raw answer: probabilities (K_max, C) (cut to the row's slots by ``present``),
    its inputs (L, C_in) and weightings (L, N) per head."""

    probabilities: Tensor
    inputs: Tensor
    weightings: dict[str, Tensor]


class BitsPredictor:
    """sigmoid(logits) > 1/2 at each answer slot; ModelOutput.weights, when the model gives them,
    is a dict of head name -> (B, L, N) weightings, kept on the prediction for its plot."""

    def __init__(self, decode: DecodeConfig, schema: Schema) -> None:
        self.input, self.output = schema.inputs[0], schema.output

    @torch.inference_mode()
    def __call__(self, model, batch: Batch) -> list[FoundBits]:
        out = model(batch, need_weights=True)
        probabilities = torch.sigmoid(out.logits.float()).cpu()  # (B, K, C)
        source = batch[self.input]
        lengths, data = source.lengths.tolist(), source.data.float().cpu()
        heads = {name: w.float().cpu() for name, w in (out.weights or {}).items()}
        return [FoundBits(probabilities[b], data[b, :length], {n: w[b, :length] for n, w in heads.items()})
                for b, length in enumerate(lengths)]

    def forced_attention(self, model, batch: Batch) -> list[Tensor] | None:
        """None: memory weightings are not an alignment of output steps to input steps."""
        return None

    def present(self, found: FoundBits, fields: Mapping[str, Any], example: Mapping[str, Any]) -> BitSequence:
        source, output = fields[self.input], fields[self.output]
        labels = source.item_labels(example[self.input])
        slots = [i for i, label in enumerate(labels) if label == "-"]
        probabilities = found.probabilities[: len(slots)]  # (K, C)
        bits = (probabilities > 0.5).long()
        return BitSequence(output.decode(bits), bits, probabilities, found.inputs, labels, slots, found.weightings)
