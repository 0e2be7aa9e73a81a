"""`attnkit.load(RUN_DIR)`: a trained run in Python, for a notebook or a script.

    model = attnkit.load("runs/dates")
    model.translate(["14 March 2021"], beam=5)      # ['2021-03-14']
    model.attention("14 March 2021")["weights"]     # (T+1, S) numpy array, the last row for </s>
    model.plot("14 March 2021", "march.png")        # the alignment heatmap

Sits at the run.py floor beside ``microscope.py``: it opens a run with ``open_run``, decodes with
the run's own predictor and saved decode settings (``evaluation.decode_config``, the command
line's ``--beam`` as an argument) and draws with ``viz.plot_alignment``; it decodes nothing itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .decode import Classification, Translation
from .evaluation import decode_config
from .run import Run, RunError, open_run
from .viz import plot_alignment

__all__ = ["Model", "load"]


def _generation_attention(found: list[Translation]) -> dict[str, Any]:
    best = found[0]
    return {"source_tokens": best.source_tokens, "output_tokens": best.tokens, "output": best.text,
            "weights": None if best.alignment is None else best.alignment.detach().float().cpu().numpy(),  # (T+1, S)
            "rows": best.alignment_labels}


def _classification_attention(found: Classification) -> dict[str, Any]:
    return {"source_tokens": found.source_tokens, "label": found.text, "probabilities": found.probabilities,
            "weights": None if found.weights is None else found.weights.detach().float().cpu().numpy(),  # (S,)
            "rows": [found.text]}


def _pointing_attention(found) -> dict[str, Any]:
    return {"source_tokens": found.point_labels, "positions": found.positions, "output": found.text,
            "weights": None if found.distributions is None else found.distributions.float().numpy(),  # (T+1, n+1)
            "rows": found.step_labels}


# what a prediction of each kind (the schema's `prediction`) shows of its attention
_ATTENTION = {"generate": _generation_attention, "classify": _classification_attention}
_ATTENTION["point"] = _pointing_attention  # pointer networks: decode/pointing.py


class Model:
    """A trained run: ``translate`` texts, look at the ``attention`` of one as data, ``plot`` it,
    or ``predict`` examples of any task. ``run`` is the underlying ``attnkit.run.Run``."""

    def __init__(self, run: Run) -> None:
        if run.model is None:
            raise RunError(f"{run.directory} was opened without a checkpoint; use attnkit.load(run_dir)")
        self.run = run

    def __repr__(self) -> str:
        return f"attnkit.Model({str(self.run.directory)!r}, model.type={self.run.config.model.type!r})"

    def predict(self, examples: Sequence[Mapping[str, Any]], beam: int | None = None) -> list[Any]:
        """Each example's prediction as ``attnkit.decode`` presents it (generation: its n-best
        list of ``Translation``, best first; classification: a ``Classification``), with the
        run's decode settings and ``beam`` (None: the run's decode.beam_size) over them."""
        return self.run.predict(examples, decode_config(self.run, beam))

    def translate(self, texts: Sequence[str], beam: int | None = None) -> list[str]:
        """The best output of each text (a classifier's label), read by the run's one input."""
        found = self.run.translate(texts, decode_config(self.run, beam, n_best=1))
        return [prediction[0].text if isinstance(prediction, list) else prediction.text for prediction in found]

    def _example(self, source: str | Mapping[str, Any]) -> Mapping[str, Any]:
        return {self.run.input_name: source} if isinstance(source, str) else source

    def attention(self, text: str | Mapping[str, Any]) -> dict[str, Any]:
        """The attention behind the output of ``text`` (or of an example, a dict of the run's
        input parts, for an input that is not text: frames), as data. A generating run gives
        ``source_tokens`` (S), ``output_tokens`` (T), ``output`` (the text), ``weights`` (T+1, S)
        (rows sum to 1, the last row for the end of sentence) and ``rows`` (the weights' row
        labels: the output tokens and "</s>"); a classifier gives ``source_tokens``, ``label``,
        ``probabilities`` (label -> probability), ``weights`` (S,) and ``rows`` ([label]).
        ``weights`` is None when the model has no attention (``model.style: none``)."""
        found = self.run.predict([self._example(text)], decode_config(self.run, None, n_best=1))[0]
        return _ATTENTION[self.run.schema.prediction](found)

    def plot(self, text: str | Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
        """Save the alignment heatmap of ``text`` (or of an example, as ``attention``) and its
        output to ``path`` (PNG unless the suffix says .pdf/.svg); returns the path written."""
        seen = self.attention(text)
        if seen["weights"] is None:
            raise RunError(f"{self.run.directory} has no attention (model.type {self.run.config.model.type}): "
                           "nothing to plot")
        output = seen.get("output", seen.get("label"))
        title = f"{text} → {output}" if isinstance(text, str) else f"→ {output}"
        return plot_alignment(np.atleast_2d(seen["weights"]), seen["source_tokens"], seen["rows"], path, title=title)


def load(run_dir: str | os.PathLike[str], checkpoint: str = "best") -> Model:
    """Open the run in ``run_dir`` with its ``checkpoint`` ("best" or "last") for use from Python."""
    if checkpoint not in ("best", "last"):
        raise RunError(f"checkpoint must be 'best' or 'last'; got {checkpoint!r}")
    return Model(open_run(Path(run_dir), checkpoint=checkpoint))
