"""Data: reading users' files, and batching encoded examples of any fields.

Imports only the leaf `attnkit.fields` (for `Field` and `Padded`).
"""

from attnkit.data.batching import Batch, collate, encode_examples, make_batches
from attnkit.data.pairs import Pair
from attnkit.data.reading import DataError, DataWarning, ReadReport, read_lines, read_parallel

__all__ = ["Batch", "DataError", "DataWarning", "Pair", "ReadReport", "collate", "encode_examples", "make_batches",
           "read_lines", "read_parallel"]
