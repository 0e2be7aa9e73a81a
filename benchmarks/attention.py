"""Speed and memory of attnkit.attention against the references the issue names (issue 2).

    .venv/bin/python benchmarks/attention.py [--quick] [--threads 2] [--repeats 7] [--out FILE]

Prints Markdown tables (and writes them to --out). Shared machines are noisy, so every figure is
a ratio of two things measured side by side in one run: the cases of a comparison are timed in
turn (interleaved), several rounds, and the median of each is taken. Peak extra memory is read in
a fresh process per case: reset the kernel's peak-RSS mark (/proc/self/clear_refs), note the
resident size, run the case once, read the peak (VmHWM) and subtract. The children run with
MALLOC_MMAP_THRESHOLD_=65536 so that glibc returns freed tensor buffers to the system: with its
default (a threshold that grows to 32 MiB) buffers freed inside one call stay in the heap and the
RSS peak shows every buffer ever allocated, not the most that was live at once.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import statistics
from collections.abc import Callable

import torch
import torch.nn.functional as F
from measure import in_fresh_process, interleaved_medians, peak_extra_bytes
from torch import nn

from attnkit.attention import MultiHeadAttention, build, names
from attnkit.attention.additive import additive_scores
from attnkit.attention.normalizers import masked_softmax

Case = Callable[[], object]
MiB = 1 << 20


# ---- the cases: each builder returns {label: zero-argument callable} ---------------------------

def _runner(fn: Callable[[], torch.Tensor], train: bool) -> Case:
    """Inference: eval modules, torch.inference_mode. Training: forward, then backward of a sum."""
    if train:
        return lambda: fn().sum().backward()

    def infer() -> None:
        with torch.inference_mode():
            fn()
    return infer


def multihead_cases(batch: int, length: int, width: int, heads: int, train: bool) -> dict[str, Case]:
    """Self-attention, need_weights=False on both sides."""
    theirs = nn.MultiheadAttention(width, heads, batch_first=True).train(train)
    ours = MultiHeadAttention.from_torch(theirs).train(train)
    x = torch.randn(batch, length, width, requires_grad=train)
    return {"attnkit": _runner(lambda: ours(x, x, x, need_weights=False).context, train),
            "torch": _runner(lambda: theirs(x, x, x, need_weights=False)[0], train)}


def scaled_dot_cases(batch: int, length: int, width: int, masked: bool, train: bool) -> dict[str, Case]:
    """attnkit's scaled_dot (fused path) against F.scaled_dot_product_attention, same mask."""
    ours = build("scaled_dot", query_dim=width, key_dim=width).train(train)
    q, k, v = (torch.randn(batch, length, width, requires_grad=train) for _ in range(3))
    mask = torch.arange(length)[None, :] < torch.randint(length // 2, length + 1, (batch,))[:, None]
    mask = mask if masked else None
    sdpa_mask = None if mask is None else mask[:, None, :]  # (B, 1, S)
    return {"attnkit": _runner(lambda: ours(q, k, v, mask=mask, need_weights=False).context, train),
            "torch": _runner(lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=sdpa_mask), train)}


def additive_step_cases(batch: int, sources: int, width: int) -> dict[str, Case]:
    """One decoder step: keys projected once (precompute) or again at every step."""
    attn = build("additive", query_dim=width, key_dim=width).eval()
    query, keys = torch.randn(batch, width), torch.randn(batch, sources, width)
    cache = attn.precompute(keys)
    return {"precomputed": _runner(lambda: attn(query, cache).context, False),
            "recomputed": _runner(lambda: attn(query, keys).context, False)}


def additive_grid_cases(batch: int, length: int, width: int) -> dict[str, Case]:
    """Forward+backward over a whole (T, S) grid: attnkit (chunked, checkpointed) against the
    same formula with the B x T x S x d tanh tensor materialised."""
    attn = build("additive", query_dim=width, key_dim=width).train()
    query = torch.randn(batch, length, width, requires_grad=True)
    keys = torch.randn(batch, length, width, requires_grad=True)

    def materialised() -> torch.Tensor:
        scores = additive_scores(attn.query_proj(query), attn.key_proj(keys), attn.v)  # (B, T, S)
        return torch.bmm(masked_softmax(scores, None), keys)

    return {"attnkit": _runner(lambda: attn(query, keys).context, True),
            "materialised": _runner(materialised, True)}


def mechanism_case(name: str, batch: int, length: int, width: int) -> tuple[Case, float]:
    """Forward+backward of one mechanism over T = S = length. Returns the case and the factor
    that scales its time to T queries (location_aware runs its steps one by one, so only
    min(T, 8) of them are timed)."""
    options = {"num_heads": 8} if name == "multihead" else {}
    options.update({"max_source_len": length} if name == "location" else {})
    attn = build(name, query_dim=width, key_dim=width, **options).train()
    queries = min(length, 8) if name == "location_aware" else length
    query = torch.randn(batch, queries, width, requires_grad=True)
    keys = torch.randn(batch, length, width, requires_grad=True)
    return _runner(lambda: attn(query, keys).context, True), length / queries


# ---- measuring ----------------------------------------------------------------------------------

def _memory_child(builder: str, kwargs: dict, label: str, threads: int) -> int:
    torch.set_num_threads(threads)
    return peak_extra_bytes(globals()[builder](**kwargs)[label])


def case_peak_bytes(builder: str, kwargs: dict, label: str, threads: int) -> int:
    """Peak resident memory one call of the case adds, measured in a fresh (spawned) process."""
    return in_fresh_process(_memory_child, builder, kwargs, label, threads)


# ---- the report ---------------------------------------------------------------------------------

def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f}"


