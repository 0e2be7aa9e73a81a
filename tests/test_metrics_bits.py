"""Bit errors per sequence (the NTM tasks' metric): hand-worked counts, and lower is better for
the trainer's best checkpoint and target score."""

from __future__ import annotations

import pytest

from attnkit.metrics import LOWER_IS_BETTER, bit_errors, compute
from attnkit.train.loop import higher_is_better


def test_bit_errors_count_differing_bits_per_sequence() -> None:
    assert bit_errors(["0110 1111"], ["0110 1111"]).value == 0
    assert bit_errors(["0110 1111", "0000"], ["0100 1111", "1111"]).value == pytest.approx((1 + 4) / 2)


def test_missing_and_extra_steps_count_all_their_bits() -> None:
    assert bit_errors(["0110"], ["0110 1111"]).value == 4
    assert bit_errors(["0110 1111 0000"], ["0110"]).value == 8
    assert bit_errors(["*"], ["0110"]).value == 4  # a marker where bits were due: 1 differs, 3 missing


def test_bit_errors_is_a_registered_metric_where_less_is_better() -> None:
    assert compute("bit_errors", ["01"], ["10"]).value == 2
    assert "bit_errors" in LOWER_IS_BETTER
    assert not higher_is_better("bit_errors") and higher_is_better("accuracy")
