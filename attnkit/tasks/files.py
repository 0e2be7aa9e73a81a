"""Users' own files as examples, in the formats of ``FILE_FORMATS`` (``data.format``):

- ``text``: one TSV file (source<TAB>target) or two line-aligned files, read through
  `attnkit.data.read_parallel` (file:line errors, dropped-line counts) into the same dict
  examples an embedded task yields (``{"source": ..., "target": ...}``);
- ``summaries``: the same TSV or two files, a long text and its summary, scored by ROUGE
  (``tasks.schema.text_to_summary``);
- ``nli``: entailment pairs, SNLI/MultiNLI jsonl or a premise/hypothesis/label TSV
  (``tasks/nli_files.py``);
- ``speech`` and ``kaldi``: recordings with transcripts, a path<TAB>transcript TSV or a Kaldi
  data directory (wav.scp + text) (``tasks/speech_files.py``).
- ``captions``: an image folder and an ``image<TAB>caption`` file, several captions per image
  (``tasks/caption_files.py``).

A format is a reader (spec, option=, header=, strict=) -> examples and the schema of its examples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from attnkit.data import read_parallel
from attnkit.tasks.caption_files import captions_schema, read_caption_spec
from attnkit.tasks.nli_files import nli_schema, read_nli
from attnkit.tasks.schema import Schema, text_to_summary, text_to_text
from attnkit.tasks.speech_files import read_kaldi_dir, read_speech_tsv, speech_schema


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


@dataclass(frozen=True)
class FileFormat:
    """How to read one kind of users' file (``read``) and what its examples hold (``schema``)."""

    read: Callable[..., list[dict]]
    schema: Callable[[], Schema]
    description: str


FILE_FORMATS: dict[str, FileFormat] = {
    "text": FileFormat(read_text_pairs, lambda: text_to_text("word"),
                       "source -> target text: a TSV (source<TAB>target) or 'src.txt,tgt.txt'"),
    "summaries": FileFormat(read_text_pairs, text_to_summary,
                            "text -> summary: a TSV (text<TAB>summary) or 'text.txt,summary.txt', scored by ROUGE"),
    "nli": FileFormat(read_nli, nli_schema,
                      "premise + hypothesis -> label: SNLI/MultiNLI .jsonl or a premise<TAB>hypothesis<TAB>label TSV"),
    "speech": FileFormat(read_speech_tsv, speech_schema,
                         "audio -> transcript: a TSV of audio-path<TAB>transcript (paths relative to the TSV)"),
    "kaldi": FileFormat(read_kaldi_dir, speech_schema,
                        "audio -> transcript: a Kaldi data directory holding wav.scp and text"),
    "captions": FileFormat(read_caption_spec, captions_schema,
                           "image -> caption: 'captions.txt' (image<TAB>caption lines, several per image; images "
                           "beside it) or 'captions.txt,IMAGE_FOLDER'"),
}


def file_format(name: str) -> FileFormat:
    if name not in FILE_FORMATS:
        raise ValueError(f"data.format {name!r} is not a file format; choose one of {', '.join(FILE_FORMATS)}")
    return FILE_FORMATS[name]
