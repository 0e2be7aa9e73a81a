"""Dropout whose mask costs less to draw on the CPU.

torch's CPU dropout draws its mask with ``bernoulli_``, one Mersenne-Twister number per element,
and applies it in two more passes; in the Transformer's training step that was 12% of the time
(benchmarks/RESULTS.md). Here, on the CPU in training, each element gets 16 random bits from
numpy's PCG64 generator (seeded from torch's default generator, so ``torch.manual_seed`` still
fixes every mask), the bits become a scaled float mask in one pass, and forward and backward each
multiply once by it: a (64, 15, 1024) float32 tensor's forward and backward took 3.9 ms against
6.8 ms for ``F.dropout``.

Below 32,768 elements torch's fused kernel wins (fixed costs of about 75 us per call here: 16,384
elements took 129 us against torch's 111; 65,536 took 360 against 425), so small tensors, such
as an RNN decoder's per-step vectors, keep torch's path.

The drop probability is p rounded to a multiple of 1/65536 (0.1 -> 0.1000061) and the kept
values are scaled by the inverse of the kept fraction actually used, so the expectation of every
element is unchanged. Elsewhere (evaluation, p = 0, small tensors, other devices, in-place
use) it is ``nn.Dropout``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

LEVELS = 1 << 16  # 16-bit draws
MIN_ELEMENTS = 1 << 15  # smaller tensors: torch's own dropout is faster


def _keep_mask(like: Tensor, p: float) -> Tensor:
    """A float mask shaped like ``like``: 0 where dropped, 1 / (kept fraction) where kept."""
    dropped = round(p * LEVELS)
    if dropped >= LEVELS:
        return torch.zeros_like(like)
    seed = int(torch.randint(0, 2**62, (1,)))  # from torch's generator: manual_seed fixes the mask
    bits = np.random.Generator(np.random.PCG64(seed)).integers(0, LEVELS, size=like.numel(), dtype=np.uint16)
    signed = torch.from_numpy(bits.view(np.int16)).view(like.shape)  # uniform over [-32768, 32767]
    keep = signed >= dropped - LEVELS // 2  # exactly LEVELS - dropped of the LEVELS values
    return keep.to(like.dtype).mul_(LEVELS / (LEVELS - dropped))


class _MaskedScale(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: Tensor, p: float) -> Tensor:
        mask = _keep_mask(x, p)
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, grad: Tensor):
        (mask,) = ctx.saved_tensors
        return grad * mask, None


class Dropout(nn.Dropout):
    """``nn.Dropout`` with the cheaper CPU mask above in training; the same module otherwise."""

    def forward(self, x: Tensor) -> Tensor:
        if (not self.training or self.p == 0 or self.inplace or x.numel() < MIN_ELEMENTS
                or x.device.type != "cpu" or not x.is_floating_point()):
            return super().forward(x)
        return _MaskedScale.apply(x, self.p)
