"""Tasks by name, for configs and `attnkit tasks`. Filled by explicit imports."""

from __future__ import annotations

from typing import Any

from attnkit.tasks.base import Task
from attnkit.tasks.bits import AssociativeRecall, BitCopy, RepeatCopy
from attnkit.tasks.dates import Dates
from attnkit.tasks.digits_captions import DigitsCaptions
from attnkit.tasks.lexical_nli import LexicalNLI
from attnkit.tasks.needle import Needle
from attnkit.tasks.numbers import Numbers
from attnkit.tasks.package_summaries import PackageSummaries
from attnkit.tasks.pointing import TSP, Hull, SortPoints
from attnkit.tasks.sequences import Copy, Reverse, Sort
from attnkit.tasks.spoken_digits import SpokenDigits

_TASKS: dict[str, type[Task]] = {cls.name: cls for cls in (Dates, Numbers, Copy, Reverse, Sort, Needle, LexicalNLI)}
_TASKS.update({cls.name: cls for cls in (SortPoints, Hull, TSP)})  # pointer networks (issue 16)
_TASKS.update({cls.name: cls for cls in (BitCopy, RepeatCopy, AssociativeRecall)})
_TASKS[DigitsCaptions.name] = DigitsCaptions  # image captioning (issue 12)
_TASKS[SpokenDigits.name] = SpokenDigits  # speech recognition (issue 13)
_TASKS[PackageSummaries.name] = PackageSummaries  # summarisation (issue 15)


def register_task(task: type[Task]) -> None:
    """Make ``task`` available as ``data.task: <task.name>`` (docs/ARCHITECTURE.md)."""
    if not (isinstance(task, type) and issubclass(task, Task)) or not task.name:
        raise TypeError(f"register_task: a task must be a Task subclass with a name; got {task!r}")
    _TASKS[task.name] = task


def names() -> list[str]:
    """Registered task names."""
    return list(_TASKS)


def get_task(name: str, *, seed: int = 0, **options: Any) -> Task:
    """The task `name` with `options` (unknown names and options raise ValueError)."""
    if name not in _TASKS:
        raise ValueError(f"unknown task {name!r}; valid tasks: {', '.join(_TASKS)}")
    return _TASKS[name](seed=seed, **options)


def describe() -> list[tuple[str, str, dict[str, Any]]]:
    """(name, description, options with their defaults) for every task."""
    return [(name, cls.description, dict(cls.defaults)) for name, cls in _TASKS.items()]
