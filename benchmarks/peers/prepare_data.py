"""Write the benchmark data as pre-tokenised text files that all three toolkits read the same way.

    .venv/bin/python benchmarks/peers/prepare_data.py        # -> benchmarks/peers/work/data/{debian,reverse}/

debian: the shared English->German corpus (../shared/data/debian-en-de/short-*.tsv, not shipped with
attnkit). One sentencepiece model per side (attnkit's own tokenizer, unigram, VOCAB pieces, trained
on the training split) cuts every split into pieces; the files hold the pieces separated by spaces,
so attnkit (tokenizer: word), JoeyNMT (level: word) and OpenNMT-py (no transforms) see exactly the
same tokens and build the same vocabularies from them. dev.ref / test.ref hold the raw German
references; every toolkit's output is detokenised with the same sentencepiece model before
sacrebleu scores it.

summaries: the shared debian-summaries corpus (../shared/data/debian-summaries/*.tsv, long -> short
package descriptions, not shipped), whitespace words as they are (what attnkit's word tokenizer
and OpenNMT-py without transforms both read); training pairs with descriptions over SUMMARY_MAX_LEN
words dropped, as configs/debian-summaries-*.yaml do. dev.ref / test.ref are the raw summaries.

reverse: attnkit's embedded `reverse` task (symbols a..t, lengths 3..20), exported split by split;
its tokens are already words.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from attnkit.data import read_parallel
from attnkit.fields import build_tokenizer
from attnkit.tasks import get_task

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORK = HERE / "work" / "data"
CORPUS = ROOT.parent / "shared" / "data" / "debian-en-de"
SUMMARIES = ROOT.parent / "shared" / "data" / "debian-summaries"
SUMMARY_MAX_LEN = 120
VOCAB = 4000
REVERSE_OPTIONS = {"vocab_size": 20, "min_len": 3, "max_len": 20, "train_size": 20000, "dev_size": 1000,
                   "test_size": 1000}


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def prepare_debian() -> None:
    out = WORK / "debian"
    out.mkdir(parents=True, exist_ok=True)
    splits = {name: read_parallel(CORPUS / f"short-{name}.tsv", None, max_len=None, strict=False,
                                  header=True)[0] for name in ("train", "dev", "test")}
    sizes = {}
    for side in ("src", "tgt"):
        tokenizer = build_tokenizer("sentencepiece", vocab_size=VOCAB)
        texts = [p.source if side == "src" else p.target for p in splits["train"]]
        tokenizer.fit(texts, out / f"spm.{side}")
        tokenizer.save(out / f"spm.{side}")
        sizes[side] = tokenizer.options["vocab_size"]
        for name, pairs in splits.items():
            raw = [p.source if side == "src" else p.target for p in pairs]
            write_lines(out / f"{name}.{side}", [" ".join(tokenizer.encode(text)) for text in raw])
            if side == "tgt" and name != "train":
                write_lines(out / f"{name}.ref", raw)
    (out / "info.json").write_text(json.dumps({"pairs": {k: len(v) for k, v in splits.items()},
                                               "sentencepiece_vocab": sizes}, indent=1))
    print(f"debian: {', '.join(f'{k} {len(v)}' for k, v in splits.items())} pairs; pieces {sizes}")


def prepare_summaries() -> None:
    out = WORK / "summaries"
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name in ("train", "dev", "test"):
        pairs = read_parallel(SUMMARIES / f"{name}.tsv", None, max_len=None, strict=False, header=True)[0]
        if name == "train":
            pairs = [p for p in pairs if len(p.source.split()) <= SUMMARY_MAX_LEN]
        write_lines(out / f"{name}.src", [" ".join(p.source.split()) for p in pairs])
        write_lines(out / f"{name}.tgt", [" ".join(p.target.split()) for p in pairs])
        if name != "train":
            write_lines(out / f"{name}.ref", [p.target for p in pairs])
        counts[name] = len(pairs)
    (out / "info.json").write_text(json.dumps({"pairs": counts, "max_len": SUMMARY_MAX_LEN}, indent=1))
    print(f"summaries: {counts} pairs")


def prepare_reverse() -> None:
    out = WORK / "reverse"
    out.mkdir(parents=True, exist_ok=True)
    task = get_task("reverse", **REVERSE_OPTIONS)
    for name in ("train", "dev", "test"):
        pairs = task.split(name)
        write_lines(out / f"{name}.src", [p["source"] for p in pairs])
        write_lines(out / f"{name}.tgt", [p["target"] for p in pairs])
        if name != "train":
            write_lines(out / f"{name}.ref", [p["target"] for p in pairs])
    (out / "info.json").write_text(json.dumps({"task": "reverse", "options": REVERSE_OPTIONS}, indent=1))
    print("reverse: exported", REVERSE_OPTIONS)


if __name__ == "__main__":
    which = sys.argv[1:] or ["debian", "reverse"]
    for name in which:
        {"debian": prepare_debian, "reverse": prepare_reverse, "summaries": prepare_summaries}[name]()
