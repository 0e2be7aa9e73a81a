"""Alignment accuracy and AER on hand-built weight matrices whose answers are worked out by hand."""

import numpy as np
import pytest
import torch

from attnkit.analysis import AlignmentCounts, alignment_counts, alignment_scores, half_mass_links


def test_perfect_diagonal_scores_accuracy_one_and_aer_zero():
    counts = alignment_counts(np.eye(4), [0, 1, 2, 3])
    assert counts == AlignmentCounts(tokens=4, hits=4, near=4, predicted=4, sure_hits=4)
    assert counts.accuracy == 1.0 and counts.aer == 0.0


def test_perfect_anti_diagonal_for_reverse():
    counts = alignment_counts(torch.eye(5).flip(1), [4, 3, 2, 1, 0])  # a tensor works too
    assert counts.accuracy == 1.0 and counts.aer == 0.0


def test_off_by_one_scores_zero_but_within_one_scores_one():
    # every output token attends to the source token after its true one (the last wraps to 0)
    weights = np.roll(np.eye(4), 1, axis=1)  # row t peaks at (t + 1) % 4
    counts = alignment_counts(weights, [0, 1, 2, 3])
    assert counts.accuracy == 0.0
    assert counts.accuracy_within_one == pytest.approx(3 / 4)  # rows 0..2 are one away; row 3 is three away
    assert counts.aer == 1.0  # A = 4 wrong links, S = 4: 1 - 0 / 8


def test_half_right_gives_hand_computed_aer():
    # rows 0, 1 right; rows 2, 3 swapped: |A| = |S| = 4, |A ∩ S| = 2 -> AER = 1 - 4/8
    weights = np.eye(4)[[0, 1, 3, 2]]
    counts = alignment_counts(weights, [0, 1, 2, 3])
    assert counts.accuracy == 0.5 and counts.aer == 0.5


def test_diffuse_row_predicts_several_links_and_raises_aer_above_one_minus_accuracy():
    # one token, true position 0, weights 0.4 / 0.3 / 0.3: argmax right (accuracy 1) but half the
    # mass needs two links {0, 1}: |A| = 2, |S| = 1, |A ∩ S| = 1 -> AER = 1 - 2/3
    counts = alignment_counts([[0.4, 0.3, 0.3]], [0])
    assert counts.accuracy == 1.0
    assert counts.predicted == 2
    assert counts.aer == pytest.approx(1 / 3)


def test_unknown_positions_are_left_out():
    # the middle token has no single true source token (-1): only rows 0 and 2 count
    weights = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    counts = alignment_counts(weights, [0, -1, 1])
    assert counts.tokens == 2 and counts.accuracy == 1.0


def test_corpus_pools_tokens_and_skips_sentences_without_truth():
    right = np.eye(3)  # 3 tokens, all right
    wrong = np.eye(2)[::-1]  # 2 tokens, both wrong
    counts = alignment_scores([right, wrong, np.eye(2)], [[0, 1, 2], [0, 1], None])
    assert counts.tokens == 5
    assert counts.accuracy == pytest.approx(3 / 5)


def test_nothing_to_score_gives_none():
    counts = alignment_counts(np.eye(2), [-1, -1])
    assert counts.accuracy is None and counts.aer is None


def test_half_mass_links_take_the_heaviest_first():
    assert half_mass_links([0.1, 0.6, 0.3]) == [1]
    assert half_mass_links([0.2, 0.3, 0.25, 0.25]) == [1, 2]  # 0.3 + 0.25 >= 0.5; tie goes to lower index
    assert half_mass_links([0.0, 0.0]) == []


def test_mismatched_truth_is_a_clear_error():
    with pytest.raises(ValueError, match="one entry per target token"):
        alignment_counts(np.eye(3), [0, 1])
    with pytest.raises(ValueError, match="-1 or in 0..2"):
        alignment_counts(np.eye(3), [0, 1, 3])
