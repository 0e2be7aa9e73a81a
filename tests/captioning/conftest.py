"""One tiny digits-captions run (soft attention over a 1 x 4 grid of 8 x 8 cells), trained once
for the whole folder in a few seconds, and images written from its test split."""

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("PIL")

from attnkit.config import config_from_dict  # noqa: E402
from attnkit.run import train  # noqa: E402

TASK = {"digit_size": 8, "canvas_height": 8, "canvas_width": 32, "min_digits": 1, "max_digits": 2,
        "long_digits": 3, "train_size": 200, "dev_size": 12, "test_size": 12, "long_size": 4}
GRID = (1, 4)


def tiny_caption_config(**train):
    return config_from_dict({
        "model": {"type": "show_attend_tell", "channels": 4, "blocks": 1, "grid_height": GRID[0],
                  "grid_width": GRID[1], "annotation_dim": 8, "embedding_dim": 8, "hidden_dim": 16, "dropout": 0.0,
                  "max_caption_length": 4},
        "data": {"task": "digits-captions", "task_options": TASK, "max_tokens": 400, "bucket_by": "none"},
        "train": {"max_steps": 20, "eval_every": 20, "eval_sentences": 12, "patience": None, "threads": 1,
                  "progress": False, "lr": 0.01, **train},
    }, "tiny-captions")


@pytest.fixture(scope="session")
def caption_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("caption-run") / "run"
    train(tiny_caption_config(), directory)
    return directory


@pytest.fixture(scope="session")
def canvases(tmp_path_factory):
    """Three of the task's test canvases as grey PNGs (path, caption)."""
    from PIL import Image

    from attnkit.tasks import get_task

    folder = tmp_path_factory.mktemp("canvases")
    found = []
    for i, example in enumerate(get_task("digits-captions", **TASK).split("test")[:3]):
        path = folder / f"canvas{i}.png"
        Image.fromarray(example["image"]).save(path)
        found.append((path, example["caption"]))
    return found
