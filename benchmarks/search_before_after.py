"""The shared greedy/beam search of a git revision against the working tree's, in one process.

    .venv/bin/python benchmarks/search_before_after.py [--rev b283192] [--repeats 15]

Loads ``attnkit/decode/search.py`` as it was at ``--rev`` (``git show``) beside the current one,
decodes the same 64 sources with the same GRU + additive-attention model (untrained, EOS nudged so
hypotheses end) by greedy and by beam 5 search, checks that both give the same tokens, scores and
alignments, and prints the interleaved median times and their ratio (now / before). Written for the
change that let the search take a model's specials and a step's allowed outputs (pointer networks).
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
from measure import interleaved_medians

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from text_pipeline import source_batch, text_model  # noqa: E402

from attnkit.config import model_config  # noqa: E402
from attnkit.decode import search as current  # noqa: E402
from attnkit.fields import EOS  # noqa: E402


def search_at(rev: str):
    """decode/search.py at ``rev`` as a module of the attnkit.decode package (its relative imports work)."""
    text = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:attnkit/decode/search.py"], check=True,
                          capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "search_before.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("attnkit.decode.search_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", default="b283192")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    before = search_at(args.rev)
    torch.manual_seed(0)
    config = model_config(style="bahdanau", cell="gru", embedding_dim=64, hidden_dim=128, dropout=0.0,
                          attention={"name": "additive"})
    model = text_model(config, 60, 60).eval()
    with torch.no_grad():
        model.output.bias[EOS] += 1.0
    generator = torch.Generator().manual_seed(1)
    lengths = torch.randint(5, 30, (64,), generator=generator)
    batch = source_batch([torch.randint(4, 60, (int(n),), generator=generator).tolist() for n in lengths])
    searches = {"greedy": lambda m: m.greedy_search(model, batch, max_len=40),
                "beam 5": lambda m: m.beam_search(model, batch, beam_size=5, max_len=40)}
    for name, search in searches.items():
        old, new = search(before), search(current)
        same = all(x.tokens == y.tokens and x.score == y.score and torch.equal(x.alignment, y.alignment)
                   for hx, hy in zip(old, new, strict=True) for x, y in zip(hx, hy, strict=True))
        times = interleaved_medians({"before": lambda s=search: s(before), "now": lambda s=search: s(current)},
                                    repeats=args.repeats, min_sample_s=0.2)
        print(f"{name}: identical={same}; before {times['before'] * 1e3:.1f} ms, now {times['now'] * 1e3:.1f} ms, "
              f"now/before {times['now'] / times['before']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
