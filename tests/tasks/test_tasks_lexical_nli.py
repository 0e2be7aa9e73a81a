"""lexical-nli: labels that follow from the lexicon and the quantifier, balanced, one word of
difference, word combinations kept to one split, longer premises in 'long'."""

from __future__ import annotations

import functools
from collections import Counter

import pytest

from attnkit.tasks import get_task
from attnkit.tasks.lexical_nli import LABELS, QUANTIFIER_SWAPS, lexicon, noun_label, relations

SIZES = {"train_size": 1500, "dev_size": 300, "test_size": 300, "long_size": 200}


@functools.cache
def task():
    return get_task("lexical-nli", **SIZES)


def test_the_shipped_lexicon_holds_real_wordnet_relations():
    nouns = lexicon()["nouns"]
    assert len(nouns) > 250 and len(lexicon()["antonyms"]) > 50
    assert "dog" in nouns["terrier"] and "animal" in nouns["dog"] and "vehicle" in nouns["bicycle"]
    assert ["big", "little"] in lexicon()["antonyms"]
    found = relations()
    assert "terrier" in found["dog"]["hyponym"] and "dog" in found["terrier"]["hypernym"]
    for word, rel in found.items():  # a sibling is never an ancestor or a descendant
        assert not set(rel["sibling"]) & (set(rel["hypernym"]) | set(rel["hyponym"]) | {word})


@pytest.mark.parametrize(("relation", "quantifier", "label"), [
    ("hypernym", "some", "entailment"), ("hyponym", "some", "neutral"),
    ("hypernym", "every", "neutral"), ("hyponym", "every", "entailment"),
    ("hyponym", "no", "entailment"), ("hypernym", "the", "entailment"),
    ("sibling", "the", "contradiction"), ("sibling", "some", "neutral")])
def test_monotonicity_decides_a_noun_substitution(relation, quantifier, label):
    assert noun_label(relation, quantifier) == label


def test_quantifier_swaps_follow_the_square_of_opposition():
    assert QUANTIFIER_SWAPS["every"]["some"] == "entailment" and QUANTIFIER_SWAPS["some"]["every"] == "neutral"
    assert QUANTIFIER_SWAPS["some"]["no"] == QUANTIFIER_SWAPS["no"]["some"] == "contradiction"


def test_labels_are_balanced_and_hypotheses_differ_by_one_word():
    for split in ("train", "test"):
        examples = task().split(split)
        counts = Counter(e["label"] for e in examples)
        assert set(counts) == set(LABELS)
        assert max(counts.values()) - min(counts.values()) < 0.12 * len(examples)
        for example in examples:
            main_clause = example["premise"].split(" while ")[0].split()
            hypothesis = example["hypothesis"].split()
            extra = Counter(hypothesis) - Counter(main_clause)
            missing = Counter(main_clause) - Counter(hypothesis)
            assert sum(extra.values()) <= 1 and sum(missing.values()) <= 1, example


def test_every_labelled_example_is_right_by_its_relation():
    found = relations()
    for example in task().split("train")[:400]:
        p, h = example["premise"].split(" while ")[0].split(), example["hypothesis"].split()
        if p[0] != h[0] or len(p) != len(h):
            continue  # a quantifier swap, or an added/dropped word: decided by the tables
        changed = [(a, b) for a, b in zip(p, h, strict=True) if a != b]
        if len(changed) == 1 and changed[0][0] in found and changed[0][1] in found:
            noun, other = changed[0]
            relation = next(r for r in ("hypernym", "hyponym", "sibling") if other in found[noun][r])
            assert example["label"] == noun_label(relation, p[0]), example


def test_test_combinations_are_never_seen_together_in_training():
    combos = {split: {tuple(sorted(e["combination"])) for e in task().split(split)}
              for split in ("train", "dev", "test", "long")}
    assert not combos["train"] & combos["test"] and not combos["train"] & combos["dev"]
    assert combos["long"] <= combos["test"] | (combos["long"] - combos["train"] - combos["dev"])
    assert not combos["long"] & combos["train"]


def test_long_premises_have_more_distractor_clauses():
    clauses = {split: [e["premise"].count(" while ") for e in task().split(split)] for split in ("train", "long")}
    assert max(clauses["train"]) <= 1 < min(clauses["long"]) and max(clauses["long"]) <= 4
    with pytest.raises(ValueError, match="max_distractors < long_distractors"):
        get_task("lexical-nli", max_distractors=3, long_distractors=3)


def test_schema_reads_two_texts_and_predicts_a_label():
    schema = task().schema()
    assert schema.inputs == ("premise", "hypothesis") and schema.prediction == "classify"
    assert schema.metrics[0] == "accuracy" and schema.length_field == "premise"
