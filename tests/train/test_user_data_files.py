"""User data from files (task null): TSV train/dev/test with word and sentencepiece tokenizers
train, save their fields (tokenizers, vocabularies) with the run, and translate after reopening it."""

from __future__ import annotations

import random

import pytest
import torch

from attnkit.config import config_from_dict
from attnkit.run import open_run, train

WORDS = ["red", "green", "blue", "cat", "dog", "bird", "big", "small"]


def write_tsv(path, rng: random.Random, count: int) -> None:
    """A word-reversal language: 'red cat' -> 'cat red'."""
    lines = []
    for _ in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(1, 4))]
        lines.append(" ".join(words) + "\t" + " ".join(reversed(words)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(autouse=True)
def restore_threads():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("tokenizer", ["word", "sentencepiece"])
def test_tsv_files_train_and_translate(tmp_path, tokenizer):
    rng = random.Random(0)
    for split, count in (("train", 120), ("dev", 10), ("test", 10)):
        write_tsv(tmp_path / f"{split}.tsv", rng, count)
    config = config_from_dict({
        "model": {"style": "luong", "embedding_dim": 8, "hidden_dim": 16, "dropout": 0.0,
                  "attention": {"name": "general"}},
        "data": {"task": None, "train": str(tmp_path / "train.tsv"), "dev": str(tmp_path / "dev.tsv"),
                 "test": str(tmp_path / "test.tsv"), "tokenizer": tokenizer, "sentencepiece_vocab_size": 24,
                 "max_tokens": 200},
        "train": {"max_steps": 15, "eval_every": 15, "eval_sentences": 10, "progress": False, "threads": 1},
    }, "test")
    run_dir = tmp_path / "run"
    _, result = train(config, run_dir)
    assert result.progress.step == 15
    if tokenizer == "sentencepiece":
        assert (run_dir / "fields" / "source" / "tokenizer" / "sentencepiece.model").is_file()
    run = open_run(run_dir, checkpoint="last")
    source_field = run.fields["source"]  # the text field: tokenizer and vocabulary
    reopened = open_run(run_dir, checkpoint=None).fields["source"]
    assert source_field.tokenizer.encode("red cat") == reopened.tokenizer.encode("red cat")
    translations = run.translate(["red cat", "big blue dog", "bird"])
    assert len(translations) == 3
    for (t,), source in zip(translations, ["red cat", "big blue dog", "bird"], strict=True):
        assert isinstance(t.text, str)
        rows = t.alignment.shape[0]  # one per output token, plus the EOS row unless it ran out of length
        assert rows in (len(t.tokens), len(t.tokens) + 1) and rows >= 1
        assert t.alignment.shape[1] == len(source_field.tokenizer.encode(source))
        torch.testing.assert_close(t.alignment.sum(-1), torch.ones(rows))
    # the vocabulary covers the training words: nothing known becomes <unk> on the source side
    assert all(source_field.vocab.encode(source_field.tokenizer.encode(w)) != [1] for w in WORDS)
