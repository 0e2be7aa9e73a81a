"""Embedded tasks: data sets generated offline and deterministically from a seed.

Each task yields train/dev/test splits of one distribution and a "long" split for length
generalisation, as examples (dicts of named raw parts), and declares their `Schema`: the fields,
what a model reads and predicts, and the metrics. A leaf package: it imports nothing else from
attnkit. Users' own files are read through `attnkit.tasks.files` into the same examples.
"""

from attnkit.tasks.base import SPLIT_NAMES, Task
from attnkit.tasks.registry import describe, get_task, names, register_task
from attnkit.tasks.schema import FieldSpec, Schema, text_to_text

__all__ = ["SPLIT_NAMES", "FieldSpec", "Schema", "Task", "describe", "get_task", "names", "register_task",
           "text_to_text"]
