"""Predictors: turn a trained model and a batch of inputs into outputs, one kind per task.

- ``GenerationPredictor`` (prediction "generate"): greedy or beam search over any model with
  encode / start / step; per example, the n-best hypotheses with alignments (Captions, which
  draw over their image, when the model's ``attention_grid`` says it attends over an image's grid).
- ``ClassificationPredictor`` (prediction "classify"): the label with its probabilities and the attention
  weights that led there.

``predict_all`` runs a predictor over many encoded examples in length-sorted batches and returns
the outputs in input order; every command that decodes a split goes through it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from ..config import DecodeConfig
from ..data import Batch, collate
from ..fields import Field
from ..precision import autocast
from ..tasks.schema import Schema
from .bits import BitsPredictor
from .pointing import PointingPredictor
from .search import Hypothesis, beam_search, greedy_search, max_output_length


def _draw_heatmap(heatmap: tuple[list[str], list[str], Tensor] | None, path: Path, title: str | None,
                  axis_names: tuple[str, str] = ("source", "output")) -> Path:
    """A prediction's ``heatmap()`` (columns, rows, weights (rows, columns)) drawn to ``path``."""
    if heatmap is None:
        raise ValueError("this prediction has no attention weights to draw")
    from ..viz import plot_alignment

    columns, rows, weights = heatmap
    return plot_alignment(weights, columns, rows, path, title=title, axis_names=axis_names)


@dataclass
class Translation:
    """A generated output as text: its tokens, the input's labels (source tokens), the total
    log-probability ``score``, the ``normalized_score`` it was ranked by, and the alignment
    (len(tokens) + 1, len(source_tokens)), the last row for the end of sentence; ``gates``
    (one per alignment row) a copying model's p_gen, the probability that each token was written
    from the vocabulary rather than copied from the source, or None."""

    text: str
    tokens: list[str]
    source_tokens: list[str]
    score: float
    alignment: torch.Tensor | None
    normalized_score: float | None = None
    gates: torch.Tensor | None = None
    # what the input looks like (an utterance's spectrogram (L, D)), computed when first drawn: a
    # function of no arguments returning it or None (``Field.backdrop``); None: nothing beneath
    backdrop: Callable[[], Any] | None = None
    frame_seconds: float | None = None  # the backdrop's time step, for its axis

    @property
    def alignment_labels(self) -> list[str]:
        """Labels of the alignment's rows: the output tokens, and </s> when the search ended with
        one (a hypothesis cut off at the length limit has no end-of-sentence row)."""
        rows = 0 if self.alignment is None else self.alignment.shape[0]
        return self.tokens + ["</s>"] if rows > len(self.tokens) else list(self.tokens)

    def heatmap(self) -> tuple[list[str], list[str], torch.Tensor] | None:
        """(column labels, row labels, weights (rows, columns)) to draw, or None without attention.
        A model that attends over fewer positions than the input has (a pyramidal encoder's
        states over frames) gets each column labelled by the first input position it covers."""
        if self.alignment is None:
            return None
        return column_labels(self.source_tokens, self.alignment.shape[1]), self.alignment_labels, self.alignment

    def row_values(self) -> dict[str, list[float]]:
        """Numbers beside each heatmap row, by name, for the report: a copying model's p_gen."""
        return {} if self.gates is None else {"p_gen": self.gates.tolist()}

    def draw(self, path: Path, *, title: str | None = None, merge_subwords: bool = False) -> Path:
        """The alignment heatmap as a PNG at ``path`` (ValueError without attention); with gates,
        p_gen beside each output row and the copied words marked; with a backdrop (an utterance),
        the alignment over its spectrogram on one time axis; ``merge_subwords``: words instead of
        sentencepiece pieces (the plain heatmap)."""
        if merge_subwords and self.alignment is not None:
            from ..viz import plot_alignment

            return plot_alignment(self.alignment, self.source_tokens, self.alignment_labels, path, title=title,
                                  merge_subwords=True)
        if self.gates is not None and self.alignment is not None:
            from ..viz import plot_copying

            return plot_copying(self.alignment, self.source_tokens, self.alignment_labels, self.gates, path,
                                title=title)
        image = None if self.backdrop is None or self.alignment is None else self.backdrop()
        if image is None:
            return _draw_heatmap(self.heatmap(), path, title)
        from ..viz import plot_alignment_over_spectrogram

        return plot_alignment_over_spectrogram(self.alignment, self.alignment_labels, image, path, title=title,
                                               frame_seconds=self.frame_seconds)

    def to_json(self) -> dict[str, Any]:
        """The output as plain data (`attnkit predict`): text, tokens, scores, alignment rows (and
        p_gen per row for a copying model)."""
        found = {"output": self.text, "tokens": self.tokens, "log_prob": round(self.score, 4),
                 "normalized_score": None if self.normalized_score is None else round(self.normalized_score, 4),
                 "attention": None if self.alignment is None else [[round(float(w), 4) for w in row]
                                                                    for row in self.alignment.tolist()]}
        if self.gates is not None:
            found["p_gen"] = [round(float(g), 4) for g in self.gates.tolist()]
        return found


