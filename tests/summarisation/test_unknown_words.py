"""Text fields that keep unknown words (keep_oov) and cap their vocabulary (max_vocab): unknown
tokens encode to a negative id fixed by their spelling, collate to UNK in ``data`` and to
themselves in ``words``, and a copying model's extended ids decode to the source's words."""

from __future__ import annotations

import pytest

from attnkit.fields import BOS, EOS, PAD, UNK, FieldError, TextField, load, save_field
from attnkit.fields.text import unknown_word_id, unknown_words

# counts: b 3, a 2, c 1 -> ids b=4, a=5, c=6; max_vocab=6 keeps b and a only
TRAIN = ["a b b", "a b c"]
A, B = 5, 4


def fitted(generated: bool = False, max_vocab: int | None = 6) -> TextField:
    field = TextField("word", generated=generated, max_vocab=max_vocab, keep_oov=True)
    field.fit(TRAIN)
    return field


def test_max_vocab_keeps_the_most_frequent_tokens_specials_included() -> None:
    assert fitted().vocab.tokens == ["<pad>", "<unk>", "<s>", "</s>", "b", "a"]
    assert len(fitted(max_vocab=None).vocab) == 7
    with pytest.raises(FieldError, match="max_vocab"):
        TextField("word", max_vocab=4)


def test_an_unknown_word_id_is_negative_and_fixed_by_the_spelling() -> None:
    assert unknown_word_id("zork") == unknown_word_id("zork") < 0
    assert unknown_word_id("zork") != unknown_word_id("zorl")
    field = fitted()
    assert field.encode("a zork b zork c") == [A, unknown_word_id("zork"), B, unknown_word_id("zork"),
                                               unknown_word_id("c")]
    assert field.labels(field.encode("a zork")) == ["a", "<unk>"]


def test_collate_puts_unk_in_data_and_the_spelling_in_words() -> None:
    field = fitted(generated=True)
    batch = field.collate([field.encode("zork a"), field.encode("b")])
    zork = unknown_word_id("zork")
    assert batch.data.tolist() == [[UNK, A, EOS], [B, EOS, PAD]]
    assert batch.inputs.tolist() == [[BOS, UNK, A], [BOS, B, PAD]]
    assert batch.words.tolist() == [[zork, A, EOS], [B, EOS, PAD]]
    assert batch.index_select(__import__("torch").tensor([1])).words.tolist() == [[B, EOS, PAD]]


def test_without_keep_oov_nothing_changes() -> None:
    field = TextField("word")
    field.fit(TRAIN)
    batch = field.collate([field.encode("zork a")])
    assert batch.words is None and batch.data.tolist() == [[UNK, 5]]


def test_extended_ids_decode_to_the_sources_unknown_words_in_order_of_first_appearance() -> None:
    field = fitted(generated=True)
    source = ["zork", "a", "quux", "zork", "b"]
    assert unknown_words(source, field.vocab) == ["zork", "quux"]
    size = len(field.vocab)
    assert field.decode([B, size + 1, size, EOS, A], copied_from=source) == ("b quux zork", ["b", "quux", "zork"])
    assert field.decode([size + 5], copied_from=source)[1] == ["<unk>"]  # no such unknown word: <unk>
    assert field.decode([B, A, EOS]) == ("b a", ["b", "a"])


def test_options_survive_saving_and_loading(tmp_path) -> None:
    field = fitted()
    save_field(field, tmp_path / "source")
    loaded = load(tmp_path / "source")
    assert loaded.keep_oov and loaded.max_vocab == 6 and loaded.vocab == field.vocab
    assert loaded.encode("zork") == [unknown_word_id("zork")]
