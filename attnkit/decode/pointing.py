"""The pointing predictor (prediction "point"): greedy or beam search over a pointer network, the
answer as the chosen input positions with the pointer's distribution at every step.

The search is the shared one (decode.search): the model's ``specials`` say that key 0 is the
start, the end and the padding, and each step's ``allowed`` mask rules out what the task forbids
(points already chosen, the end before every point is chosen).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..config import DecodeConfig
from ..data import Batch
from ..tasks.schema import Schema
from .search import Hypothesis, beam_search, greedy_search, max_output_length

END_LABEL = "end"


@dataclass
class Pointing:
    """A pointer's answer: ``positions`` the chosen 0-based input indices in order, ``text`` the
    same written as a list ("[3, 0, 5]", what the metrics score), its log-probability ``score``,
    ``distributions`` (steps, n + 1): the pointer's probabilities at each step over [end, the n
    points] (the last row chose the end, when the search ended), and the input ``points`` (n, D)."""

    positions: list[int]
    text: str
    score: float
    distributions: Tensor | None
    points: np.ndarray
    ended: bool = True

    @property
    def point_labels(self) -> list[str]:
        """Column labels of the distributions: the end, then each point's index."""
        return [END_LABEL, *(str(i) for i in range(len(self.points)))]

    @property
    def step_labels(self) -> list[str]:
        """Row labels of the distributions: each chosen index, then the end when it was chosen."""
        rows = 0 if self.distributions is None else self.distributions.shape[0]
        labels = [str(p) for p in self.positions]
        return labels + [END_LABEL] if rows > len(labels) else labels

    def heatmap(self) -> tuple[list[str], list[str], Tensor] | None:
        """(column labels [end, 0..n-1], row labels (the choices), distributions (steps, n + 1))."""
        return None if self.distributions is None else (self.point_labels, self.step_labels, self.distributions)

    def draw(self, path: Path, *, title: str | None = None) -> Path:
        """The points and the pointer's choices step by step (viz.plot_pointer)."""
        from ..viz.pointer import plot_pointer

        return plot_pointer(self.points, self.positions, self.distributions, path, title=title)

    def to_json(self) -> dict[str, Any]:
        return {"output": self.positions, "log_prob": round(self.score, 4), "ended": self.ended,
                "attention": None if self.distributions is None else [[round(float(w), 4) for w in row]
                                                                      for row in self.distributions.tolist()]}


class PointingPredictor:
    """Greedy (beam_size 1) or beam search over a pointer network; at most n + 1 steps when the
    output names each point at most once (positions option ``distinct``), else the decode
    settings' length limit."""

    def __init__(self, decode: DecodeConfig, schema: Schema) -> None:
        self.decode, self.input, self.output = decode, schema.inputs[0], schema.output
        self.distinct = bool(schema.fields[schema.output].options.get("distinct", False))

    def __call__(self, model, batch: Batch) -> list[Hypothesis]:
        config, lengths = self.decode, batch[self.input].lengths
        max_len = int(lengths.max()) + 1 if self.distinct else min(
            max_output_length(lengths, config.max_length_ratio, config.max_length_extra), config.max_output_tokens)
        if config.beam_size == 1:
            found = greedy_search(model, batch, max_len=max_len)
        else:
            found = beam_search(model, batch, beam_size=config.beam_size, max_len=max_len,
                                length_penalty=config.length_penalty, n_best=1, early_stop=config.early_stop)
        return [hypotheses[0] for hypotheses in found]

    @torch.inference_mode()
    def forced_attention(self, model, batch: Batch) -> list[Tensor] | None:
        """Teacher-forced on the reference: per row the pointer's distribution (T_i, n_i + 1) at each
        reference step (the end row included: choosing the end is a pointing decision too)."""
        weights = model(batch, need_weights=True).weights  # (B, T, S + 1)
        if weights is None:
            return None
        rows, columns = batch[self.output].lengths.tolist(), (batch[self.input].lengths + 1).tolist()
        weights = weights.float().cpu()
        return [weights[b, :rows[b], :columns[b]] for b in range(len(rows))]

    def present(self, found: Hypothesis, fields: Mapping[str, Any], example: Mapping[str, Any]) -> Pointing:
        """One raw example's answer: tokens are 1-based keys (0 = end) -> 0-based positions."""
        positions = [token - 1 for token in found.tokens]
        points = np.asarray(example[self.input], dtype=np.float32)
        return Pointing(positions, json.dumps(positions), found.score, found.alignment, points, found.ended)