@dataclass
class Classification:
    """A classifier's answer as text: ``text`` the label, the probability of every label, the
    first input's labels (tokens, frame names) and the attention weights over them: (S,) for one
    query, or (T, S) with ``row_tokens`` (the second input's tokens, e.g. each hypothesis word
    over the premise); None without attention."""

    text: str
    probabilities: dict[str, float]
    source_tokens: list[str]
    weights: torch.Tensor | None
    row_tokens: list[str] | None = None
    axis_names: tuple[str, str] = ("input", "answer")  # what the columns and the rows are, for plots

    def heatmap(self) -> tuple[list[str], list[str], torch.Tensor] | None:
        """(input labels, row labels, weights (rows, S)) to draw: rows are the second input's
        tokens for (T, S) weights, else [the answer]; None without attention."""
        if self.weights is None:
            return None
        if self.weights.dim() == 2:
            return self.source_tokens, list(self.row_tokens or []), self.weights
        return self.source_tokens, [self.text], self.weights[None]

    def draw(self, path: Path, *, title: str | None = None) -> Path:
        """The weights over the input (one row per row token, or one labelled with the answer)
        as a PNG at ``path``."""
        return _draw_heatmap(self.heatmap(), path, title, self.axis_names)

    def to_json(self) -> dict[str, Any]:
        """The answer as plain data (`attnkit predict`): label, probabilities, attention weights
        (a list, or a list of rows for (T, S) weights)."""
        return {"output": self.text, "probabilities": {k: round(v, 4) for k, v in self.probabilities.items()},
                "attention": None if self.weights is None else _rounded(self.weights.tolist())}


