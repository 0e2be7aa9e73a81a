"""Entropy, diagonal-band mass and monotonicity on hand-built matrices."""

import math

import numpy as np
import pytest

from attnkit.analysis import attention_statistics, diagonal_mass, monotonic_steps, row_entropy


@pytest.mark.parametrize("sources", [1, 2, 5, 8])
def test_uniform_row_has_entropy_log_s(sources):
    assert row_entropy(np.full((3, sources), 1 / sources)) == pytest.approx([math.log(sources)] * 3)


def test_one_hot_rows_have_zero_entropy_without_nan():
    entropy = row_entropy(np.eye(4))
    assert np.all(np.isfinite(entropy)) and entropy == pytest.approx(0.0)


def test_diagonal_band_on_a_square_matrix():
    # width 1 on a 4x4: row 0 covers columns 0-1, row 1 columns 0-2, ...
    assert diagonal_mass(np.eye(4)) == pytest.approx([1, 1, 1, 1])
    assert diagonal_mass(np.eye(4)[::-1]) == pytest.approx([0, 1, 1, 0])  # anti-diagonal crosses the middle
    uniform = np.full((4, 4), 0.25)
    assert diagonal_mass(uniform) == pytest.approx([0.5, 0.75, 0.75, 0.5])


def test_diagonal_band_scales_with_a_longer_source():
    # T = 2 outputs over S = 4 sources: row centres map to source positions 1.0 and 3.0 (cell
    # centres 0.5..3.5); with width 0.5 row 0 covers columns 0 and 1, row 1 columns 2 and 3
    weights = np.array([[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.2, 0.8]])
    assert diagonal_mass(weights, width=0.5) == pytest.approx([1.0, 1.0])
    assert diagonal_mass(weights[::-1], width=0.5) == pytest.approx([0.0, 0.0])


def test_monotonicity_counts_non_decreasing_steps():
    assert monotonic_steps(np.eye(4)) == (3, 3)  # copy: always forward
    assert monotonic_steps(np.eye(4)[::-1]) == (0, 3)  # reverse: always back
    peaks = np.eye(4)[[0, 2, 1, 1]]  # 0 -> 2 up, 2 -> 1 down, 1 -> 1 stays
    assert monotonic_steps(peaks) == (2, 3)


def test_statistics_pool_over_sentences_token_by_token():
    stats = attention_statistics([np.eye(3), np.full((1, 4), 0.25)])
    assert stats.rows == 4
    assert stats.entropy == pytest.approx(math.log(4) / 4)  # three zeros and one log 4
    # the 1x4 row: centre 0.5 * 4 / 1 = 2.0; cell centres 1.5 and 2.5 lie within 1 of it: mass 0.5
    assert stats.diagonal == pytest.approx((3 * 1.0 + 0.5) / 4)
    assert stats.monotonicity == 1.0  # the one-row sentence has no steps


def test_no_steps_anywhere_gives_none():
    assert attention_statistics([np.ones((1, 3)) / 3]).monotonicity is None
    with pytest.raises(ValueError, match="every matrix is empty"):
        attention_statistics([np.zeros((0, 3))])
