"""A tiny reverse task and config shared by the report and microscope tests."""

from attnkit.config import config_from_dict


def tiny_config(style: str):
    """A model that trains in about a second: reverse over 6 symbols, lengths 2-5."""
    return config_from_dict({
        "model": {"style": style, "embedding_dim": 8, "hidden_dim": 16, "dropout": 0.0,
                  "attention": {"name": "additive"}},
        "data": {"task": "reverse", "task_options": {"vocab_size": 6, "min_len": 2, "max_len": 5, "long_max_len": 8,
                                                     "train_size": 300, "dev_size": 12, "test_size": 16,
                                                     "long_size": 16}, "max_tokens": 400},
        "train": {"max_steps": 30, "eval_every": 15, "eval_sentences": 12, "patience": None, "threads": 1,
                  "progress": False, "lr": 0.01},
    })
