"""The tiny digits-captions set-up the captioning tests share (imported by name: a module called
conftest would clash with other folders' conftest files)."""

from attnkit.config import config_from_dict

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
