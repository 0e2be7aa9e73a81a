"""merge_subwords on random piece sequences: what merging must preserve."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from attnkit.viz import merge_subwords


def pieces(starts: list[bool]) -> list[str]:
    """Pieces whose word boundaries are given: True -> '▁p<i>', False -> 'p<i>' (continues)."""
    return [("▁" if start else "") + f"p{i}" for i, start in enumerate(starts)]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=8), st.lists(st.booleans(), min_size=1, max_size=8),
       st.integers(0, 2**32 - 1))
def test_merging_keeps_row_totals_and_joins_pieces(source_starts, target_starts, seed):
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.ones(len(source_starts)), size=len(target_starts))  # rows sum to 1
    source, target = pieces(source_starts), pieces(target_starts)
    merged, source_words, target_words = merge_subwords(weights, source, target)
    assert merged.shape == (len(target_words), len(source_words))
    np.testing.assert_allclose(merged.sum(axis=1), 1.0)
    assert "".join(source_words) == "".join(p.lstrip("▁") for p in source)
    assert len(source_words) == 1 + sum(source_starts[1:])
    assert len(target_words) == 1 + sum(target_starts[1:])
