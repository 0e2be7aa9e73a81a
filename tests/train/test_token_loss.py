"""token_nll: the same values and gradients as torch's cross-entropy, with and without smoothing."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from attnkit.fields import PAD
from attnkit.train.token_loss import token_nll


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(2, 30), st.sampled_from([0.0, 0.1, 0.3]), st.integers(0, 10_000))
def test_values_and_gradients_match_cross_entropy(rows, vocab, smoothing, seed):
    generator = torch.Generator().manual_seed(seed)
    logits = (3 * torch.randn(rows, vocab, generator=generator, dtype=torch.float64)).requires_grad_()
    targets = torch.randint(0, vocab, (rows,), generator=generator)  # 0 = PAD: some rows are padding
    weights = torch.rand(rows, generator=generator, dtype=torch.float64)  # a non-uniform upstream gradient

    nll, smooth = token_nll(logits, targets, smoothing=smoothing > 0)
    ours = ((1 - smoothing) * nll + smoothing * smooth) * weights
    ours.sum().backward()
    ours_grad, logits.grad = logits.grad, None

    ref_nll = F.cross_entropy(logits, targets, ignore_index=PAD, reduction="none")
    ref_rows = F.cross_entropy(logits, targets, ignore_index=PAD, reduction="none", label_smoothing=smoothing)
    (ref_rows * weights).sum().backward()

    torch.testing.assert_close(nll, ref_nll)
    torch.testing.assert_close((1 - smoothing) * nll + smoothing * smooth, ref_rows)
    torch.testing.assert_close(ours_grad, logits.grad)
    assert (nll[targets == PAD] == 0).all() and (ours_grad[targets == PAD] == 0).all()


def test_smoothing_term_is_the_mean_negative_log_probability():
    logits = torch.tensor([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]])
    nll, smooth = token_nll(logits, torch.tensor([2, 1]), smoothing=True)
    log_probs = torch.log_softmax(logits, -1)
    torch.testing.assert_close(nll, -log_probs[[0, 1], [2, 1]])
    torch.testing.assert_close(smooth, -log_probs.mean(-1))
    _, unsmoothed = token_nll(logits, torch.tensor([2, 1]))
    assert unsmoothed.tolist() == [0.0, 0.0]


def test_only_the_nll_output_used():
    logits = torch.randn(5, 7, requires_grad=True)
    targets = torch.tensor([1, 2, 3, 0, 6])
    token_nll(logits, targets, smoothing=True)[0].sum().backward()
    ours, logits.grad = logits.grad, None
    F.cross_entropy(logits, targets, ignore_index=PAD, reduction="sum").backward()
    torch.testing.assert_close(ours, logits.grad)


def test_a_second_backward_is_refused_not_wrong():
    logits = torch.randn(3, 4, requires_grad=True)
    loss = token_nll(logits, torch.tensor([1, 2, 3]))[0].sum()
    loss.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="only once"):
        loss.backward()


def test_shapes_are_checked():
    with pytest.raises(ValueError, match=r"logits \(N, V\) and targets \(N,\)"):
        token_nll(torch.randn(2, 3, 4), torch.tensor([1, 2]))
