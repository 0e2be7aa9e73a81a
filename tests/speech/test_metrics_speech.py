"""CER and WER (jiwer) on strings whose answer shows by eye, and by utterance length."""

from __future__ import annotations

import pytest

from attnkit.metrics import LOWER_IS_BETTER, METRICS, by_length, cer, wer


def test_cer_counts_character_edits_over_reference_characters() -> None:
    assert cer(["one two"], ["one two"]).value == 0.0
    assert cer(["one too"], ["one two"]).value == pytest.approx(100 / 7)  # 1 substitution in 7
    assert cer(["one"], ["one two"]).value == pytest.approx(400 / 7)  # 4 deletions (" two")
    assert cer(["ab", "cd"], ["ab", "xy"]).value == pytest.approx(50.0)  # corpus level: 2 of 4


def test_wer_counts_word_edits_over_reference_words() -> None:
    assert wer(["one two three"], ["one two three"]).value == 0.0
    assert wer(["one three"], ["one two three"]).value == pytest.approx(100 / 3)  # a deletion
    assert wer(["one two two three"], ["one two three"]).value == pytest.approx(100 / 3)  # an insertion
    assert wer(["nine"], ["one two"]).value == pytest.approx(100.0)  # 1 substitution + 1 deletion


def test_registered_and_lower_is_better() -> None:
    assert {"cer", "wer"} <= set(METRICS) and {"cer", "wer"} <= LOWER_IS_BETTER


def test_by_utterance_length() -> None:
    rows = by_length([10, 12, 50], ["one", "tw", "three four"], ["one", "two", "three five"], metric="cer",
                     buckets=[(1, 20), (21, 60)])
    assert [r.count for r in rows] == [2, 1]
    assert rows[0].score.value == pytest.approx(100 / 6)  # "tw" for "two": 1 of 6 characters
    assert rows[1].score.value == pytest.approx(300 / 10)
