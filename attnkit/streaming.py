"""`attnkit translate` as a stream: a line in, its translation out, in a pipe or at a prompt.

Lines are read straight from the file descriptor and decoded in groups: a group ends when
``decode.batch_size`` lines are in or no further line is ready at that moment, so a file or a
pipe is translated in batches while a person typing gets each answer at once. Every input line
gets exactly one output line (n-best: its hypotheses), in order. A line that cannot be
translated (bytes that are not UTF-8, too long for the model) gets an empty output line and one
message on stderr naming its line number; the rest go on, and the count of failed lines is
returned so the command can exit non-zero at the end.
"""

from __future__ import annotations

import os
import select
from collections.abc import Iterator
from typing import TextIO

from .config import DecodeConfig

READ_SIZE = 1 << 16


def ready_line_groups(fd: int, limit: int) -> Iterator[list[tuple[int, bytes]]]:
    """(line number, bytes without the newline) groups read from ``fd``: each as soon as at least
    one line is complete and no more is ready, or ``limit`` lines are in."""
    buffer, number, eof = b"", 0, False
    while not eof or buffer:
        while b"\n" not in buffer and not eof:  # wait for one whole line (or the end)
            chunk = os.read(fd, READ_SIZE)
            eof, buffer = not chunk, buffer + chunk
        group: list[tuple[int, bytes]] = []
        while True:
            while b"\n" in buffer and len(group) < limit:
                line, buffer = buffer.split(b"\n", 1)
                number += 1
                group.append((number, line))
            if len(group) >= limit or eof or not select.select([fd], [], [], 0)[0]:
                break
            chunk = os.read(fd, READ_SIZE)
            eof, buffer = not chunk, buffer + chunk
        if eof and buffer and b"\n" not in buffer:  # a last line without its newline
            number += 1
            group.append((number, buffer))
            buffer = b""
        if group:
            yield group


def _text(raw: bytes) -> str:
    """A line's text (UTF-8, a Windows line end and outer whitespace removed); UnicodeDecodeError
    says where it is not UTF-8."""
    return raw.removesuffix(b"\r").decode("utf-8").strip()


def _format(number: int, translations, n_best: int) -> list[str]:
    """One line per hypothesis. n-best: 'index<TAB>text<TAB>log_prob<TAB>normalized_score', index the
    0-based input line, log_prob the total log-probability, normalized_score what the beam ranked by
    (log_prob / length**decode.length_penalty), best first."""
    if n_best == 1:
        return [translations[0].text]
    return [f"{number - 1}\t{t.text}\t{t.score:.4f}\t{t.normalized_score:.4f}" for t in translations]


def translate_stream(run, decode: DecodeConfig, fd: int, out: TextIO, err: TextIO, name: str = "stdin") -> int:
    """Translate the lines of ``fd`` to ``out`` as they come; returns how many lines failed."""
    failed = 0
    for group in ready_line_groups(fd, decode.batch_size):
        texts: dict[int, str] = {}
        outputs: dict[int, list[str]] = {}
        for number, raw in group:
            try:
                text = _text(raw)
            except UnicodeDecodeError as error:
                err.write(f"attnkit translate: {name}:{number}: not valid UTF-8 (byte 0x{raw[error.start]:02x} at "
                          f"byte {error.start + 1} of the line); the line is skipped\n")
                outputs[number], failed = [""], failed + 1
                continue
            if text:
                texts[number] = text
            else:
                outputs[number] = [""]  # an empty line translates to an empty line
        for number, found in _translate_all(run, decode, texts, err, name).items():
            if found is None:
                outputs[number], failed = [""], failed + 1
            else:
                outputs[number] = _format(number, found, decode.n_best)
        for number, _ in group:
            out.write("".join(f"{line}\n" for line in outputs[number]))
        out.flush()
    return failed


def _translate_all(run, decode: DecodeConfig, texts: dict[int, str], err: TextIO, name: str) -> dict:
    """Translations by line number; when the group fails as a whole, line by line, so one bad
    line (too long for the model) costs only itself. A failed line maps to None."""
    if not texts:
        return {}
    try:
        return dict(zip(texts, run.translate(list(texts.values()), decode), strict=True))
    except (ValueError, RuntimeError):
        if len(texts) == 1:
            number, text = next(iter(texts.items()))
            try:
                return {number: run.translate([text], decode)[0]}
            except (ValueError, RuntimeError) as error:
                err.write(f"attnkit translate: {name}:{number}: {error}\n")
                return {number: None}
    found = {}
    for number, text in texts.items():
        found.update(_translate_all(run, decode, {number: text}, err, name))
    return found
