"""Model families, registered by name: ``build_model(options, schema, fields)``.

    rnn                   recurrent encoder-decoder (none / Bahdanau / Luong styles), text -> text
    transformer           Transformer encoder-decoder, text -> text
    attention_classifier  recurrent encoder + attention pooling, text or frames -> label
    pointer               pointer network: RNN encoder-decoder whose attention points at the inputs,
                          frames -> positions
    entailment            premise and hypothesis LSTMs, (word-by-word) attention, text + text -> label
    ntm                   Neural Turing Machine: controller + memory + addressing heads, bits -> bits
    bits_lstm             the NTM tasks' LSTM baseline, bits -> bits
    show_attend_tell      CNN grid encoder + attending LSTM decoder, image -> caption (Xu 2015)
    listener              pyramidal BiLSTM over acoustic frames + attending character decoder, frames -> text
                          (Chan 2016, Chorowski 2015)
    pointer_generator     the rnn family with a copy switch over the source's words (See 2017), text -> text

A family is a model class (``models.family.Family``) with its options dataclass; add one with a
new file and one line in FAMILIES. Importing this package registers every family's options with
``attnkit.config`` so that ``model.type`` validates the model section at config load.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from ..config import ModelOptions, register_model
from ..tasks.schema import Schema
from .bits_lstm import BitsLSTM, BitsLSTMOptions
from .captioner import CaptionerOptions, ShowAttendTell
from .classifier import AttentionClassifier, ClassifierOptions
from .entailment import EntailmentModel, EntailmentOptions
from .family import Family, FamilyError
from .init import initialize
from .listener import Listener, ListenerOptions
from .ntm import NeuralTuringMachine, NTMOptions
from .pointer import PointerNetwork, PointerOptions
from .pointer_generator import PointerGenerator, PointerGeneratorOptions
from .rnn_seq2seq import RNNOptions, RNNSeq2Seq
from .state import AttentionCoverage, DecoderState, Memory, ModelOutput, SampledAttention, StepOutput, TransformerState
from .transformer import TransformerOptions, TransformerSeq2Seq

FAMILIES: dict[str, type[Family]] = {
    "rnn": RNNSeq2Seq,
    "transformer": TransformerSeq2Seq,
    "attention_classifier": AttentionClassifier,
    "pointer": PointerNetwork,
    "entailment": EntailmentModel,
    "show_attend_tell": ShowAttendTell,
}
FAMILIES.update({"ntm": NeuralTuringMachine, "bits_lstm": BitsLSTM})
FAMILIES["listener"] = Listener  # speech recognition (issue 13)
FAMILIES["pointer_generator"] = PointerGenerator  # summarisation (issue 15)


def register_family(name: str, family: type[Family]) -> None:
    """Add a family under ``name`` (its Options become valid for ``model.type: name``)."""
    FAMILIES[name] = family
    register_model(name, family.Options)


for _name, _family in FAMILIES.items():
    register_model(_name, _family.Options)


def get_family(name: str) -> type[Family]:
    if name not in FAMILIES:
        raise FamilyError(f"model.type {name!r} is not available; choose one of {', '.join(FAMILIES)}")
    return FAMILIES[name]


def build_model(options: ModelOptions, schema: Schema, fields: Mapping[str, Any]) -> nn.Module:
    """The family ``options.type`` built for ``schema`` over the fitted ``fields``, initialised
    with ``options.init``."""
    family = get_family(options.type)
    family.check_schema(options, schema)
    return initialize(family.from_fields(options, schema, fields), options.init, options.init_range)


__all__ = ["FAMILIES", "AttentionClassifier", "ClassifierOptions", "DecoderState", "EntailmentModel",
           "EntailmentOptions", "Family", "FamilyError", "Memory",
           "ModelOutput", "RNNOptions", "RNNSeq2Seq", "SampledAttention", "StepOutput", "TransformerOptions",
           "TransformerSeq2Seq", "TransformerState", "build_model", "get_family", "initialize", "register_family"]
__all__ += ["PointerNetwork", "PointerOptions"]
__all__ += ["BitsLSTM", "BitsLSTMOptions", "NTMOptions", "NeuralTuringMachine"]
__all__ += ["AttentionCoverage", "CaptionerOptions", "ShowAttendTell"]
__all__ += ["Listener", "ListenerOptions"]
__all__ += ["PointerGenerator", "PointerGeneratorOptions"]
