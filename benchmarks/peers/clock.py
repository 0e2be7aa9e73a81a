"""Train a peer toolkit for a wall-clock budget read off its own training clock.

A peer has no "stop after M minutes" option, so the harness does it from outside: the peer runs
with an unbounded number of updates and writes a checkpoint every few updates; its clock starts
when its log says the training loop began (start-up, data loading and vocabulary building are not
counted, as attnkit's train.max_minutes does not count them); M minutes later the process is
stopped, and the checkpoint written last at or before that moment is the one scored. A checkpoint
cut short by the stop (an incomplete zip file: torch.save writes zip archives) is never chosen.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import zipfile
from pathlib import Path

POLL_S = 0.25
KEEP = 5  # checkpoints kept on disk while training (older ones are deleted; OpenNMT-py keeps 3 itself)


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the command under /usr/bin/time (so time still writes its report), then SIGKILL."""
    for pid in _children(process.pid):
        os.kill(pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        for pid in _children(process.pid):
            os.kill(pid, signal.SIGKILL)
        process.wait(timeout=30)


def _complete(path: Path) -> bool:
    return path.exists() and zipfile.is_zipfile(path)


def train_for(command: list[str], *, env: dict, cwd: Path, log: Path, minutes: float, started: str,
              checkpoints: tuple[Path, str], step_of: str) -> dict:
    """Run ``command`` (under /usr/bin/time -v) for ``minutes`` of training after the first log
    line matching ``started``; ``checkpoints`` = (directory, glob) of the files it writes, ``step_of``
    a regex whose group 1 is the update count in a checkpoint's name.

    Returns wall_s (whole process), peak_rss_mb, train_s (clock start -> chosen checkpoint),
    steps and checkpoint (its path).
    """
    rusage = log.with_suffix(".time")
    folder, pattern = checkpoints
    seen: dict[Path, float] = {}  # checkpoint -> its last modification time (epoch seconds)
    begin = time.time()
    with open(log, "w") as out:
        process = subprocess.Popen(["/usr/bin/time", "-v", "-o", str(rusage), *command], stdout=out,
                                   stderr=subprocess.STDOUT, env=env, cwd=cwd)
        clock_start = deadline = None
        try:
            while True:
                time.sleep(POLL_S)
                if process.poll() is not None:
                    raise SystemExit(f"{command[0]} ended before its budget (exit {process.returncode}); "
                                     f"--- {log}:\n" + log.read_text()[-3000:])
                now = time.time()
                if clock_start is None:
                    if re.search(started, log.read_text(errors="replace")):
                        clock_start, deadline = now, now + minutes * 60
                    continue
                for path in folder.glob(pattern):
                    if not path.is_symlink():
                        try:
                            seen[path] = path.stat().st_mtime
                        except FileNotFoundError:  # deleted by the toolkit meanwhile
                            seen.pop(path, None)
                for old in sorted(seen, key=seen.get)[:-KEEP]:
                    old.unlink(missing_ok=True)
                    del seen[old]
                if now >= deadline:
                    break
        finally:
            if process.poll() is None:
                _stop(process)
    wall = time.time() - begin
    chosen = [p for p in sorted(seen, key=seen.get, reverse=True) if seen[p] <= deadline and _complete(p)]
    if not chosen:
        raise SystemExit(f"no complete checkpoint within the budget in {folder} ({pattern}): a shorter "
                         f"--save-every, or a longer budget; --- {log}:\n" + log.read_text()[-2000:])
    checkpoint = chosen[0]
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", rusage.read_text()).group(1))
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(peak / 1024, 1),
            "train_s": round(seen[checkpoint] - clock_start, 2),
            "steps": int(re.search(step_of, checkpoint.name).group(1)), "checkpoint": str(checkpoint)}
