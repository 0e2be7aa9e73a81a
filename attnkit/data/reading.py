"""Reading user parallel data: one TSV file or two line-aligned plain-text files.

Bad input fails early with a `DataError` that names the file and the line: a missing file,
bytes that are not UTF-8 (with the byte offset), two files of different lengths (both counts),
a TSV line without exactly one tab. Lines that are empty on either side, or longer than
`max_len` whitespace-separated tokens on either side, are dropped, never truncated; they are
counted in the returned `ReadReport` and summarised in one `DataWarning`. With `strict=True`
they raise a DataError at the first offending file:line instead.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

from attnkit.data.pairs import Pair

_SHOWN = 5  # line numbers of dropped lines kept in the report


class DataError(ValueError):
    """User data that cannot be read; the message names the file and, when known, the line."""


class DataWarning(UserWarning):
    """Lines dropped while reading user data (the counts are in the ReadReport)."""


@dataclass
class ReadReport:
    """What `read_parallel` kept and dropped. Line numbers are 1-based (the first few only)."""

    kept: int = 0
    dropped_empty: int = 0
    dropped_long: int = 0
    empty_lines: list[int] = field(default_factory=list)
    long_lines: list[int] = field(default_factory=list)

    def record_drop(self, kind: str, line: int) -> None:
        """Count a dropped line of `kind` "empty" or "long"."""
        if kind == "empty":
            self.dropped_empty += 1
            numbers = self.empty_lines
        else:
            self.dropped_long += 1
            numbers = self.long_lines
        if len(numbers) < _SHOWN:
            numbers.append(line)

    def summary(self) -> str:
        """One line: what was kept and dropped, with the first line numbers of each kind."""
        def lines(numbers: list[int], total: int) -> str:
            shown = ", ".join(map(str, numbers)) + (", ..." if total > len(numbers) else "")
            return f" (line {shown})" if numbers else ""

        return (
            f"kept {self.kept} pairs; dropped {self.dropped_empty} with an empty side"
            f"{lines(self.empty_lines, self.dropped_empty)} and {self.dropped_long} over max_len"
            f"{lines(self.long_lines, self.dropped_long)}"
        )


def read_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 text file, without line endings (\\n or \\r\\n; a BOM is skipped)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if not path.is_file():
        raise DataError(f"{path}: not a regular file")
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise DataError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{data[error.start]:02x} at byte offset {error.start} "
            "of the file); convert the file to UTF-8, e.g. with iconv"
        ) from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _split_tsv(path: Path, lines: list[str], first_line: int) -> list[tuple[int, str, str]]:
    rows = []
    for number, line in enumerate(lines, start=first_line):
        if not line.strip():
            rows.append((number, "", ""))
            continue
        tabs = line.count("\t")
        if tabs != 1:
            raise DataError(
                f"{path}:{number}: expected exactly one tab (source<TAB>target), found {tabs}"
            )
        source, target = line.split("\t")
        rows.append((number, source, target))
    return rows


def _rows(
    source: Path, target: Path | None, header: bool
) -> tuple[list[tuple[int, str, str]], Path, Path, str]:
    """(line number, source text, target text) rows, the file each side comes from, and a
    description of the input for messages."""
    first_line = 2 if header else 1
    if target is None:
        rows = _split_tsv(source, read_lines(source)[first_line - 1 :], first_line)
        return rows, source, source, str(source)
    source_lines, target_lines = read_lines(source), read_lines(target)
    if len(source_lines) != len(target_lines):
        raise DataError(
            f"{source} has {len(source_lines)} lines but {target} has {len(target_lines)}; "
            "the two files must be line-aligned"
        )
    aligned = zip(source_lines[first_line - 1 :], target_lines[first_line - 1 :], strict=True)
    rows = [(number, s, t) for number, (s, t) in enumerate(aligned, start=first_line)]
    return rows, source, target, f"{source} + {target}"


def read_parallel(
    source: Path,
    target: Path | None = None,
    *,
    max_len: int | None = None,
    strict: bool = False,
    header: bool = False,
) -> tuple[list[Pair], ReadReport]:
    """Read pairs from `source` as TSV (source<TAB>target per line), or, when `target` is given,
    from two files whose line i pair up.

    `header=True` skips the first line (of each file). `max_len` limits each side to that many
    whitespace-separated tokens (None: no limit). Both sides are stripped of surrounding
    whitespace. Returns the pairs in file order and a ReadReport.
    """
    if max_len is not None and max_len < 1:
        raise ValueError(f"max_len must be >= 1 or None, got {max_len}")
    target = None if target is None else Path(target)
    rows, source_file, target_file, where = _rows(Path(source), target, header)
    pairs, report = [], ReadReport()
    for number, src, tgt in rows:
        src, tgt = src.strip(), tgt.strip()
        problem = _problem(src, tgt, max_len)
        if problem is None:
            pairs.append(Pair(src, tgt, line=number))
            continue
        kind, side = problem
        if strict:
            path = source_file if side == "source" else target_file
            limit = "" if kind == "empty" else f" (over max_len={max_len} whitespace tokens)"
            raise DataError(f"{path}:{number}: {kind} {side}{limit}; strict mode rejects it")
        report.record_drop(kind, number)
    report.kept = len(pairs)
    if not pairs:
        raise DataError(f"{where}: no usable pairs ({report.summary()})")
    if report.dropped_empty or report.dropped_long:
        warnings.warn(f"{where}: {report.summary()}", DataWarning, stacklevel=2)
    return pairs, report


def _problem(source: str, target: str, max_len: int | None) -> tuple[str, str] | None:
    """("empty" | "long", "source" | "target") for a line to drop, else None."""
    for side, text in (("source", source), ("target", target)):
        if not text:
            return "empty", side
    if max_len is not None:
        for side, text in (("source", source), ("target", target)):
            if len(text.split()) > max_len:
                return "long", side
    return None