def column_labels(labels: list[str], columns: int) -> list[str]:
    """``columns`` labels out of an input's ``labels``: themselves when the counts agree, else the
    label of the first position each column covers (columns spread evenly over the input)."""
    if columns == len(labels) or not labels:
        return labels
    return [labels[min(len(labels) - 1, (j * len(labels)) // columns)] for j in range(columns)]


def _rounded(values: Any) -> Any:
    return [_rounded(v) for v in values] if isinstance(values, list) else round(float(values), 4)


@dataclass
class Classified:
    """One classifier answer: the label id, the probabilities of every label (C,), and the
    attention weights over the first input, (S_real,) or (T_real, S_real) with one row per real
    position of the second input, or None when the model has no attention."""

    label: int
    probabilities: Tensor
    weights: Tensor | None


class GenerationPredictor:
    """Greedy (beam_size 1) or beam search with the ``decode`` settings; output length limit
    ratio * longest input + extra, the input being batch[length_field]."""

    def __init__(self, decode: DecodeConfig, schema: Schema) -> None:
        self.decode, self.length_field, self.output = decode, schema.inputs[0], schema.output
        self.grid: tuple[int, int] | None = None  # the model's attention_grid, read when it decodes

    def __call__(self, model, batch: Batch) -> list[list[Hypothesis]]:
        config = self.decode
        self.grid = model.attention_grid
        max_len = config.max_output_tokens
        if model.output_scales_with_input:
            max_len = min(max_output_length(batch[self.length_field].lengths, config.max_length_ratio,
                                            config.max_length_extra), max_len)
        if model.max_output_length is not None:
            max_len = min(max_len, model.max_output_length)
        constraints = {"min_len": config.min_output_tokens, "no_repeat_ngram": config.no_repeat_ngram}
        if config.beam_size == 1:
            return greedy_search(model, batch, max_len=max_len, **constraints)
        return beam_search(model, batch, beam_size=config.beam_size, max_len=max_len,
                           length_penalty=config.length_penalty, n_best=config.n_best, early_stop=config.early_stop,
                           **constraints)

    @torch.inference_mode()
    def forced_attention(self, model, batch: Batch) -> list[Tensor] | None:
        """Teacher-forced on the reference output: per row the weights (T_i, S_i) of each reference
        token (EOS row dropped) over the real input positions; None for a model without attention."""
        weights = model(batch, need_weights=True).weights  # (B, T, S) or None
        if weights is None:
            return None
        rows, columns = (batch[self.output].lengths - 1).tolist(), batch[self.length_field].lengths.tolist()
        weights = weights.float().cpu()
        return [weights[b, :rows[b], :columns[b]] for b in range(len(rows))]

    def present(self, found: list[Hypothesis], fields: Mapping[str, Any],
                example: Mapping[str, Any]) -> list[Translation]:
        """The n-best hypotheses of one raw example as Translations (best first); Captions
        (decode/caption.py) when the model attends over a grid laid over an image; a copying
        model's extended ids are read as the source's words they copied."""
        if self.grid is not None:
            from .caption import Caption, grid_labels

            image = fields[self.length_field].pixels(example[self.length_field])  # (H, W, C)
            return [Caption(*fields[self.output].decode(h.tokens), grid_labels(self.grid), h.score, h.alignment,
                            h.normalized_score, image=image, grid=self.grid) for h in found]
        source = fields[self.length_field]
        item = example[self.length_field]
        source_tokens = source.item_labels(item)
        backdrop = (lambda: source.backdrop(item)) if type(source).backdrop is not Field.backdrop else None
        presented = []
        for h in found:
            if h.gates is None:
                text, tokens = fields[self.output].decode(h.tokens)
            else:
                text, tokens = fields[self.output].decode(h.tokens, copied_from=source_tokens)
            presented.append(Translation(text, tokens, source_tokens, h.score, h.alignment, h.normalized_score,
                                         gates=h.gates, backdrop=backdrop,
                                         frame_seconds=getattr(source, "frame_seconds", None)))
        return presented


class ClassificationPredictor:
    """The argmax label of the model's logits (B, C), with the softmax and the weights cut to
    each example's real lengths: (B, S) over the first input, or (B, T, S) with rows over the
    second input (a premise/hypothesis model's word-by-word weights)."""

    def __init__(self, decode: DecodeConfig, schema: Schema) -> None:
        self.input, self.output = schema.inputs[0], schema.output
        self.rows = schema.inputs[1] if len(schema.inputs) > 1 else None

    @torch.inference_mode()
    def __call__(self, model, batch: Batch) -> list[Classified]:
        out = model(batch, need_weights=True)
        probabilities = torch.softmax(out.logits.float(), dim=-1).cpu()  # (B, C)
        weights = None if out.weights is None else out.weights.float().cpu()  # (B, S) or (B, T, S)
        columns = batch[self.input].lengths.tolist()
        if weights is not None and weights.dim() == 3:
            if self.rows is None:
                raise ValueError("a classifier returned (B, T, S) weights for a task with one input")
            rows = batch[self.rows].lengths.tolist()
            cut = [weights[b, :rows[b], :columns[b]] for b in range(len(rows))]
        else:
            cut = [None if weights is None else weights[b, :columns[b]] for b in range(len(columns))]
        return [Classified(int(p.argmax()), p, w) for p, w in zip(probabilities, cut, strict=True)]

    @torch.inference_mode()
    def forced_attention(self, model, batch: Batch) -> list[Tensor] | None:
        """The weights (rows, S_i) each answer rested on (a classifier reads no reference)."""
        found = self(model, batch)
        if found[0].weights is None:
            return None
        return [f.weights if f.weights.dim() == 2 else f.weights[None] for f in found]

    def present(self, found: Classified, fields: Mapping[str, Any], example: Mapping[str, Any]) -> Classification:
        """The answer for one raw example as a Classification."""
        labels = fields[self.output]
        rows, axes = None, (self.input, "answer")
        if found.weights is not None and found.weights.dim() == 2:
            rows, axes = fields[self.rows].item_labels(example[self.rows]), (self.input, self.rows)
        return Classification(labels.decode(found.label),
                              {labels.decode(i): float(p) for i, p in enumerate(found.probabilities)},
                              fields[self.input].item_labels(example[self.input]), found.weights, rows, axes)


PREDICTORS: dict[str, Callable[[DecodeConfig, Schema], Any]] = {"generate": GenerationPredictor,
                                                                "classify": ClassificationPredictor}
PREDICTORS["point"] = PointingPredictor  # pointer networks: decode/pointing.py
PREDICTORS["bits"] = BitsPredictor  # the NTM tasks


def make_predictor(schema: Schema, decode: DecodeConfig):
    """The predictor for the schema's prediction kind."""
    if schema.prediction not in PREDICTORS:
        raise ValueError(f"no predictor for prediction {schema.prediction!r}; known: {', '.join(PREDICTORS)}")
    return PREDICTORS[schema.prediction](decode, schema)


def predict_all(model, predictor, fields: Mapping[str, Any], examples: Sequence[Mapping[str, Any]], *,
                sort_by: str, batch_size: int, device: torch.device | str = "cpu",
                precision: str = "fp32") -> list[Any]:
    """Run ``predictor`` over encoded ``examples`` (dicts of the input fields), batch_size at a
    time in order of field ``sort_by``'s cost, under ``precision``; the outputs in input order."""
    was_training = model.training
    model.eval()
    field = fields[sort_by]
    order = sorted(range(len(examples)), key=lambda i: field.cost(examples[i][sort_by]))
    results: list[Any] = [None] * len(examples)
    try:
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            batch = collate(fields, [examples[i] for i in chunk], chunk).to(device)
            with autocast(device, precision):
                found = predictor(model, batch)
            for i, output in zip(chunk, found, strict=True):
                results[i] = output
    finally:
        model.train(was_training)
    return results
