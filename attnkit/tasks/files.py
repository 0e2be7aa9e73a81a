"""Users' own text files as examples: one TSV file (source<TAB>target) or two line-aligned files.

The files become the same dict examples an embedded task yields (``{"source": ..., "target":
...}``), read through `attnkit.data.read_parallel` (file:line errors, dropped-line counts).
"""

from __future__ import annotations

from pathlib import Path

from attnkit.data import read_parallel


def read_text_pairs(spec: str, *, option: str, header: bool = False, strict: bool = False,
                    max_len: int | None = None) -> list[dict]:
    """'data.tsv' or 'src.txt,tgt.txt' -> examples, each with its "where" ("file:line") for
    messages. ``option`` names the config key the spec came from (e.g. "data.train"), for errors."""
    parts = [Path(p.strip()) for p in spec.split(",")]
    if len(parts) > 2 or not all(str(p) for p in parts):
        raise ValueError(f"{option}: expected a TSV file or 'source,target' files; got {spec!r}")
    pairs, _ = read_parallel(parts[0], parts[1] if len(parts) == 2 else None, max_len=max_len, strict=strict,
                             header=header)
    where = str(parts[0]) if len(parts) == 1 else f"{parts[0]} + {parts[1]}"
    return [{"source": p.source, "target": p.target, "where": f"{where}:{p.line}"} for p in pairs]
