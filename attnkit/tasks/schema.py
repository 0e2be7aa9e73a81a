"""What a task's examples are made of: named fields, which of them a model reads and which it
predicts, the kind of prediction and the metrics that score it.

A schema is plain data (kinds and options, no fitted state), saved in a run's ``run.json`` so any
command can rebuild the run's fields and predictor without generating the task again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

Prediction = Literal["generate", "classify", "point", "bits"]
PREDICTIONS = ("generate", "classify", "point", "bits")


@dataclass(frozen=True)
class FieldSpec:
    """A field by kind (``attnkit.fields.FIELD_KINDS``) and constructor options."""

    kind: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Schema:
    """fields: name -> FieldSpec, in example order; inputs: the names a model reads; output: the
    name it predicts; prediction: generate (a sequence, greedy/beam search), classify (one label),
    point (positions in an input) or bits (binary vectors, one per answer slot of the input; the NTM
    tasks); metrics: names from attnkit.metrics, the first is the
    default dev metric; length_of: the field whose length buckets evaluations (default: the first
    input)."""

    fields: dict[str, FieldSpec]
    inputs: tuple[str, ...]
    output: str
    prediction: Prediction
    metrics: tuple[str, ...]
    length_of: str | None = None

    def __post_init__(self) -> None:
        missing = [n for n in (*self.inputs, self.output) if n not in self.fields]
        if missing:
            raise ValueError(f"schema names fields it does not declare: {missing}; declared: {list(self.fields)}")
        if self.prediction not in PREDICTIONS:
            raise ValueError(f"schema prediction must be one of {PREDICTIONS}; got {self.prediction!r}")
        if not self.metrics:
            raise ValueError("a schema needs at least one metric")

    @property
    def length_field(self) -> str:
        return self.length_of or self.inputs[0]

    def with_options(self, name: str, **options: Any) -> Schema:
        """A copy with ``options`` merged into field ``name``'s options."""
        spec = self.fields[name]
        fields = {**self.fields, name: FieldSpec(spec.kind, {**spec.options, **options})}
        return replace(self, fields=fields)

    def to_dict(self) -> dict[str, Any]:
        return {"fields": {n: {"kind": s.kind, "options": s.options} for n, s in self.fields.items()},
                "inputs": list(self.inputs), "output": self.output, "prediction": self.prediction,
                "metrics": list(self.metrics), "length_of": self.length_of}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Schema:
        fields = {n: FieldSpec(s["kind"], dict(s.get("options") or {})) for n, s in data["fields"].items()}
        return cls(fields, tuple(data["inputs"]), data["output"], data["prediction"], tuple(data["metrics"]),
                   data.get("length_of"))


TEXT_METRICS = ("exact_match", "bleu", "chrf")


def text_to_text(tokenizer: str) -> Schema:
    """source text -> generated target text, both cut by ``tokenizer`` (char, word, sentencepiece)."""
    return Schema({"source": FieldSpec("text", {"tokenizer": tokenizer}),
                   "target": FieldSpec("text", {"tokenizer": tokenizer, "generated": True})},
                  inputs=("source",), output="target", prediction="generate", metrics=TEXT_METRICS)


SUMMARY_METRICS = ("rouge_l", "rouge1", "rouge2", "repeated_trigrams")


def text_to_summary(tokenizer: str = "word") -> Schema:
    """A long text -> its generated short summary, scored by ROUGE and repeated trigrams."""
    return replace(text_to_text(tokenizer), metrics=SUMMARY_METRICS)
