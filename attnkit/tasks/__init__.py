"""Embedded tasks: data sets generated offline and deterministically from a seed.

Each task yields train/dev/test splits of one distribution and a "long" split for length
generalisation. A leaf package: it imports only `attnkit.data` (for `Pair`).
"""

from attnkit.tasks.base import SPLIT_NAMES, Task
from attnkit.tasks.registry import describe, get_task, names

__all__ = ["SPLIT_NAMES", "Task", "describe", "get_task", "names"]
