"""Metrics: sacrebleu agreement, hand-checked exact match, length buckets, errors."""

from __future__ import annotations

import pytest
from sacrebleu.metrics import BLEU, CHRF

from attnkit.metrics import (
    INPUT_METRICS,
    METRICS,
    BucketScore,
    Score,
    accuracy,
    bleu,
    by_length,
    chrf,
    compute,
    curve,
    default_buckets,
    exact_match,
    format_table,
)

HYPS = ["the cat sat on the mat", "a dog barked at the moon loudly", "it was raining hard today"]
REFS = ["the cat sat on the mat", "the dog barked at the moon", "it rained hard all day"]


def test_bleu_equals_sacrebleu_and_has_signature():
    expected = BLEU().corpus_score(HYPS, [REFS]).score
    score = bleu(HYPS, REFS)
    assert score.name == "bleu" and score.value == pytest.approx(expected)
    assert 0 < score.value < 100
    assert "tok:13a" in score.signature and "version:" in score.signature


def test_bleu_tokenize_option_reaches_sacrebleu():
    score = bleu(HYPS, REFS, tokenize="char")
    assert score.value == pytest.approx(BLEU(tokenize="char").corpus_score(HYPS, [REFS]).score)
    assert "tok:char" in score.signature
    with pytest.raises(ValueError, match="13a"):
        bleu(HYPS, REFS, tokenize="moses")


def test_chrf_equals_sacrebleu_and_has_signature():
    score = chrf(HYPS, REFS)
    assert score.value == pytest.approx(CHRF().corpus_score(HYPS, [REFS]).score)
    assert score.name == "chrf" and score.signature


def test_perfect_hypotheses_score_100():
    assert bleu(REFS, REFS).value == pytest.approx(100.0)
    assert chrf(REFS, REFS).value == pytest.approx(100.0)
    assert exact_match(REFS, REFS).value == 100.0


def test_exact_match_three_of_four_strips_outer_whitespace():
    score = exact_match(["a b", " c ", "d", "e"], ["a b", "c", "d", "x"])
    assert score == Score("exact_match", 75.0, "")


def test_compute_dispatches_by_name():
    assert set(METRICS) == {"bleu", "chrf", "exact_match", "accuracy", "macro_f1", "bit_errors", "bleu1", "bleu2",
                            "bleu3", "bleu4", "cer", "wer", "rouge1", "rouge2", "rouge_l", "repeated_trigrams",
                            *INPUT_METRICS}
    for name in set(METRICS) - INPUT_METRICS:
        assert compute(name, HYPS, REFS) == METRICS[name](HYPS, REFS)


@pytest.mark.parametrize("metric", [bleu, chrf, exact_match, accuracy])
def test_mismatched_and_empty_lists_raise(metric):
    with pytest.raises(ValueError, match=r"3 hypotheses but 2 references"):
        metric(HYPS, REFS[:2])
    with pytest.raises(ValueError, match="empty"):
        metric([], [])


def test_unknown_metric_lists_the_valid_ones():
    with pytest.raises(ValueError, match="bleu, chrf, exact_match"):
        compute("meteor", HYPS, REFS)
    with pytest.raises(ValueError, match="bleu, chrf, exact_match"):
        by_length([1, 2, 3], HYPS, REFS, metric="meteor")


def test_default_buckets_have_round_edges_and_cover_every_length():
    assert default_buckets([1, 37]) == [(1, 5), (6, 10), (11, 15), (16, 20), (21, 25), (26, 30),
                                        (31, 35), (36, 40)]
    assert default_buckets([12, 80]) == [(11, 20), (21, 30), (31, 40), (41, 50), (51, 60),
                                         (61, 70), (71, 80)]
    assert default_buckets([3, 4]) == [(3, 3), (4, 4)]
    assert default_buckets([0, 7])[0] == (0, 1)
    lengths = [1, 5, 9, 17, 33, 65, 129, 257]
    buckets = default_buckets(lengths)
    assert len(buckets) <= 8
    assert all(any(low <= n <= high for low, high in buckets) for n in lengths)


def test_by_length_hand_built_case():
    lengths = [2, 4, 6, 12, 14, 15]
    hyps = ["a", "b", "c", "d", "e", "f"]
    refs = ["a", "b", "x", "d", "y", "z"]
    rows = by_length(lengths, hyps, refs, buckets=[(1, 5), (6, 10), (11, 15), (16, 20)])
    assert [(r.low, r.high, r.count) for r in rows] == [(1, 5, 2), (6, 10, 1), (11, 15, 3), (16, 20, 0)]
    assert [r.score.value if r.score else None for r in rows] == [100.0, 0.0, pytest.approx(100 / 3), None]
    assert curve(rows) == [(3.0, 100.0), (8.0, 0.0), (13.0, pytest.approx(100 / 3))]


def test_by_length_default_buckets_counts_add_up():
    lengths = list(range(1, 41))
    hyps = [f"sentence {n}" for n in lengths]
    rows = by_length(lengths, hyps, hyps)
    assert sum(r.count for r in rows) == len(lengths)
    assert all(r.score == Score("exact_match", 100.0, "") for r in rows)


def test_by_length_bleu_is_corpus_bleu_of_each_bucket():
    rows = by_length([3, 30, 4], HYPS, REFS, metric="bleu", buckets=[(1, 10), (11, 40)])
    assert rows[0].score == bleu([HYPS[0], HYPS[2]], [REFS[0], REFS[2]])
    assert rows[1].score == bleu([HYPS[1]], [REFS[1]])


def test_by_length_errors():
    with pytest.raises(ValueError, match="2 source lengths but 3 hypotheses"):
        by_length([1, 2], HYPS, REFS)
    with pytest.raises(ValueError, match="overlap"):
        by_length([1, 2, 3], HYPS, REFS, buckets=[(1, 5), (5, 9)])
    with pytest.raises(ValueError, match="low must be <= high"):
        by_length([1, 2, 3], HYPS, REFS, buckets=[(5, 1)])


def test_format_table_one_run_and_comparison():
    rows = [BucketScore(1, 10, 4, Score("exact_match", 75.0)), BucketScore(11, 20, 0, None)]
    assert format_table(rows) == ("| source length | count | exact match |\n"
                                  "|---|---:|---:|\n"
                                  "| 1-10 | 4 | 75.0 |\n"
                                  "| 11-20 | 0 | – |\n")
    table = format_table({"none": rows, "additive": rows})
    assert "| source length | count | none (exact match) | additive (exact match) |" in table
    with pytest.raises(ValueError, match="different length buckets"):
        format_table({"a": rows, "b": rows[:1]})


def test_score_prints_its_signature():
    assert str(Score("bleu", 12.345, "tok:13a")) == "BLEU = 12.35 (tok:13a)"
    assert str(Score("exact_match", 50.0)) == "exact match = 50.00"


def test_bleu_multi_scores_each_hypothesis_against_all_its_references():
    from attnkit.metrics import bleu_multi, compute

    # the second reference of the first image matches exactly; unigram BLEU of an exact corpus is 100
    assert bleu_multi(["a b c", "x y"], [["q r s", "a b c"], ["x y"]], order=1).value == pytest.approx(100.0)
    assert bleu_multi(["a b c d"], [["a b c e"]], order=1).value == pytest.approx(75.0)
    assert compute("bleu2", ["a b"], ["a b"]).value == pytest.approx(100.0)
    with pytest.raises(ValueError, match="at least one reference"):
        bleu_multi(["a"], [[]])
