"""Numbers about attention weights: how well they match a known alignment (accuracy, AER) and
what they look like (entropy, diagonal-band mass, monotonicity). A leaf: numpy only."""

from .alignment import (
    AlignmentCounts,
    alignment_counts,
    alignment_scores,
    argmax_links,
    as_weights,
    half_mass_links,
)
from .statistics import (
    BAND_WIDTH,
    AttentionStats,
    attention_statistics,
    diagonal_mass,
    monotonic_steps,
    row_entropy,
)

__all__ = [
    "BAND_WIDTH",
    "AlignmentCounts",
    "AttentionStats",
    "alignment_counts",
    "alignment_scores",
    "argmax_links",
    "as_weights",
    "attention_statistics",
    "diagonal_mass",
    "half_mass_links",
    "monotonic_steps",
    "row_entropy",
]
