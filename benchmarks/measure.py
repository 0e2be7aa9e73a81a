"""Measuring on a shared machine: interleaved medians for time, a fresh process for peak memory.

Imported by the benchmark scripts in this folder (run them as `python benchmarks/NAME.py`).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
from collections.abc import Callable
from typing import Any


def interleaved_medians(cases: dict[str, Callable[[], object]], repeats: int,
                        min_sample_s: float = 0.05) -> dict[str, float]:
    """Median seconds per call of each case; the cases take turns within every round, so a
    burst of load from other processes hits all of them alike."""
    numbers = {}
    for label, case in cases.items():  # warm up, and pick a call count per sample
        start = time.perf_counter()
        case()
        if min_sample_s > 0:
            start = time.perf_counter()
            case()
        numbers[label] = max(1, round(min_sample_s / max(time.perf_counter() - start, 1e-9)))
    samples: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(repeats):
        for label, case in cases.items():
            start = time.perf_counter()
            for _ in range(numbers[label]):
                case()
            samples[label].append((time.perf_counter() - start) / numbers[label])
    return {label: statistics.median(values) for label, values in samples.items()}


def status_kib(field: str) -> int:
    """A field of /proc/self/status in KiB (VmRSS, VmHWM)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1])


def peak_extra_bytes(call: Callable[[], object]) -> int:
    """Peak resident memory that one ``call()`` adds above the current resident size (Linux)."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # reset the peak resident set size to the current one
    before = status_kib("VmRSS")
    call()
    return (status_kib("VmHWM") - before) * 1024


def _child(target: Callable[..., Any], args: tuple, conn) -> None:
    conn.send(target(*args))
    conn.close()


def in_fresh_process(target: Callable[..., Any], *args: Any) -> Any:
    """``target(*args)`` in a new (spawned) process; its result comes back. ``target`` must be a
    module-level function. The child's glibc returns freed buffers to the system
    (MALLOC_MMAP_THRESHOLD_=65536), so its peak RSS shows what was live at once, not every buffer
    ever allocated."""
    os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", "65536")  # read by the child's glibc at start
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(target, args, send))
    child.start()
    result = receive.recv()
    child.join()
    return result
