"""The one record every data source yields: a source string, its target, and (when known) a
gold alignment.

Tasks generate `Pair`s, `read_parallel` reads them from user files, and the pipeline tokenises
both sides. The alignment, when a task can derive it exactly, lets the viz and tests compare a
model's attention with the truth.
"""

from __future__ import annotations

from dataclasses import dataclass


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
