"""Alignment heatmaps: what each output token attended to (Bahdanau 2015, Fig. 3).

Weights are a (T, S) matrix, T output (target) tokens by S source tokens, row t being the
attention distribution of output step t. Source tokens run across the top (x), output tokens
down the side (y); a bright cell is a large weight. Works on numpy arrays, nested lists and
torch tensors on any device (duck-typed: torch is never imported here).

Subword models give piece-level maps; merge_subwords() turns them into word-level maps.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.image import AxesImage

from ._figure import display_token, drawing, new_figure, save, wrap_to

MAX_TICKS = 80  # beyond this many tokens on an axis only every k-th token is labelled
_CELL = 0.3  # inches per token while the figure fits
_MAX_SIDE = 24.0  # inches: the cap on either side of one heatmap (2400 px at 100 dpi)


# ---- inputs ----------------------------------------------------------------------------------

def as_array(values: Any, shape: str) -> np.ndarray:
    """values as a float64 numpy array with as many dimensions as ``shape`` names (e.g. "(T, S)");
    tensors are detached and moved to the CPU."""
    if hasattr(values, "detach"):  # a torch tensor, on any device, with or without grad
        values = values.detach().cpu().float().numpy()
    array = np.asarray(values, dtype=np.float64)
    dims = shape.count(",") + 1
    if array.ndim != dims:
        raise ValueError(f"attention weights must be a {dims}-D {shape} array, got shape {array.shape}; "
                         "for a batch, pass one example's weights (weights[i])")
    return array


def as_matrix(weights: Any) -> np.ndarray:
    """weights (T, S) as a float64 numpy array."""
    return as_array(weights, "(T, S)")


def _checked(weights: Any, source_tokens: Sequence[str], target_tokens: Sequence[str],
             what: str = "weights") -> np.ndarray:
    """weights as (T, S) numpy, after checking T = len(target_tokens) and S = len(source_tokens)."""
    matrix = as_matrix(weights)
    expected = (len(target_tokens), len(source_tokens))
    if matrix.shape != expected:
        raise ValueError(f"{what} have shape {matrix.shape} but (len(target_tokens), len(source_tokens)) "
                         f"is {expected}; weights are (T output tokens, S source tokens)")
    if 0 in expected:
        raise ValueError(f"nothing to plot: {len(target_tokens)} target and {len(source_tokens)} "
                         "source tokens")
    return matrix


# ---- subwords --------------------------------------------------------------------------------

def _word_starts(pieces: Sequence[str], marker: str) -> list[int]:
    """Index of the word each piece belongs to. A piece that starts with marker begins a word;
    so does the first piece, a special token such as '<s>' or '</s>', and the piece after one."""
    owners: list[int] = []
    word, previous_special = -1, False
    for i, piece in enumerate(pieces):
        special = len(piece) > 2 and piece.startswith("<") and piece.endswith(">")
        if i == 0 or piece.startswith(marker) or special or previous_special:
            word += 1
        owners.append(word)
        previous_special = special
    return owners


def _words(pieces: Sequence[str], owners: list[int], marker: str) -> list[str]:
    words = [""] * (owners[-1] + 1 if owners else 0)
    for piece, owner in zip(pieces, owners, strict=True):
        words[owner] += piece.removeprefix(marker) if piece.startswith(marker) else piece
    return words


def merge_subwords(weights: Any, source_pieces: Sequence[str], target_pieces: Sequence[str],
                   marker: str = "▁") -> tuple[np.ndarray, list[str], list[str]]:
    """Word-level alignment from a subword one (sentencepiece convention: a piece that starts
    with ``marker`` begins a new word; special tokens like '</s>' stand alone).

    weights (T, S) over pieces -> (weights (T', S') over words, S' source words, T' target words).
    A word's source column is the sum of its pieces' columns (the mass given to the word), and a
    word's target row the mean of its pieces' rows, so a row still sums to its pieces' total:
    rows that summed to 1 still sum to 1.
    """
    matrix = _checked(weights, source_pieces, target_pieces)
    source_owner = _word_starts(source_pieces, marker)
    target_owner = _word_starts(target_pieces, marker)
    sum_columns = np.zeros((len(source_pieces), source_owner[-1] + 1))  # (S, S')
    sum_columns[np.arange(len(source_pieces)), source_owner] = 1.0
    mean_rows = np.zeros((target_owner[-1] + 1, len(target_pieces)))  # (T', T)
    mean_rows[target_owner, np.arange(len(target_pieces))] = 1.0
    mean_rows /= mean_rows.sum(axis=1, keepdims=True)
    merged = mean_rows @ matrix @ sum_columns  # (T', S')
    return (merged, _words(source_pieces, source_owner, marker),
            _words(target_pieces, target_owner, marker))


_merge = merge_subwords  # the plots' keyword argument of the same name shadows the function


# ---- drawing ---------------------------------------------------------------------------------

def _cell_size(longest: int) -> float:
    """Inches per token so that `longest` tokens fit in _MAX_SIDE (never above _CELL)."""
    return min(_CELL, (_MAX_SIDE - 2.5) / max(longest, 1))


def _label_inches(tokens: Sequence[str], fontsize: float) -> float:
    """Rough room a column of tick labels needs: 0.6 em per character, capped at 2.5 inches."""
    longest = max((len(display_token(t)) for t in tokens), default=1)
    return min(2.5, 0.15 + 0.6 * fontsize / 72 * longest)


def _ticks(axis_setter: Any, label_setter: Any, tokens: Sequence[str], fontsize: float,
           **label_kwargs: Any) -> None:
    """Label every token, or every k-th one past MAX_TICKS tokens."""
    step = max(1, math.ceil(len(tokens) / MAX_TICKS))
    positions = list(range(0, len(tokens), step))
    axis_setter(positions)
    label_setter([display_token(tokens[i]) for i in positions], fontsize=fontsize, **label_kwargs)


def _fontsize(cell: float) -> float:
    return float(np.clip(cell * 72 * 0.55, 5.0, 10.0))


def draw_heatmap(axes: Axes, matrix: np.ndarray, source_tokens: Sequence[str],
                 target_tokens: Sequence[str], *, cmap: str = "gray", vmax: float = 1.0,
                 fontsize: float = 10.0, title: str | None = None,
                 axis_names: tuple[str, str] = ("source", "output")) -> AxesImage:
    """Draw one (T, S) alignment on axes: source tokens on top, output tokens down the left;
    ``axis_names`` names the columns and the rows (e.g. premise, hypothesis)."""
    image = axes.imshow(matrix, cmap=cmap, vmin=0.0, vmax=vmax, aspect="auto",
                        interpolation="nearest")
    axes.xaxis.tick_top()
    axes.xaxis.set_label_position("top")
    rotate = 90 if any(len(t) > 1 for t in source_tokens) else 0
    _ticks(axes.set_xticks, axes.set_xticklabels, source_tokens, fontsize, rotation=rotate)
    _ticks(axes.set_yticks, axes.set_yticklabels, target_tokens, fontsize)
    axes.tick_params(length=0)
    axes.set_xlabel(axis_names[0], fontsize=fontsize)
    axes.set_ylabel(axis_names[1], fontsize=fontsize)
    if title:
        figure = axes.get_figure()
        inches = axes.get_position().width * figure.get_figwidth() if figure is not None else 4.0
        axes.set_title(wrap_to(title, inches, fontsize + 1), fontsize=fontsize + 1)
    return image


def _panel_inches(matrix: np.ndarray, source_tokens: Sequence[str], target_tokens: Sequence[str],
                  cell: float, fontsize: float) -> tuple[float, float]:
    """(width, height) in inches one heatmap needs: its cells plus room for its tick labels."""
    width = matrix.shape[1] * cell + _label_inches(target_tokens, fontsize) + 0.4
    height = matrix.shape[0] * cell + _label_inches(source_tokens, fontsize) + 0.6
    return width, height


def _vmax(matrices: Sequence[np.ndarray]) -> float:
    finite = [m[np.isfinite(m)] for m in matrices]
    return max([1.0] + [float(f.max()) for f in finite if f.size])


def plot_alignment(weights: Any, source_tokens: Sequence[str], target_tokens: Sequence[str],
                   path: str | os.PathLike[str], *, title: str | None = None,
                   merge_subwords: bool = False, marker: str = "▁", cmap: str = "gray",
                   axis_names: tuple[str, str] = ("source", "output")) -> Path:
    """Save the heatmap of one alignment to path (PNG unless the suffix says .pdf/.svg).

    weights: (T, S) array-like or tensor, T = len(target_tokens), S = len(source_tokens).
    merge_subwords: show words instead of sentencepiece pieces (see merge_subwords()).
    The figure grows with T and S (0.3 inch per token, capped at 24 inches a side); past 80
    tokens an axis labels every k-th token. Written atomically; parent folders are created.
    Returns the path written.
    """
    matrix = _checked(weights, source_tokens, target_tokens)
    if merge_subwords:
        matrix, source_tokens, target_tokens = _merge(matrix, source_tokens, target_tokens, marker)
    cell = _cell_size(max(matrix.shape))
    fontsize = _fontsize(cell)
    width, height = _panel_inches(matrix, source_tokens, target_tokens, cell, fontsize)
    with drawing():
        figure = new_figure(max(3.5, width + 1.2), max(2.5, height + (0.4 if title else 0)))
        axes = figure.add_subplot()
        image = draw_heatmap(axes, matrix, source_tokens, target_tokens, cmap=cmap,
                             vmax=_vmax([matrix]), fontsize=fontsize, title=title, axis_names=axis_names)
        bar = figure.colorbar(image, ax=axes, fraction=0.05, pad=0.02, shrink=min(1.0, 4 / height + 0.3))
        bar.set_label("attention weight", fontsize=fontsize)
        bar.ax.tick_params(labelsize=fontsize - 1)
        return save(figure, path)


def plot_alignment_grid(items: Sequence[tuple[Any, Sequence[str], Sequence[str]]],
                        path: str | os.PathLike[str], *, titles: Sequence[str] | None = None,
                        columns: int = 2, merge_subwords: bool = False, marker: str = "▁",
                        cmap: str = "gray") -> Path:
    """Save several alignments as one figure: a grid of heatmaps, `columns` per row, with one
    shared colour bar. items: (weights (T_i, S_i), source_tokens, target_tokens) per panel;
    titles: one per item, or None. Returns the path written.
    """
    if not items:
        raise ValueError("no alignments to plot: items is empty")
    if columns < 1:
        raise ValueError(f"columns must be at least 1, got {columns}")
    if titles is not None and len(titles) != len(items):
        raise ValueError(f"got {len(titles)} titles for {len(items)} alignments; give one per item")
    panels = []
    for i, (weights, source, target) in enumerate(items):
        matrix = _checked(weights, source, target, what=f"weights of item {i}")
        if merge_subwords:
            matrix, source, target = _merge(matrix, source, target, marker)
        panels.append((matrix, list(source), list(target)))
    longest = max(max(m.shape) for m, _, _ in panels)
    cell = _cell_size(longest) * (0.8 if columns > 1 else 1.0)
    fontsize = _fontsize(cell)
    sizes = [_panel_inches(m, s, t, cell, fontsize) for m, s, t in panels]
    rows = math.ceil(len(panels) / columns)
    columns = min(columns, len(panels))
    width = min(40.0, columns * max(w for w, _ in sizes) + 1.2)
    height = min(40.0, rows * (max(h for _, h in sizes) + (0.4 if titles else 0)))
    vmax = _vmax([m for m, _, _ in panels])
    with drawing():
        figure = new_figure(max(3.5, width), max(2.5, height))
        grid = figure.subplots(rows, columns, squeeze=False)
        image = None
        for i, (matrix, source, target) in enumerate(panels):
            image = draw_heatmap(grid[i // columns][i % columns], matrix, source, target, cmap=cmap,
                                 vmax=vmax, fontsize=fontsize, title=titles[i] if titles else None)
        for axes in grid.flat[len(panels):]:
            axes.set_visible(False)
        bar = figure.colorbar(image, ax=grid.ravel().tolist(), fraction=0.03, pad=0.02)
        bar.set_label("attention weight", fontsize=fontsize)
        return save(figure, path)
