"""bf16 mixed precision: the forward pass runs under autocast bfloat16 while weights and the
optimizer stay float32; training still learns and decoding still finds the same kind of outputs."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
import torch
from text_pipeline import decode_sources, text_model

from attnkit.config import ConfigError, DecodeConfig, config_from_dict
from attnkit.precision import autocast
from attnkit.run import train


def test_autocast_runs_matrix_products_in_bfloat16_and_refuses_unknown_precisions():
    layer = torch.nn.Linear(4, 3)
    with autocast("cpu", "bf16"):
        assert layer(torch.randn(2, 4)).dtype == torch.bfloat16
    with autocast("cpu", "fp32"):
        assert layer(torch.randn(2, 4)).dtype == torch.float32
    with pytest.raises(ValueError, match="precision must be one of"):
        autocast("cpu", "fp16")


def test_config_names_the_precision_option_at_fault():
    with pytest.raises(ConfigError, match="precision"):
        config_from_dict({"train": {"precision": "half"}}, "test")


@pytest.mark.parametrize("model", [
    {"style": "luong", "embedding_dim": 8, "hidden_dim": 16, "attention": {"name": "additive"}},
    {"type": "transformer", "hidden_dim": 16, "num_heads": 2, "ff_dim": 32, "encoder_layers": 1,
     "decoder_layers": 1},
])
def test_bf16_training_keeps_float32_weights_and_learns_as_float32_does(model, tmp_path):
    def dev_loss(precision: str) -> float:
        config = config_from_dict({
            "model": {**model, "dropout": 0.0},
            "data": {"task": "copy", "max_tokens": 200,
                     "task_options": {"vocab_size": 6, "min_len": 2, "max_len": 5, "train_size": 200,
                                      "dev_size": 16, "test_size": 8, "long_size": 4}},
            "train": {"max_steps": 80, "eval_every": 80, "eval_sentences": 16, "progress": False, "threads": 1,
                      "lr": 0.01, "seed": 0, "patience": None, "precision": precision},
        }, "test")
        run, _ = train(config, tmp_path / precision)
        assert all(p.dtype == torch.float32 for p in run.model.parameters())
        return json.loads((tmp_path / precision / "metrics.jsonl").read_text().splitlines()[-1])["dev_loss"]

    mixed, full = dev_loss("bf16"), dev_loss("fp32")
    assert mixed < 0.6 * math.log(10)  # untrained: about ln(vocabulary of 10)
    assert abs(mixed - full) < 0.3, (mixed, full)


def test_bf16_decoding_matches_float32_decoding_on_a_confident_model():
    torch.manual_seed(0)
    model = text_model(dict(type="transformer", hidden_dim=16, num_heads=2, ff_dim=32, encoder_layers=1,
                            decoder_layers=1, dropout=0.0), 10, 10).eval()
    with torch.no_grad():
        model.output.bias[3] += 2.0  # short outputs
    sources = [[4, 5, 6], [7, 8], [9]]
    full = decode_sources(model, sources, DecodeConfig(beam_size=3))
    half = decode_sources(model, sources, dataclasses.replace(DecodeConfig(beam_size=3), precision="bf16"))
    for a, b in zip(full, half, strict=True):
        assert abs(a[0].score - b[0].score) < 0.1
        assert a[0].alignment.dtype == b[0].alignment.dtype == torch.float32
