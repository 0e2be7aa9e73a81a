"""One training at a time per run directory: an advisory lock on RUN_DIR/.lock.

Two `attnkit train` into the same directory would interleave their metrics and mix one's config
with the other's checkpoints; the second one is refused, naming the process that holds the lock.
The lock is the kernel's (fcntl.flock), so it goes away with its process, even after kill -9.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_FILE = ".lock"


class RunLocked(RuntimeError):
    """Another process is training into this run directory; the message names it."""


class RunLock:
    """``with RunLock(directory):`` holds the directory for the duration (the directory is
    created when missing)."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / LOCK_FILE
        self._handle = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise RunLocked(f"{self.path.parent} is being trained by {holder}; wait for it to finish or "
                            "choose another --run-dir") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"attnkit train (pid {os.getpid()})\n")
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
