"""Decode a file with a trained attnkit run and time only the decoding (model already loaded),
as JoeyNMT's "Generation took" and OpenNMT-py's "Total translation time" do.

    .venv/bin/python benchmarks/peers/attnkit_decode.py RUN_DIR SOURCES OUTPUT --beam 5 --threads 1
prints one JSON line: {"seconds": ..., "sentences": ...}.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import torch

from attnkit.run import open_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("run_dir")
    parser.add_argument("sources")
    parser.add_argument("output")
    parser.add_argument("--beam", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    run = open_run(Path(args.run_dir), checkpoint="last")
    texts = Path(args.sources).read_text(encoding="utf-8").splitlines()
    decode = dataclasses.replace(run.config.decode, beam_size=args.beam, n_best=1, batch_size=args.batch_size,
                                 precision=args.precision)
    start = time.perf_counter()
    found = run.translate(texts, decode)
    seconds = time.perf_counter() - start
    Path(args.output).write_text("".join(t[0].text + "\n" for t in found), encoding="utf-8")
    print(json.dumps({"seconds": seconds, "sentences": len(texts)}))


if __name__ == "__main__":
    main()