def speed_rows(args: argparse.Namespace) -> list[str]:
    rows = ["| comparison | ours ms | reference ms | ratio ours/ref | target |", "|---|---|---|---|---|"]
    comparisons = []
    for train in (False, True):
        mode = "fwd+bwd" if train else "inference"
        comparisons.append((f"multihead B=32 T=S=256 d=512 h=8, {mode}", "multihead_cases",
                            {"batch": 32, "length": 256, "width": 512, "heads": 8, "train": train},
                            "<= 1.00"))
        comparisons.append((f"multihead B=1 T=S=4096 d=512 h=8, {mode}", "multihead_cases",
                            {"batch": 1, "length": 4096, "width": 512, "heads": 8, "train": train},
                            "<= 0.67 (1.5x faster)"))
        for masked in (False, True):
            comparisons.append((f"scaled_dot B=32 T=S=256 d=64{' key mask' if masked else ''}, {mode}",
                                "scaled_dot_cases", {"batch": 32, "length": 256, "width": 64,
                                                     "masked": masked, "train": train}, "<= 1.05"))
    for title, builder, kwargs, target in comparisons:
        times = interleaved_medians(globals()[builder](**kwargs), args.repeats)
        rows.append(f"| {title} | {_ms(times['attnkit'])} | {_ms(times['torch'])} | "
                    f"{times['attnkit'] / times['torch']:.2f} | {target} |")
        print(rows[-1], flush=True)
    times = interleaved_medians(additive_step_cases(64, 200, 512), args.repeats)
    rows.append(f"| additive step B=64 S=200 d=512: precomputed vs recomputed keys | "
                f"{_ms(times['precomputed'])} | {_ms(times['recomputed'])} | "
                f"{times['precomputed'] / times['recomputed']:.3f} "
                f"({times['recomputed'] / times['precomputed']:.1f}x faster) | <= 0.20 (5x faster) |")
    print(rows[-1], flush=True)
    return rows


def memory_rows(args: argparse.Namespace) -> list[str]:
    rows = ["| case | ours MiB | reference MiB | ratio ours/ref | target |", "|---|---|---|---|---|"]
    for train in (False, True):
        kwargs = {"batch": 1, "length": 4096, "width": 512, "heads": 8, "train": train}
        ours, theirs = (statistics.median(case_peak_bytes("multihead_cases", kwargs, label, args.threads)
                                          for _ in range(args.memory_repeats))
                        for label in ("attnkit", "torch"))
        rows.append(f"| multihead B=1 T=S=4096 d=512 h=8, {'fwd+bwd' if train else 'inference'}, "
                    f"need_weights=False | {ours / MiB:.0f} | {theirs / MiB:.0f} | {ours / theirs:.2f} | "
                    "<= 0.20 |")
        print(rows[-1], flush=True)
    kwargs = {"batch": 32, "length": 256, "width": 128}
    tensor = 32 * 256 * 256 * 128 * 4
    ours, theirs = (statistics.median(case_peak_bytes("additive_grid_cases", kwargs, label, args.threads)
                                      for _ in range(args.memory_repeats))
                    for label in ("attnkit", "materialised"))
    rows.append(f"| additive grid B=32 T=S=256 d=128, fwd+bwd (reference: the formula materialised; "
                f"the B x T x S x d tensor alone is {tensor / MiB:.0f} MiB) | {ours / MiB:.0f} | "
                f"{theirs / MiB:.0f} | {ours / theirs:.2f}; {ours / tensor:.2f} of the tensor | "
                "<= 0.25 of the tensor |")
    print(rows[-1], flush=True)
    times = interleaved_medians(additive_grid_cases(**kwargs), max(3, args.repeats // 2), min_sample_s=0)
    rows.append(f"| (time of the same, ms) | {_ms(times['attnkit'])} | {_ms(times['materialised'])} | "
                f"{times['attnkit'] / times['materialised']:.2f} | - |")
    print(rows[-1], flush=True)
    return rows


def mechanism_rows(args: argparse.Namespace) -> list[str]:
    lengths = (64, 256) if args.quick else (64, 256, 1024)
    rows = ["| mechanism | " + " | ".join(f"T=S={n} ms" for n in lengths) + " |",
            "|---|" + "---|" * len(lengths)]
    for name in names():
        cells = []
        for length in lengths:
            case, factor = mechanism_case(name, 32, length, 128)
            repeats = args.repeats if length < 1024 else 1
            seconds = interleaved_medians({name: case}, repeats, min_sample_s=0)[name] * factor
            cells.append(_ms(seconds) + ("*" if factor != 1 else ""))
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats; skip T=S=1024")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--repeats", type=int, default=None, help="timing rounds (default 7, quick 3)")
    parser.add_argument("--memory-repeats", type=int, default=None, help="processes per memory case")
    parser.add_argument("--out", default=None, help="also write the Markdown report to this file")
    args = parser.parse_args()
    args.repeats = args.repeats or (3 if args.quick else 7)
    args.memory_repeats = args.memory_repeats or (1 if args.quick else 3)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    header = [f"Run {datetime.datetime.now():%Y-%m-%d %H:%M}, torch {torch.__version__}, "
              f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
              f"{args.repeats} interleaved rounds (medians){', quick' if args.quick else ''}.", ""]
    report = header + ["### Speed (ratios < 1: attnkit faster)", ""] + speed_rows(args)
    report += ["", "### Peak extra memory (fresh process per case)", ""] + memory_rows(args)
    report += ["", "### Forward+backward per mechanism, B=32, d=128, need_weights=True", "",
               *mechanism_rows(args), "",
               "\\* location_aware runs its T steps one by one: 8 steps timed, scaled to T."]
    text = "\n".join(report) + "\n"
    print("\n" + text)
    if args.out:
        with open(args.out, "w") as out:
            out.write(text)


if __name__ == "__main__":
    main()
