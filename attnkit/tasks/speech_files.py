"""Users' own recordings with transcripts, two layouts (``data.format``):

- ``speech``: a TSV, one ``path<TAB>transcript`` per line (blank lines and ``#`` comments skipped),
  paths relative to the TSV's folder unless absolute;
- ``kaldi``: a Kaldi data directory holding ``wav.scp`` (``utterance-id path`` per line) and
  ``text`` (``utterance-id transcript``), matched by utterance id (a relative path is looked for
  in the directory, then in the current one, where Kaldi recipes run); a ``wav.scp`` entry that is a
  command (ending in ``|``) is refused, as is an id found in only one of the two files.

Each line becomes ``{"audio": path, "text": transcript, "where": "file:line"}``; the audio is read
(and resampled to the run's rate) by the frames field when the example is encoded. Every error
names the file and line: no tab, an empty transcript, a missing or unreadable audio file.
"""

from __future__ import annotations

from pathlib import Path

from attnkit.data import DataError
from attnkit.tasks.schema import FieldSpec, Schema


def speech_schema(sample_rate: int = 16000) -> Schema:
    """audio (frames with log-mel settings) -> generated characters, scored by CER and WER."""
    return Schema({"audio": FieldSpec("frames", {"normalise": "global",
                                                 "audio": {"sample_rate": sample_rate, "n_mels": 40}}),
                   "text": FieldSpec("text", {"tokenizer": "char", "generated": True})},
                  inputs=("audio",), output="text", prediction="generate", metrics=("cer", "wer", "exact_match"))


def _lines(path: Path, what: str) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"cannot read {what} {path}: {error}") from None


def check_audio(path: Path, where: str) -> None:
    """Refuse a missing or unreadable audio file, naming the line that asks for it."""
    if not path.is_file():
        raise DataError(f"{where}: audio file {path} does not exist")
    try:
        import soundfile
    except ImportError:
        raise DataError("reading audio needs soundfile: pip install 'attnkit[speech]'") from None
    try:
        soundfile.info(str(path))
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise DataError(f"{where}: {path} is not an audio file soundfile can read (WAV, FLAC, OGG): {error}") from None


def read_speech_tsv(spec: str, *, option: str, header: bool = False, strict: bool = False) -> list[dict]:
    """``spec``: a TSV of path<TAB>transcript lines -> examples. ``option`` names the config key."""
    tsv = Path(spec)
    if not tsv.is_file():
        raise DataError(f"{option}: {tsv} is not a file (data.format speech reads a path<TAB>transcript TSV)")
    examples = []
    for number, line in enumerate(_lines(tsv, "transcripts file"), 1):
        if (header and number == 1) or not line.strip() or line.startswith("#"):
            continue
        where = f"{tsv}:{number}"
        name, tab, text = line.partition("\t")
        if not tab or not name.strip():
            raise DataError(f"{where}: expected 'path<TAB>transcript'; got {line[:60]!r}")
        if not text.strip():
            raise DataError(f"{where}: empty transcript for {name.strip()!r}")
        path = Path(name.strip())
        path = path if path.is_absolute() else tsv.parent / path
        check_audio(path, where)
        examples.append({"audio": str(path), "text": text.strip(), "where": where})
    if not examples:
        raise DataError(f"{tsv} holds no 'path<TAB>transcript' line")
    return examples


def _table(path: Path, what: str) -> dict[str, tuple[str, int]]:
    """A Kaldi table (``id value`` lines) -> id -> (value, line number); duplicates refused."""
    table: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(_lines(path, what), 1):
        if not line.strip():
            continue
        key, _, value = line.strip().partition(" ")
        if not value.strip():
            raise DataError(f"{path}:{number}: expected 'utterance-id {what}'; got {line[:60]!r}")
        if key in table:
            raise DataError(f"{path}:{number}: utterance {key!r} is listed twice (first on line {table[key][1]})")
        table[key] = (value.strip(), number)
    return table


def read_kaldi_dir(spec: str, *, option: str, header: bool = False, strict: bool = False) -> list[dict]:
    """``spec``: a Kaldi data directory (wav.scp + text) -> examples, in wav.scp's order."""
    folder = Path(spec)
    scp, text = folder / "wav.scp", folder / "text"
    for needed in (scp, text):
        if not needed.is_file():
            raise DataError(f"{option}: {needed} does not exist (data.format kaldi reads a directory with wav.scp "
                            "and text)")
    recordings, transcripts = _table(scp, "path"), _table(text, "transcript")
    for key, (_, number) in transcripts.items():
        if key not in recordings:
            raise DataError(f"{text}:{number}: utterance {key!r} has no recording in {scp}")
    examples = []
    for key, (value, number) in recordings.items():
        where = f"{scp}:{number}"
        if value.endswith("|"):
            raise DataError(f"{where}: {key!r} is a command ({value[:40]!r}); only audio file paths are read "
                            "(write the audio to files first)")
        if key not in transcripts:
            raise DataError(f"{where}: utterance {key!r} has no transcript in {text}")
        path = Path(value)
        if not path.is_absolute() and (folder / path).is_file():
            path = folder / path  # else relative to the current directory, as Kaldi's recipes write them
        check_audio(path, where)
        examples.append({"audio": str(path), "text": transcripts[key][0], "where": where})
    if not examples:
        raise DataError(f"{scp} lists no recording")
    return examples
