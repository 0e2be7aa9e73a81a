"""One Transformer encoder layer on long inputs: fused attention vs materialised weights (issue 5).

    .venv/bin/python benchmarks/long_inputs.py [--lengths 1024 4096 16384] [--threads 2] [--naive-max 4096]

The layer (d_model 256, 4 heads, ff 1024, batch 1, inference) runs once with
``need_weights=False`` (torch's fused scaled_dot_product_attention: memory O(n)) and once with
weights requested (the plain path, which materialises the (H, n, n) score and weight matrices).
Each case runs in a fresh process: on the CPU the kernel's peak-RSS mark is reset, the case runs
once, and the peak resident memory above the starting point is reported (on a GPU: the peak of
allocated memory), with the median time of a few runs. Naive cases above --naive-max are not
run (their H * n^2 * 4-byte matrices alone are given).
"""

from __future__ import annotations

import argparse

import torch
from measure import in_fresh_process, interleaved_medians, peak_extra_bytes

MiB = 1 << 20


def _case(length: int, fused: bool, threads: int, repeats: int) -> tuple[int, float]:
    """(peak extra bytes of one call, median seconds) for one encoder layer on n = length tokens,
    on the GPU when there is one (peak allocated memory) or else the CPU (peak resident memory)."""
    from attnkit.models.transformer import EncoderLayer

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    layer = EncoderLayer(256, 4, 1024, 0.0, True).eval().to(device)
    x = torch.randn(1, length, 256, device=device)
    mask = torch.ones(1, length, dtype=torch.bool, device=device)

    def call() -> None:
        layer(x, mask, need_weights=not fused)
        if device.type == "cuda":
            torch.cuda.synchronize()

    with torch.inference_mode():
        layer(x[:, :8], mask[:, :8], need_weights=not fused)  # warm up kernels and allocator
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
            before = torch.cuda.memory_allocated()
            call()
            peak = torch.cuda.max_memory_allocated() - before
        else:
            peak = peak_extra_bytes(call)
        seconds = interleaved_medians({"layer": call}, repeats, 0.0)
    return peak, seconds["layer"]


def measure(length: int, fused: bool, threads: int, repeats: int) -> tuple[int, float]:
    return in_fresh_process(_case, length, fused, threads, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", type=int, nargs="+", default=[1024, 4096, 16384])
    parser.add_argument("--naive-max", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"one encoder layer, d_model 256, 4 heads, batch 1, inference, {device}, {args.threads} threads\n")
    print("| n | fused: peak extra MiB | fused: s | naive: peak extra MiB | naive: s | memory ratio | speed ratio |")
    print("|---|---|---|---|---|---|---|")
    for n in args.lengths:
        fused_mem, fused_s = measure(n, True, args.threads, args.repeats)
        if n <= args.naive_max:
            naive_mem, naive_s = measure(n, False, args.threads, args.repeats)
            print(f"| {n} | {fused_mem / MiB:.0f} | {fused_s:.3f} | {naive_mem / MiB:.0f} | {naive_s:.3f} | "
                  f"{naive_mem / max(fused_mem, 1):.1f}x | {naive_s / fused_s:.2f}x |")
        else:
            matrices = 4 * n * n * 4 / MiB
            skipped = f"not run (scores alone {matrices:,.0f})"
            print(f"| {n} | {fused_mem / MiB:.0f} | {fused_s:.3f} | {skipped} | – | – | – |")


if __name__ == "__main__":
    main()
