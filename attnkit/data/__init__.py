"""Data: pairs, tokenizers, vocabularies, reading user files, and length-bucketed batches.

A leaf package: it imports nothing else from attnkit.
"""

from attnkit.data.batching import Batch, EncodedPair, collate, encode_pairs, make_batches
from attnkit.data.pairs import Pair
from attnkit.data.reading import DataError, DataWarning, ReadReport, read_lines, read_parallel
from attnkit.data.tokenizers import (
    SPACE,
    Tokenizer,
    build_tokenizer,
    load_tokenizer,
    tokenizer_names,
)
from attnkit.data.vocab import BOS, EOS, PAD, SPECIALS, UNK, Vocabulary

__all__ = [
    "BOS",
    "EOS",
    "PAD",
    "SPACE",
    "SPECIALS",
    "UNK",
    "Batch",
    "DataError",
    "DataWarning",
    "EncodedPair",
    "Pair",
    "ReadReport",
    "Tokenizer",
    "Vocabulary",
    "build_tokenizer",
    "collate",
    "encode_pairs",
    "load_tokenizer",
    "make_batches",
    "read_lines",
    "read_parallel",
    "tokenizer_names",
]
