"""The text field on a hand-built vocabulary: input ids without specials, generated text as
data = y + EOS and inputs = BOS + y, PAD beyond; sentencepiece fields saved and loaded; collate
then un-pad returns the encoded items (a property)."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from attnkit.fields import BOS, EOS, PAD, UNK, FieldError, TextField, load, save_field

# word counts: b 2, a 1, c 1 -> ids b=4, a=5, c=6 (most frequent first, ties by the token)
TRAIN = ["a b", "b c"]
A, B, C = 5, 4, 6


def fitted(generated: bool) -> TextField:
    field = TextField("word", generated=generated)
    field.fit(TRAIN)
    return field


def test_hand_built_vocabulary():
    assert fitted(False).vocab.tokens == ["<pad>", "<unk>", "<s>", "</s>", "b", "a", "c"]


def test_input_text_encodes_without_specials():
    field = fitted(False)
    assert field.encode("a b c") == [A, B, C]
    assert field.encode("c zz") == [C, UNK]
    assert field.encode("") == []


def test_input_collate_pads_with_pad():
    field = fitted(False)
    batch = field.collate([field.encode("a b c"), field.encode("c")])
    assert batch.data.tolist() == [[A, B, C], [C, PAD, PAD]]
    assert batch.lengths.tolist() == [3, 1]
    assert batch.mask.tolist() == [[True, True, True], [True, False, False]]
    assert batch.inputs is None
    assert field.cost(field.encode("a b c")) == 3


def test_generated_collate_is_y_eos_and_bos_y():
    field = fitted(True)
    batch = field.collate([field.encode("a b"), field.encode("c"), field.encode("")])
    assert batch.data.tolist() == [[A, B, EOS], [C, EOS, PAD], [EOS, PAD, PAD]]
    assert batch.inputs.tolist() == [[BOS, A, B], [BOS, C, PAD], [BOS, PAD, PAD]]
    assert batch.lengths.tolist() == [3, 2, 1]
    assert batch.mask.tolist() == [[True] * 3, [True, True, False], [True, False, False]]
    assert field.cost(field.encode("a b")) == 3  # the EOS slot counts


def test_labels_decode_and_errors():
    field = fitted(True)
    assert field.labels(field.encode("a b")) == ["a", "b"]
    assert field.decode([A, B, EOS, C]) == ("a b", ["a", "b"])
    with pytest.raises(FieldError, match="strings"):
        field.encode(3)


def test_sentencepiece_field_saved_and_loaded_keeps_encodings(tmp_path):
    corpus = ["the cat sat on the mat", "a dog ate the bone", "the dog sat on a mat"] * 3
    field = TextField("sentencepiece", {"vocab_size": 30}, generated=True)
    field.fit(corpus)
    save_field(field, tmp_path / "target")
    assert (tmp_path / "target" / "tokenizer" / "sentencepiece.model").is_file()
    loaded = load(tmp_path / "target")
    assert loaded.vocab == field.vocab
    for text in ["the cat ate the bone", "a mat", "zebra"]:
        assert loaded.encode(text) == field.encode(text)


def test_loading_without_the_vocabulary_is_a_field_error(tmp_path):
    field = fitted(False)
    save_field(field, tmp_path / "source")
    (tmp_path / "source" / "vocab.json").unlink()
    with pytest.raises(FieldError, match="vocab"):
        load(tmp_path / "source")


WORDS = st.lists(st.sampled_from(["a", "b", "c", "zz"]), max_size=5).map(" ".join)


@pytest.mark.parametrize("generated", [False, True])
@given(texts=st.lists(WORDS, min_size=1, max_size=4))
def test_collate_then_unpad_returns_the_items(generated, texts):
    field = fitted(generated)
    encoded = [field.encode(text) for text in texts]
    batch = field.collate(encoded)
    extra = 1 if generated else 0
    for row, ids in enumerate(encoded):
        length = int(batch.lengths[row])
        assert batch.data[row, : length - extra].tolist() == ids
        assert batch.mask[row].sum() == length
        assert (batch.data[row, length:] == PAD).all()
        if generated:
            assert batch.data[row, length - 1] == EOS
            assert batch.inputs[row, 1:length].tolist() == ids
    assert torch.equal(batch.mask.sum(1), batch.lengths)
