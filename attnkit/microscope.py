"""`attnkit plot`: look into a trained run one sentence at a time.

- one source: its alignment heatmap; several: a grid of heatmaps, one per source;
- ``steps``: the step-by-step strip of the (beam's) chosen hypothesis, one panel per output step;
- ``heads``: for models that offer ``attention_maps(source, lengths, target_in)`` (the
  Transformer), one heatmap per layer and head of the cross-attention and of the decoder's
  self-attention, teacher-forced on the chosen hypothesis.

Any other run (an image, frames or several inputs; a classifier or a pointer) goes through
``plot_inputs``: each argument is read by the run's input field (``Field.parse_input``), the run's
predictor answers, and every prediction draws itself (its ``draw(path, title=)``).

Sits at the run.py floor: it opens nothing itself, it draws what a Run decodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from .config import DecodeConfig
from .data import collate
from .run import Run, RunError, Translation
from .viz import plot_alignment_grid, plot_beam_steps, plot_layer_heads


def has_attention_maps(model: torch.nn.Module) -> bool:
    """Whether the model's class offers ``attention_maps`` (asked of the type, not the instance,
    so a submodule or attribute named that way does not count)."""
    return callable(getattr(type(model), "attention_maps", None))


def _require_alignment(run: Run, translations: Sequence[Translation]) -> None:
    if any(t.alignment is None for t in translations):
        raise RunError(f"{run.directory} has no attention (model.type {run.config.model.type}"
                       f"{_style(run)}): nothing to plot")


def _style(run: Run) -> str:
    style = getattr(run.config.model, "style", None)
    return f", style {style}" if style else ""


def require_text_generation(run: Run, what: str = "this plot") -> None:
    """The grid, --steps and --heads plots read sources as text and draw what a generating run
    wrote; any other run is refused, naming what draws it instead."""
    if not is_text_generation(run):
        raise RunError(f"{what} draws a text source's translation; {run.directory} reads "
                       f"{', '.join(run.fields[n].kind for n in run.schema.inputs)} and predicts by "
                       f"{run.schema.prediction}: plot it without --steps/--heads (one picture per example)")


def plot_sources(run: Run, sources: Sequence[str], decode: DecodeConfig, out: Path, *,
                 words: bool = False) -> tuple[list[Translation], Path]:
    """Translate the sources; draw one heatmap (one source) or a grid (several) to out."""
    require_text_generation(run)
    best = [found[0] for found in run.translate(list(sources), decode)]
    _require_alignment(run, best)
    if len(best) == 1:  # the translation draws itself (a copying model's p_gen beside its rows)
        path = best[0].draw(out, title=f"{sources[0]} → {best[0].text}", merge_subwords=words)
    else:
        items = [(t.alignment, t.source_tokens, t.alignment_labels) for t in best]
        path = plot_alignment_grid(items, out, titles=[f"{s} → {t.text}" for s, t in zip(sources, best, strict=True)],
                                   merge_subwords=words)
    return best, path


def is_text_generation(run: Run) -> bool:
    """Whether the run turns one text input into generated text (the heatmap, grid, steps and
    heads plots); every other run is drawn by ``plot_inputs``."""
    return len(run.schema.inputs) == 1 and run.input_field.kind == "text" and run.schema.prediction == "generate"


def numbered(out: Path, index: int, count: int) -> Path:
    """out itself for a single picture; OUT-1.png, OUT-2.png ... for several."""
    return out if count == 1 else out.with_name(f"{out.stem}-{index + 1}{out.suffix or '.png'}")


def plot_inputs(run: Run, arguments: Sequence[str], decode: DecodeConfig, out: Path) -> tuple[list[Any], list[Path]]:
    """Read the arguments as examples (a run with k inputs takes them k at a time, in the order of
    its schema's inputs), predict each, and let each prediction draw itself: one PNG per example
    (out, or OUT-1.png, OUT-2.png ... for several). Returns the best predictions and the paths."""
    names = run.schema.inputs
    if not arguments or len(arguments) % len(names):
        raise RunError(f"{run.directory} reads {len(names)} input{'s' if len(names) > 1 else ''} per example "
                       f"({', '.join(names)}); got {len(arguments)} argument{'s' if len(arguments) != 1 else ''}")
    groups = [arguments[i:i + len(names)] for i in range(0, len(arguments), len(names))]
    examples = [{name: run.fields[name].parse_input(text) for name, text in zip(names, group, strict=True)}
                for group in groups]
    found = run.predict(examples, decode)
    best = [answer[0] if isinstance(answer, list) else answer for answer in found]
    paths = []
    for index, (group, prediction) in enumerate(zip(groups, best, strict=True)):
        try:
            paths.append(prediction.draw(numbered(out, index, len(groups)),
                                         title=f"{' | '.join(group)} → {prediction.text}"))
        except ValueError as error:
            raise RunError(f"{run.directory} (model.type {run.config.model.type}{_style(run)}): {error}") from None
    return best, paths


def plot_steps(run: Run, source: str, decode: DecodeConfig, out: Path) -> tuple[Translation, Path]:
    """The chosen hypothesis of the search ``decode`` (beam or greedy), one panel per output step."""
    require_text_generation(run, "--steps")
    best = run.translate([source], decode)[0][0]
    _require_alignment(run, [best])
    search = "greedy" if decode.beam_size == 1 else f"beam {decode.beam_size}"
    path = plot_beam_steps(best.alignment, best.source_tokens, best.alignment_labels, out,
                           title=f"{search}, chosen hypothesis: {source} → {best.text} (log p {best.score:.2f})")
    return best, path


@torch.inference_mode()
def plot_heads(run: Run, translation: Translation, out: Path) -> list[Path]:
    """Per-layer, per-head maps of one translation, teacher-forced on its own output.

    The model's attention_maps(batch) returns, teacher-forced on the batch's target, a dict with
    "cross" (1, L, H, T, S) and "decoder_self" (1, L, H, T, T); T counts BOS + the output tokens,
    so row t is the step that produced output token t (the last row produces </s>). Writes
    OUT-cross.png and OUT-self.png.
    """
    model = run.model
    if not has_attention_maps(model):
        raise RunError(f"--heads needs a model with per-layer, per-head attention (model.type transformer); "
                       f"{run.directory} is model.type {run.config.model.type}")
    source, target = run.input_field, run.output_field
    encoded = {run.input_name: source.vocab.encode(translation.source_tokens),
               run.schema.output: target.vocab.encode(translation.tokens)}
    maps = model.attention_maps(collate(run.fields, [encoded]).to(run.device))
    cross, self_weights = maps["cross"], maps.get("decoder_self")
    rows = translation.tokens + ["</s>"]
    stem = out.with_suffix("")
    paths = [plot_layer_heads(cross[0], translation.source_tokens, rows, stem.with_name(stem.name + "-cross.png"),
                              title=f"cross-attention: {translation.text}")]
    if self_weights is not None:
        inputs = ["<s>"] + translation.tokens
        paths.append(plot_layer_heads(self_weights[0], inputs, rows, stem.with_name(stem.name + "-self.png"),
                                      title=f"decoder self-attention: {translation.text}"))
    return paths
