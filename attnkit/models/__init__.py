"""Sequence-to-sequence models. ``build_model(config.model, source_vocab, target_vocab)``."""

from __future__ import annotations

from torch import nn

from ..config import ModelConfig
from .init import initialize
from .rnn_seq2seq import RNNSeq2Seq
from .state import DecoderState, Memory, SequenceOutput, StepOutput, TransformerState
from .transformer import TransformerSeq2Seq

MODELS = {"rnn": RNNSeq2Seq, "transformer": TransformerSeq2Seq}


def build_model(config: ModelConfig, source_vocab: int, target_vocab: int) -> nn.Module:
    """The model family ``config.type`` for the given vocabulary sizes."""
    if config.type not in MODELS:
        raise ValueError(f"model.type {config.type!r} is not available; choose one of {sorted(MODELS)}")
    model = MODELS[config.type](source_vocab, target_vocab, config)
    return initialize(model, config.init, config.init_range)


__all__ = ["DecoderState", "MODELS", "Memory", "RNNSeq2Seq", "SequenceOutput", "StepOutput", "TransformerSeq2Seq",
           "TransformerState", "build_model", "initialize"]
