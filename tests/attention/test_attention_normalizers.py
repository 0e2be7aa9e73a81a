"""Sparse normalisers (sparsemax, entmax-1.5) beside softmax, on every score-based mechanism."""

from __future__ import annotations

import math

import pytest
import torch
from attention_cases import SCORE_BASED, finite_grads, lengths_mask, make, rows_sum_to_one

from attnkit.attention import NORMALIZERS, build, get_normalizer

B, T, S = 3, 4, 6
SPARSE = ["sparsemax", "entmax15"]


def test_normalizers_on_offer() -> None:
    assert set(NORMALIZERS) == {"softmax", "sparsemax", "entmax15", "sigmoid"}
    with pytest.raises(ValueError, match="sparsemax"):
        get_normalizer("nope")


@pytest.mark.parametrize("name", SCORE_BASED)
@pytest.mark.parametrize("normalizer", SPARSE)
@pytest.mark.parametrize("training", [False, True])
def test_sparse_normalizers_keep_the_contract(name: str, normalizer: str, training: bool) -> None:
    attn = make(name, normalizer=normalizer, dropout=0.3 if training else 0.0).train(training)
    query = torch.randn(B, T, 16, requires_grad=True)
    keys = torch.randn(B, S, 16, requires_grad=True)
    mask = lengths_mask([6, 0, 3], S)  # item 1: nothing to attend to
    for need_weights in (True, False):
        out = attn(query, keys, mask=mask, need_weights=need_weights)
        assert torch.isfinite(out.context).all() and torch.all(out.context[1] == 0)
    out = attn(query, keys, mask=mask)
    full = mask[:, None, :].expand(B, T, S)
    assert torch.all(out.weights[~full] == 0)
    assert rows_sum_to_one(out.weights, full)
    assert torch.all(out.weights[1] == 0)
    (out.context.square().sum() + out.weights.square().sum()).backward()
    assert finite_grads(query, keys, module=attn)


def _dot_weights(normalizer: str, scores: list[float], mask: list[bool] | None = None) -> torch.Tensor:
    """Weights of dot attention for a query e1 and keys (score_i, 0): the scores as given."""
    attn = build("dot", query_dim=2, key_dim=2, normalizer=normalizer)
    keys = torch.tensor([[[s, 0.0] for s in scores]])
    mask_ = None if mask is None else torch.tensor([mask])
    return attn(torch.tensor([[1.0, 0.0]]), keys, mask=mask_).weights[0]


def test_sparsemax_gives_exact_zeros_on_a_clear_case() -> None:
    assert _dot_weights("sparsemax", [10.0, 0.0, -10.0]).tolist() == [1.0, 0.0, 0.0]


def test_sparsemax_hand_worked() -> None:
    # z = (0.5, 0, -1): support {0, 1}, tau = (0.5 + 0 - 1) / 2 = -0.25, p = z - tau.
    torch.testing.assert_close(_dot_weights("sparsemax", [0.5, 0.0, -1.0]), torch.tensor([0.75, 0.25, 0.0]))


def test_entmax15_hand_worked() -> None:
    # p_i = (z_i / 2 - tau)_+^2. For z = (1, 0, -5) the support is {0, 1}: with tau = -x,
    # (1/2 + x)^2 + x^2 = 1, so x = (sqrt(7) - 1) / 4; -5/2 - tau < 0 leaves key 2 at exactly 0.
    x = (math.sqrt(7) - 1) / 4
    torch.testing.assert_close(_dot_weights("entmax15", [1.0, 0.0, -5.0]),
                               torch.tensor([(0.5 + x) ** 2, x ** 2, 0.0]))


@pytest.mark.parametrize("normalizer", SPARSE)
def test_a_masked_key_with_the_best_score_gets_nothing(normalizer: str) -> None:
    weights = _dot_weights(normalizer, [100.0, 0.5, 0.0], mask=[False, True, True])
    assert weights[0] == 0
    expected = {"sparsemax": [0.0, 0.75, 0.25]}.get(normalizer)
    if expected is not None:  # the hand-worked sparsemax of (0.5, 0) over the two open keys
        torch.testing.assert_close(weights, torch.tensor(expected))
    assert math.isclose(weights.sum().item(), 1.0, abs_tol=1e-6)


@pytest.mark.parametrize("normalizer", ["softmax", "sigmoid", *SPARSE])
def test_normalizer_functions_with_broadcast_mask_and_empty_rows(normalizer: str) -> None:
    scores = torch.randn(2, 3, 5, requires_grad=True)
    mask = torch.tensor([[True, True, False, False, False], [False] * 5])[:, None, :]  # (2, 1, 5)
    weights = get_normalizer(normalizer)(scores, mask)
    assert torch.all(weights[1] == 0) and torch.all(weights[0, :, 2:] == 0)
    torch.testing.assert_close(weights[0].sum(-1), torch.ones(3))
    weights.square().sum().backward()
    assert torch.isfinite(scores.grad).all()
    assert torch.all(scores.grad[1] == 0)
