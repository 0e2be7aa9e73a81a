"""What `read_parallel` yields for each line of a user's parallel text: a source string, its
target, and (when known) a gold alignment.

The pipeline itself works on examples, dicts of named parts; `attnkit.tasks.files` turns these
records into `{"source": ..., "target": ...}` examples.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pair:
    """One parallel example.

    `alignment`, when not None, has one entry per target token (as the task's tokenizer splits
    the target): the index of the source token (as the same tokenizer splits the source) that
    carries that token's information, or -1 when no single source token does.
    """

    source: str
    target: str
    alignment: tuple[int, ...] | None = None
    line: int | None = field(default=None, compare=False)  # the 1-based line it came from, for messages
