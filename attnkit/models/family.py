"""What a registered model family is: a model class that builds itself from its options and the
run's fields, and says which tasks it fits.

A family's class sets ``Options`` (its options dataclass, a subclass of
``attnkit.config.ModelOptions``) and ``predictions`` (the task prediction kinds it can serve) and
implements ``from_fields``; ``check_schema`` refuses a task it cannot read, naming both. A family
that generates sequences also offers the decoding protocol (``encode``, ``start``, ``step``) that
one greedy/beam search serves; a classifier offers ``forward`` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..config import AttentionConfig, ModelOptions
from ..tasks.schema import Schema


class FamilyError(ValueError):
    """A model family asked to serve a task it cannot read or predict; the message names both."""


class Family:
    """Mixin of every registered model class (the nn.Module subclasses it too)."""

    Options: ClassVar[type[ModelOptions]] = ModelOptions
    predictions: ClassVar[tuple[str, ...]] = ()
    input_kinds: ClassVar[tuple[str, ...]] = ("text",)  # field kinds the first input may be
    output_kinds: ClassVar[tuple[str, ...]] = ("text",)
    # the longest output a generating model can produce (a Transformer's position table); None: no limit
    max_output_length: int | None = None
    # whether an output's length limit scales with the input's length (decode.max_length_ratio);
    # False (an image's pixel count says nothing of its caption's length): decode.max_output_tokens
    # and max_output_length bound it alone
    output_scales_with_input: ClassVar[bool] = True
    # (rows, cols) when the attended positions are the cells of a grid laid evenly over an input
    # image, row by row (a captioner): its outputs then draw over the image; None otherwise
    attention_grid: tuple[int, int] | None = None

    @classmethod
    def check_schema(cls, options: ModelOptions, schema: Schema) -> None:
        """Raise FamilyError unless this family can read the schema's inputs and predict its output."""
        inputs = [schema.fields[name].kind for name in schema.inputs]
        output = schema.fields[schema.output].kind
        fits = (schema.prediction in cls.predictions and len(inputs) == 1 and inputs[0] in cls.input_kinds
                and output in cls.output_kinds)
        if not fits:
            raise FamilyError(f"model.type {options.type} ({', '.join(cls.input_kinds)} -> "
                              f"{', '.join(cls.output_kinds)}, {'/'.join(cls.predictions)}) cannot serve this task: "
                              f"it has {', '.join(inputs)} -> {output} ({schema.prediction})")

    @classmethod
    def needs_mixed_batches(cls, options: ModelOptions) -> bool:
        """Whether training batches should mix output lengths (data.bucket_by: none): True for a
        model whose layers normalise over the batch (batch norm), whose evaluation-time running
        statistics otherwise match no training batch."""
        return False

    @classmethod
    def prepare_schema(cls, options: ModelOptions, schema: Schema) -> Schema:
        """The schema with any field options this family needs (a copying model keeps its text
        fields' unknown words, ``keep_oov``); saved with the run, so every command sees them."""
        return schema

    @classmethod
    def joint_fields(cls, options: ModelOptions, schema: Schema) -> list[tuple[str, ...]]:
        """Groups of fields that must share one fitted vocabulary (e.g. shared embeddings)."""
        return []

    @classmethod
    def from_fields(cls, options: ModelOptions, schema: Schema, fields: Mapping[str, Any]) -> Any:
        """The model for these options over the run's fitted fields."""
        raise TypeError(f"{cls.__name__} does not implement from_fields")


def encoder_problems(options: Any) -> list[str]:
    """What is wrong with a recurrent encoder's options (embedding_dim, hidden_dim, bidirectional,
    encoder_layers, dropout), shared by the families that have one."""
    checks = [
        (options.embedding_dim > 0 and options.hidden_dim > 0,
         "model.embedding_dim and model.hidden_dim must be positive"),
        (not options.bidirectional or options.hidden_dim % 2 == 0,
         "model.hidden_dim must be even with a bidirectional encoder (it is split between directions)"),
        (options.encoder_layers > 0, "layers must be positive"),
        (0 <= options.dropout < 1, "model.dropout must be in [0, 1)"),
    ]
    return [message for ok, message in checks if not ok]


def attention_problems(attention: AttentionConfig, query_dim: int, key_dim: int) -> list[str]:
    """What is wrong with ``model.attention`` for queries of query_dim and keys of key_dim: an
    unknown name, an option the mechanism does not take, or a value it refuses (found by building
    it once, at config load, so a typo never reaches training)."""
    from ..attention import build, canonical_name
    from ..attention import options as mechanism_options

    try:
        name = canonical_name(attention.name)
    except ValueError as error:
        return [f"model.attention.name: {error}"]
    accepted = mechanism_options(name)
    for key in attention.options:
        if key not in accepted:
            return [f"model.attention.options.{key} is not an option of attention {name!r}; its options: "
                    f"{', '.join(accepted)}"]
    import torch

    try:
        with torch.random.fork_rng(devices=[]):  # a trial build must not move torch's random stream
            build(name, query_dim=query_dim, key_dim=key_dim, **attention.options)
    except (TypeError, ValueError) as error:
        return [f"model.attention.options: {error}"]
    return []
