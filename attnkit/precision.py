"""Arithmetic precision of training and decoding: ``fp32`` or ``bf16`` mixed precision.

bf16 runs the forward pass under ``torch.autocast`` with bfloat16: matrix products (linear
layers, attention, the output layer) compute in bfloat16, while weights, gradients and the
optimizer stay float32, and softmax / losses are computed in float32. On CPUs with AMX or
AVX512-BF16 (and on recent GPUs) the matrix products run several times faster; results differ
from float32 in the last digits, as with any mixed-precision training.
"""

from __future__ import annotations

import contextlib

import torch

PRECISIONS = ("fp32", "bf16")


def autocast(device: torch.device | str, precision: str):
    """A context running the enclosed forward passes at ``precision`` on ``device``."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {list(PRECISIONS)}; got {precision!r}")
    if precision == "fp32":
        return contextlib.nullcontext()
    device_type = torch.device(device).type
    return torch.autocast(device_type=device_type, dtype=torch.bfloat16)
