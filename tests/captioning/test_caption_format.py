"""data.format captions: an image folder and an image<TAB>caption file train a captioner; training
reads one example per caption, dev one per image with all its captions as references, and BLEU
scores each caption against all of them."""

import numpy as np
import pytest
from PIL import Image

from attnkit.config import config_from_dict
from attnkit.data import DataError
from attnkit.metrics import bleu_multi, compute
from attnkit.run import load_splits, open_run, train
from attnkit.tasks.caption_files import read_caption_spec

COLOURS = {"red": (220, 30, 30), "green": (30, 200, 30), "blue": (30, 30, 220)}


@pytest.fixture
def captioned(tmp_path):
    """Images of three colours and sizes in images/, two captions each, in captions.txt."""
    folder = tmp_path / "images"
    folder.mkdir()
    lines = []
    for i, (name, colour) in enumerate(COLOURS.items()):
        for copy in range(2):
            image = f"{name}{copy}.png"
            Image.fromarray(np.full((20 + 10 * i, 30, 3), colour, dtype=np.uint8)).save(folder / image)
            lines += [f"{image}#0\ta {name} square", f"{image}#1\tsomething {name}"]
    captions = tmp_path / "captions.txt"
    captions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return captions, folder


def test_training_reads_every_caption_and_dev_every_image(captioned):
    captions, folder = captioned
    train_examples = read_caption_spec(f"{captions},{folder}", option="data.train")
    dev_examples = read_caption_spec(f"{captions},{folder}", option="data.dev")
    assert len(train_examples) == 12 and len(dev_examples) == 6
    assert [e["caption"] for e in train_examples[:2]] == ["a red square", "something red"]
    assert dev_examples[0]["references"] == ["a red square", "something red"]


@pytest.mark.parametrize("spec, message", [("missing.txt", "no such captions file"),
                                           ("{captions},nowhere", "no such image folder"),
                                           ("{captions},{folder},more", "expected 'captions.txt'")])
def test_bad_specs_are_refused_naming_the_option(captioned, spec, message):
    captions, folder = captioned
    with pytest.raises(DataError, match=f"data.dev: {message}"):
        read_caption_spec(spec.format(captions=captions, folder=folder), option="data.dev")


def test_bleu_counts_any_reference_of_a_hypothesis():
    sets = [["a red square", "something red"]]
    assert compute("bleu2", ["something red"], ["a red square"], reference_sets=sets).value == pytest.approx(100.0)
    assert compute("bleu2", ["something red"], ["a red square"]).value < 50.0


def test_a_captioner_trains_on_users_images_and_scores_against_all_references(captioned, tmp_path):
    captions, folder = captioned
    spec = f"{captions},{folder}"
    config = config_from_dict({
        "model": {"type": "show_attend_tell", "channels": 4, "blocks": 1, "grid_height": 2, "grid_width": 2,
                  "annotation_dim": 8, "embedding_dim": 8, "hidden_dim": 16, "max_caption_length": 4},
        "data": {"task": None, "format": "captions", "train": spec, "dev": spec, "test": spec, "max_tokens": 2000,
                 "bucket_by": "none"},
        "train": {"max_steps": 6, "eval_every": 6, "patience": None, "threads": 1, "progress": False,
                  "metric": "bleu4"},
    }, "users-captions")
    train(config, tmp_path / "run")
    run = open_run(tmp_path / "run")
    assert run.input_field.size == (64, 64) and run.input_field.channels == 3
    dev = load_splits(config)["dev"]
    scored = run.score(dev)
    sets = [e["references"] for e in dev]
    assert scored.scores["bleu1"].value == pytest.approx(bleu_multi(scored.hypotheses, sets, order=1).value)


def test_batch_norm_with_length_bucketed_batches_is_warned_about(tmp_path, caplog):
    from caption_cases import tiny_caption_config

    from attnkit.config import to_dict

    config = tiny_caption_config(max_steps=2, eval_every=2)
    tree = to_dict(config)
    bucketed = config_from_dict({**tree, "data": {**tree["data"], "bucket_by": "target"}}, "bucketed")
    with caplog.at_level("WARNING", logger="attnkit"):
        train(bucketed, tmp_path / "bucketed")
    assert "data.bucket_by: none" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="attnkit"):
        train(config, tmp_path / "mixed")
    assert "bucket_by" not in caplog.text
