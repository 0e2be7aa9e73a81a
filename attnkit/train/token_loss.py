"""Per-token cross-entropy with a hand-written backward that reuses its own buffer.

``token_nll`` equals ``F.cross_entropy(logits, targets, ignore_index=PAD, reduction="none")``
and, for label smoothing, the mean negative log-probability over the vocabulary, from one
log-softmax. Autograd's own cross-entropy builds three (N, V) arrays in its backward (a zeroed
one-hot gradient, the softmax, their combination) and reads the log-softmax twice; here the
backward turns the saved log-softmax into the softmax in place, subtracts the one-hot at the
targets and scales the rows: one array, two passes over it. With a 4,000-piece vocabulary that is
about a sixth of the output layer's training time (benchmarks/RESULTS.md).

The gradient of row i with respect to its logits, for incoming gradients g (of the NLL) and
s (of the smoothing term), with p the softmax and t the target:
    p * (g + s) - g * onehot(t) - s / V.
"""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from ..fields import PAD


class _TokenNLL(torch.autograd.Function):
    @staticmethod
    def forward(ctx, logits: torch.Tensor, targets: torch.Tensor, smoothing: bool, ignore_index: int):  # (N, V), (N,)
        log_probs = torch.log_softmax(logits, dim=-1)  # (N, V)
        padding = targets == ignore_index  # (N,)
        if ignore_index < 0:  # not a column (positions pad with -100): gather and scatter at column 0
            targets = targets.masked_fill(padding, 0)
        nll = -log_probs.gather(1, targets[:, None]).squeeze(1)  # (N,)
        smooth = -log_probs.mean(dim=-1) if smoothing else log_probs.new_zeros(len(targets))  # (N,)
        nll.masked_fill_(padding, 0.0)
        smooth.masked_fill_(padding, 0.0)
        ctx.save_for_backward(log_probs, targets, padding)
        ctx.spent, ctx.smoothing = False, smoothing
        return nll, smooth

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_nll: torch.Tensor | None, grad_smooth: torch.Tensor | None):
        if ctx.spent:
            raise RuntimeError("token_nll: its backward reuses the saved log-softmax in place and can "
                               "run only once per forward (no retain_graph)")
        ctx.spent = True
        log_probs, targets, padding = ctx.saved_tensors
        rows = log_probs.shape[0]
        g = grad_nll if grad_nll is not None else log_probs.new_zeros(rows)  # (N,)
        smoothing = ctx.smoothing and grad_smooth is not None
        s = grad_smooth if smoothing else log_probs.new_zeros(rows)  # (N,)
        g, s = g.masked_fill(padding, 0.0), s.masked_fill(padding, 0.0)
        grad = log_probs.exp_()  # (N, V): the softmax, in the saved buffer
        grad.mul_((g + s)[:, None])
        grad.scatter_add_(1, targets[:, None], -g[:, None])
        if smoothing:
            grad.sub_((s / log_probs.shape[1])[:, None])
        return grad, None, None, None


def token_nll(logits: torch.Tensor, targets: torch.Tensor, *, smoothing: bool = False,
              ignore_index: int = PAD) -> tuple[torch.Tensor, torch.Tensor]:
    """logits (N, V) float, targets (N,) ids with ``ignore_index`` for padding -> (nll, smooth),
    each (N,).

    nll[i] = -log p(targets[i]); with ``smoothing``, smooth[i] = -mean_v log p(v) (the
    label-smoothing term as torch's ``label_smoothing`` defines it), else zeros. Both are 0 at
    padding rows: text pads with PAD (0, never a target); pointer targets pad with -100
    (fields.IGNORE_INDEX), since their 0 is the end of output, a real target. Backward once per
    forward.
    """
    if logits.dim() != 2 or targets.shape != logits.shape[:1]:
        raise ValueError(f"token_nll wants logits (N, V) and targets (N,); got {tuple(logits.shape)} "
                         f"and {tuple(targets.shape)}")
    return _TokenNLL.apply(logits, targets, smoothing, ignore_index)
