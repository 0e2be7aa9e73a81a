"""Writing to a Neural Turing Machine's memory: erase, then add (Graves et al. 2014 §3.2).

    M~_t(i) = M_{t-1}(i) * prod_h (1 - w_h(i) e_h)        eq. 3 (erase)
    M_t(i)  = M~_t(i) + sum_h w_h(i) a_h                 eq. 4 (add)

for write heads h with weightings w_h over the N locations, erase vectors e_h in [0, 1]^M and
add vectors a_h. A pure function: the memory is a tensor the caller carries from step to step.
"""

from __future__ import annotations

from torch import Tensor


def erase_and_add(memory: Tensor, weights: Tensor, erase: Tensor, add: Tensor) -> Tensor:
    """memory (B, N, M); weights (B, H, N); erase (B, H, M) in [0, 1]; add (B, H, M) -> the new
    memory (B, N, M). The caller's memory is left as it was."""
    kept = 1 - weights[:, 0, :, None] * erase[:, 0, None, :]  # (B, N, M), eq. 3
    for head in range(1, weights.shape[1]):  # a product over heads (cheaper to back-propagate than prod())
        kept = kept * (1 - weights[:, head, :, None] * erase[:, head, None, :])
    added = weights.transpose(1, 2) @ add  # (B, N, H) @ (B, H, M) -> (B, N, M), eq. 4
    return memory * kept + added
