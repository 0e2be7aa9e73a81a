"""Vocabulary: fixed specials, deterministic order, encode/decode, save/load."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attnkit.fields import BOS, EOS, PAD, SPECIALS, UNK, Vocabulary


def test_specials_have_fixed_ids():
    vocab = Vocabulary.build([["a"]])
    assert (PAD, UNK, BOS, EOS) == (0, 1, 2, 3)
    assert [vocab.token(i) for i in range(4)] == list(SPECIALS)
    assert [vocab.id(t) for t in SPECIALS] == [PAD, UNK, BOS, EOS]


def test_order_is_frequency_then_token_regardless_of_input_order():
    lists = [["b", "a", "c"], ["c", "b"], ["c"]]
    expected = [*SPECIALS, "c", "b", "a"]
    assert Vocabulary.build(lists).tokens == expected
    assert Vocabulary.build(list(reversed(lists))).tokens == expected


def test_min_freq_and_max_size():
    lists = [["a", "a", "b", "c", "c", "c"]]
    assert Vocabulary.build(lists, min_freq=2).tokens == [*SPECIALS, "c", "a"]
    assert Vocabulary.build(lists, max_size=5).tokens == [*SPECIALS, "c"]
    with pytest.raises(ValueError, match="min_freq"):
        Vocabulary.build(lists, min_freq=0)


def test_unknown_tokens_encode_as_unk_and_no_specials_are_added():
    vocab = Vocabulary.build([["x", "y"]])
    assert vocab.encode(["x", "zzz", "y"]) == [vocab.id("x"), UNK, vocab.id("y")]
    assert vocab.id("zzz") == UNK
    with pytest.raises(IndexError):
        vocab.token(len(vocab))


def test_decode_stops_at_eos_and_skips_pad_and_bos():
    vocab = Vocabulary.build([["x", "y"]])
    x, y = vocab.id("x"), vocab.id("y")
    assert vocab.decode([BOS, x, PAD, y, EOS, x, x]) == ["x", "y"]


@given(st.lists(st.lists(st.text(min_size=1, max_size=3), max_size=6), max_size=6))
def test_encode_decode_round_trip(token_lists):
    vocab = Vocabulary.build(token_lists)
    for tokens in token_lists:
        known = [t for t in tokens if t not in SPECIALS]
        assert vocab.decode(vocab.encode(known)) == known


def test_save_load_round_trip(tmp_path):
    vocab = Vocabulary.build([["é", "ß", "a b", "a"], ["a"]])
    vocab.save(tmp_path / "vocab.json")
    assert Vocabulary.load(tmp_path / "vocab.json") == vocab


@pytest.mark.parametrize(
    "content", ["{not json", json.dumps({"tokens": ["a"]}), json.dumps({"format": "attnkit.vocabulary"})]
)
def test_corrupt_file_names_the_path(tmp_path, content):
    path = tmp_path / "vocab.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=f"corrupt vocabulary file {path}"):
        Vocabulary.load(path)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.json"):
        Vocabulary.load(tmp_path / "nope.json")
