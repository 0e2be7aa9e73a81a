"""What the decoding options cost when they are used: the shared greedy/beam search with
``no_repeat_ngram`` (trigram blocking) and ``min_len`` against the same search without them, in
one process.

    .venv/bin/python benchmarks/search_options.py [--repeats 15]

The model and sources of benchmarks/search_before_after.py (an untrained GRU + additive-attention
model, 64 sources of 5..29 tokens, outputs up to 40 tokens), but with the end's bias lowered
(``--eos-bias``, default -3) so that outputs run long and blocking has a history to search.
Prints the interleaved median times, their ratios (with option / without) and the mean output
length: a minimum length makes outputs longer, and longer outputs cost more steps; min_len=1
changes almost no output, so it shows the check's own cost. What the options cost when they are
off is search_before_after.py's measurement against the revision before them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from measure import interleaved_medians

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from text_pipeline import source_batch, text_model  # noqa: E402

from attnkit.config import model_config  # noqa: E402
from attnkit.decode import beam_search, greedy_search  # noqa: E402
from attnkit.fields import EOS  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--eos-bias", type=float, default=-3.0, help="added to the end's output bias: how soon "
                        "hypotheses end (search_before_after.py: +1, most end at once)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = model_config(style="bahdanau", cell="gru", embedding_dim=64, hidden_dim=128, dropout=0.0,
                          attention={"name": "additive"})
    model = text_model(config, 60, 60).eval()
    with torch.no_grad():
        model.output.bias[EOS] += args.eos_bias
    generator = torch.Generator().manual_seed(1)
    lengths = torch.randint(5, 30, (64,), generator=generator)
    batch = source_batch([torch.randint(4, 60, (int(n),), generator=generator).tolist() for n in lengths])
    searches = {"greedy": lambda **o: greedy_search(model, batch, max_len=40, **o),
                "beam 5": lambda **o: beam_search(model, batch, beam_size=5, max_len=40, **o)}
    for name, search in searches.items():
        cases = {"off": lambda s=search: s(), "no_repeat_ngram=3": lambda s=search: s(no_repeat_ngram=3),
                 "min_len=1": lambda s=search: s(min_len=1), "min_len=5": lambda s=search: s(min_len=5)}
        words = {label: sum(len(h[0].tokens) for h in case()) / len(lengths) for label, case in cases.items()}
        times = interleaved_medians(cases, repeats=args.repeats, min_sample_s=0.2)
        print(f"{name}: off {times['off'] * 1e3:.1f} ms (mean output {words['off']:.1f} tokens); " + "; ".join(
            f"{label} {times[label] * 1e3:.1f} ms ({times[label] / times['off']:.3f} x off, {words[label]:.1f} tokens)"
            for label in cases if label != "off"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
