"""Predict a data set and score it with the task's metrics: the one pipeline behind `evaluate`,
`compare`, `report`, the demo and training's dev evaluation.

    predict_examples(model, schema, fields, examples, decode)   raw examples -> presented outputs
    score_split(model, schema, fields, examples, decode)        ... + hypotheses, references,
                                                                  input lengths and metric scores
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..config import DecodeConfig
from ..data import encode_examples
from ..metrics import Score, compute
from ..tasks.schema import Schema
from .predictors import make_predictor, predict_all


def _inputs(schema: Schema, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {name: fields[name] for name in schema.inputs}


def predict_examples(model, schema: Schema, fields: Mapping[str, Any], examples: Sequence[Mapping[str, Any]],
                     decode: DecodeConfig, device: torch.device | str = "cpu") -> list[Any]:
    """Each example's prediction, presented by its predictor (generation: the n-best list of
    Translations; classification: a Classification), in input order. Only the input parts of
    the examples are read."""
    inputs = _inputs(schema, fields)
    encoded = encode_examples(inputs, examples)
    _refuse_long(inputs, examples, encoded, decode.max_input_tokens)
    predictor = make_predictor(schema, decode)
    found = predict_all(model, predictor, inputs, encoded, sort_by=schema.length_field, batch_size=decode.batch_size,
                        device=device, precision=decode.precision)
    return [predictor.present(f, fields, e) for f, e in zip(found, examples, strict=True)]


class InputTooLong(ValueError):
    """An input longer than decode.max_input_tokens; the message names it."""


def _refuse_long(inputs: Mapping[str, Any], examples: Sequence[Mapping[str, Any]], encoded: Sequence[Mapping[str, Any]],
                 limit: int) -> None:
    for i, item in enumerate(encoded):
        for name, value in item.items():
            length = inputs[name].length(value)
            if length > limit:
                where = examples[i].get("where", f"example {i + 1}")
                raise InputTooLong(f"{where}: its {name} is {length:,} tokens long, more than decode.max_input_tokens="
                                   f"{limit} (set in the run's config.yaml)")


def best_of(prediction: Any) -> Any:
    """The best hypothesis of an n-best list (generation), or the answer itself (classification)."""
    return prediction[0] if isinstance(prediction, list) else prediction


def best_text(prediction: Any) -> str:
    """The text a metric scores."""
    return best_of(prediction).text


@dataclass
class SplitResult:
    """What scoring a split produced: per example its prediction, the hypothesis and reference
    strings the metrics compare, the input length (the length field's cost, e.g. source tokens);
    and the corpus scores by metric name."""

    predictions: list[Any]
    hypotheses: list[str]
    references: list[str]
    lengths: list[int]
    scores: dict[str, Score]
    inputs: list[Any] | None = None  # each example's first input item, for metrics that read it


def score_split(model, schema: Schema, fields: Mapping[str, Any], examples: Sequence[Mapping[str, Any]],
                decode: DecodeConfig, device: torch.device | str = "cpu",
                metrics: Sequence[str] | None = None) -> SplitResult:
    """Predict ``examples`` and score them with ``metrics`` (default: the schema's)."""
    predictions = predict_examples(model, schema, fields, examples, decode, device)
    hypotheses = [best_text(p) for p in predictions]
    references = [str(e[schema.output]) for e in examples]
    length_field = fields[schema.length_field]
    lengths = [length_field.cost(length_field.encode(e[schema.length_field])) for e in examples]
    inputs = [e[schema.inputs[0]] for e in examples]
    # several references per example (users' captions): each example's "references", else its output
    sets = None if not any("references" in e for e in examples) else [
        [str(r) for r in e.get("references", [])] or [str(e[schema.output])] for e in examples]
    scores = {name: compute(name, hypotheses, references, inputs, sets) for name in (metrics or schema.metrics)}
    return SplitResult(predictions, hypotheses, references, lengths, scores, inputs)
