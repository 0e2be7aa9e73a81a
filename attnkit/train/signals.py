"""Stop requests: Ctrl-C (SIGINT) and SIGTERM (what schedulers and `kill` send) end training at
the next step boundary, where the state is whole and a checkpoint resumes exactly.

The first signal only sets ``requested``; the loop sees it after the step in progress and saves.
A second signal is not waited for: it raises KeyboardInterrupt at once.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequests:
    """A context manager that turns SIGINT/SIGTERM into a request to stop (``requested``, the
    signal's name in ``reason``); outside the main thread it changes nothing."""

    def __init__(self) -> None:
        self.requested = False
        self.reason = ""
        self._previous: dict[int, object] = {}

    def _handle(self, number: int, frame: FrameType | None) -> None:
        if self.requested:  # the second one: do not wait for the step to end
            self._restore()
            raise KeyboardInterrupt
        self.requested, self.reason = True, signal.Signals(number).name

    def __enter__(self) -> StopRequests:
        if threading.current_thread() is threading.main_thread():
            for number in SIGNALS:
                self._previous[number] = signal.signal(number, self._handle)
        return self

    def _restore(self) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous = {}

    def __exit__(self, *exc) -> None:
        self._restore()
