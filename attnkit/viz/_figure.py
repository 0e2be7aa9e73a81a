"""Making and saving figures without pyplot: no global backend choice, no shared state.

Figures are plain ``matplotlib.figure.Figure`` objects drawn by the Agg canvas, so importing
attnkit.viz never changes the backend a user has chosen, and plots work headless. Text uses
DejaVu Sans (matplotlib's bundled font: Latin, Greek, Cyrillic and more), with CJK fonts as
fallbacks when they are installed; the rc settings apply only while our figure is drawn.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

_FONT_PREFERENCE = ("DejaVu Sans", "Noto Sans", "Noto Sans CJK JP", "Noto Sans CJK SC",
                    "WenQuanYi Zen Hei", "Arial Unicode MS")

_FORMATS = ("png", "pdf", "svg")


def _installed_fonts() -> list[str]:
    """The fonts of _FONT_PREFERENCE that matplotlib can find, in preference order."""
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    return [name for name in _FONT_PREFERENCE if name in known] or ["DejaVu Sans"]


@contextlib.contextmanager
def drawing() -> Iterator[None]:
    """Scope in which our figures are built and saved: our fonts, the user's rcParams restored."""
    with matplotlib.rc_context({"font.family": _installed_fonts(), "axes.unicode_minus": True}):
        yield


def new_figure(width: float, height: float) -> Figure:
    """A figure of width x height inches with constrained layout and an Agg canvas."""
    figure = Figure(figsize=(width, height), layout="constrained", dpi=100)
    FigureCanvasAgg(figure)
    return figure


def save(figure: Figure, path: str | os.PathLike[str]) -> Path:
    """Write the figure to path atomically (a temp file in the same folder, then os.replace).

    Parent folders are created. The format follows the suffix: .png (also when there is no
    suffix), .pdf or .svg. A crash mid-write leaves the old file (if any) and no temp file.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".") or "png"
    if fmt not in _FORMATS:
        raise ValueError(f"cannot write a plot to {str(path)!r}: unsupported suffix {path.suffix!r}; "
                         f"use one of {', '.join('.' + f for f in _FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            figure.savefig(stream, format=fmt)
        os.chmod(temp, 0o644)  # mkstemp makes 0600; a plot is meant to be shared
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    return path


def wrap_to(text: str, inches: float, fontsize: float) -> str:
    """``text`` wrapped into lines that fit ``inches`` at ``fontsize`` (about 0.6 em a character),
    so a title or caption is never clipped at the figure's edge."""
    return textwrap.fill(text, width=max(12, int(inches * 72 / (fontsize * 0.6))), break_long_words=True)


def display_token(token: str) -> str:
    """A token as a tick label: whitespace shown as '␣', '$' escaped so it is never mathtext."""
    if token == "":
        return "∅"
    if token.isspace():
        return "␣" * len(token)
    return token.replace("$", r"\$")
