"""Tokenizers: registry, round trips, save/load, sentencepiece trained offline in a tmp dir."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attnkit.fields import SPACE, build_tokenizer, load_tokenizer, tokenizer_names


def test_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match="char, word, sentencepiece"):
        build_tokenizer("bytes")


def test_char_tokens_show_spaces():
    assert build_tokenizer("char").encode("a b") == ["a", SPACE, "b"]


@given(st.text().filter(lambda t: SPACE not in t))
def test_char_round_trip(text):
    tok = build_tokenizer("char")
    assert tok.decode(tok.encode(text)) == text
    assert len(tok.encode(text)) == len(text)  # one token per character: alignments index chars


NON_SPACE = st.characters(blacklist_categories=("Zs", "Cc", "Zl", "Zp"))


@given(st.lists(st.text(NON_SPACE, min_size=1), max_size=8))
def test_word_round_trip(words):
    words = [w for w in words if w.split() == [w]]
    tok = build_tokenizer("word")
    text = " ".join(words)
    assert tok.encode(text) == words
    assert tok.decode(tok.encode(text)) == text


@pytest.mark.parametrize("name", ["char", "word"])
def test_save_load_simple(tmp_path, name):
    tok = build_tokenizer(name)
    tok.fit(["ignored"], tmp_path)  # no-op
    tok.save(tmp_path / "tok")
    loaded = load_tokenizer(tmp_path / "tok")
    assert loaded.name == name and loaded.encode("x y") == tok.encode("x y")


def test_simple_tokenizers_reject_options():
    with pytest.raises(ValueError, match="no options"):
        build_tokenizer("char", vocab_size=3)


CORPUS = [
    "the cat sat on the mat",
    "a dog ate the bone",
    "attention is a weighted sum of encoder states",
    "die Katze saß auf der Matte",
    "le chat est sur le tapis",
] * 4


@pytest.mark.parametrize("model_type", ["unigram", "bpe"])
def test_sentencepiece_trains_quietly_and_round_trips(tmp_path, capfd, model_type):
    tok = build_tokenizer("sentencepiece", vocab_size=8000, model_type=model_type)
    tok.fit(CORPUS, tmp_path / "work")
    assert capfd.readouterr().err == ""  # trainer log silenced
    assert (tmp_path / "work" / "sentencepiece.model").exists()
    assert tok.options["vocab_size"] < 8000  # lowered automatically for tiny data
    for line in ["the cat sat on the mat", "a dog sat on the bone"]:
        assert tok.decode(tok.encode(line)) == line
    tok.save(tmp_path / "saved")
    loaded = load_tokenizer(tmp_path / "saved")
    assert loaded.options == tok.options
    assert loaded.encode("the dog sat") == tok.encode("the dog sat")


def test_sentencepiece_needs_fit_and_valid_options(tmp_path):
    with pytest.raises(RuntimeError, match="fit"):
        build_tokenizer("sentencepiece").encode("x")
    with pytest.raises(ValueError, match="model_type"):
        build_tokenizer("sentencepiece", model_type="word")
    with pytest.raises(ValueError, match="no text"):
        build_tokenizer("sentencepiece").fit(["", " "], tmp_path)


def test_load_missing_or_corrupt(tmp_path):
    with pytest.raises(FileNotFoundError, match="tokenizer.json"):
        load_tokenizer(tmp_path)
    (tmp_path / "tokenizer.json").write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="corrupt tokenizer file"):
        load_tokenizer(tmp_path)


def test_names():
    assert tokenizer_names() == ["char", "word", "sentencepiece"]
