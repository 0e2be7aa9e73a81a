"""Users' entailment corpora as examples ``{"premise", "hypothesis", "label"}``.

Two forms, chosen by the file's suffix:

- ``.jsonl`` (SNLI, MultiNLI): one JSON object per line with ``sentence1``, ``sentence2`` and
  ``gold_label``; pairs whose annotators did not agree (``gold_label`` "-") are skipped and
  counted, as the corpora's own papers do;
- anything else: a TSV ``premise<TAB>hypothesis<TAB>label`` (``data.header`` skips a first line).

Every other problem (bad JSON, a missing key, a wrong number of columns, an empty sentence) is
an error naming file:line.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from attnkit.data import DataError
from attnkit.tasks.schema import FieldSpec, Schema

log = logging.getLogger("attnkit")

NO_AGREEMENT = "-"


def nli_schema() -> Schema:
    """premise and hypothesis text (word tokens) -> one label, scored by accuracy and macro F1."""
    return Schema({"premise": FieldSpec("text", {"tokenizer": "word"}),
                   "hypothesis": FieldSpec("text", {"tokenizer": "word"}),
                   "label": FieldSpec("label")},
                  inputs=("premise", "hypothesis"), output="label", prediction="classify",
                  metrics=("accuracy", "macro_f1"), length_of="premise")


def _example(premise: object, hypothesis: object, label: object, where: str) -> dict:
    for name, value in (("premise", premise), ("hypothesis", hypothesis), ("label", label)):
        if not isinstance(value, str) or not value.strip():
            raise DataError(f"{where}: empty or missing {name}")
    return {"premise": premise.strip(), "hypothesis": hypothesis.strip(), "label": label.strip(), "where": where}


def _jsonl(path: Path, lines: list[str]) -> tuple[list[dict], int]:
    examples, skipped = [], 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(f"{where}: not a JSON object ({error.msg})") from None
        if not isinstance(record, dict):
            raise DataError(f"{where}: not a JSON object")
        missing = [key for key in ("sentence1", "sentence2", "gold_label") if key not in record]
        if missing:
            raise DataError(f"{where}: no {', '.join(missing)} (an SNLI/MultiNLI line has sentence1, sentence2 "
                            "and gold_label)")
        if record["gold_label"] == NO_AGREEMENT:
            skipped += 1
            continue
        examples.append(_example(record["sentence1"], record["sentence2"], record["gold_label"], where))
    return examples, skipped


def _tsv(path: Path, lines: list[str], header: bool) -> list[dict]:
    examples = []
    for number, line in enumerate(lines, 1):
        if (header and number == 1) or not line.strip():
            continue
        columns = line.rstrip("\r\n").split("\t")
        if len(columns) != 3:
            raise DataError(f"{path}:{number}: expected premise<TAB>hypothesis<TAB>label, got {len(columns)} "
                            f"column{'s' if len(columns) != 1 else ''}")
        examples.append(_example(*columns, f"{path}:{number}"))
    return examples


def read_nli(spec: str, *, option: str, header: bool = False, strict: bool = False,
             max_len: int | None = None) -> list[dict]:
    """An SNLI/MultiNLI .jsonl file or a premise/hypothesis/label TSV -> examples with "where"."""
    path = Path(spec)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataError(f"{option}: no such file: {path}") from None
    except UnicodeDecodeError as error:
        raise DataError(f"{option}: {path} is not UTF-8 text ({error.reason} at byte {error.start})") from None
    if path.suffix == ".jsonl":
        examples, skipped = _jsonl(path, lines)
        if skipped:
            log.warning("%s: skipped %d pairs without a gold label ('-')", path, skipped)
    else:
        examples = _tsv(path, lines, header)
    if not examples:
        raise DataError(f"{option}: {path} holds no labelled pairs")
    return examples
