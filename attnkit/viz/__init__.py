"""Plots of what attention learned: alignment heatmaps and quality-against-length curves.

Figures are drawn with matplotlib's Agg canvas directly (never pyplot), so importing this
package leaves the user's backend alone and works without a display. Imports attnkit.metrics
at most.
"""

from .alignment import merge_subwords, plot_alignment, plot_alignment_grid
from .lengths import plot_metric_by_length

__all__ = ["merge_subwords", "plot_alignment", "plot_alignment_grid", "plot_metric_by_length"]
