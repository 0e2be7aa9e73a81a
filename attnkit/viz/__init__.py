"""Plots of what attention learned: alignment heatmaps, quality-against-length curves, the
step-by-step view of a decoded hypothesis, and per-layer, per-head maps.

Figures are drawn with matplotlib's Agg canvas directly (never pyplot), so importing this
package leaves the user's backend alone and works without a display. Imports attnkit.metrics
at most.
"""

from .alignment import merge_subwords, plot_alignment, plot_alignment_grid
from .copying import plot_copying
from .layers import plot_layer_heads
from .lengths import plot_metric_by_length
from .memory import plot_memory_run
from .spectrogram import plot_alignment_over_spectrogram
from .steps import plot_beam_steps
from .training import plot_training_curves

__all__ = ["merge_subwords", "plot_alignment", "plot_alignment_grid",
           "plot_alignment_over_spectrogram", "plot_beam_steps", "plot_copying", "plot_layer_heads",
           "plot_memory_run", "plot_metric_by_length", "plot_training_curves"]
