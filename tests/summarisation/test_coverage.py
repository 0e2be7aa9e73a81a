"""Coverage (See et al. 2017): the mechanism's state is the running sum of its past weights and
enters the score as w_c c_i; the coverage loss is sum_i min(a_ti, c_ti) over the real steps."""

from __future__ import annotations

import pytest
import torch

from attnkit.attention import build
from attnkit.models.state import AttentionCoverage
from attnkit.train.objectives import AUX_TERMS, CoverageLoss, Scored

B, T, S, D = 2, 4, 5, 8


def _attention(**options):
    torch.manual_seed(0)
    return build("coverage", query_dim=D, key_dim=D, **options).eval()


def test_the_state_is_the_sum_of_the_weights_so_far() -> None:
    attn = _attention()
    query, keys = torch.randn(B, T, D), torch.randn(B, S, D)
    mask = torch.tensor([[True] * S, [True, True, True, False, False]])
    cache = attn.precompute(keys)
    state = attn.initial_state(cache, mask)
    assert torch.equal(state, torch.zeros(B, S))
    total = torch.zeros(B, S)
    for t in range(T):
        out = attn(query[:, t], cache, mask=mask, state=state)
        total = total + out.weights
        torch.testing.assert_close(out.state, total)
        state = out.state
    assert torch.all(state[1, 3:] == 0)  # masked keys are never covered
    torch.testing.assert_close(state.sum(-1), torch.full((B,), float(T)))


def test_a_sequence_query_equals_its_steps() -> None:
    attn = _attention()
    with torch.no_grad():
        attn.coverage_proj.normal_()
    query, keys = torch.randn(B, T, D), torch.randn(B, S, D)
    whole = attn(query, keys)
    state, rows = None, []
    for t in range(T):
        out = attn(query[:, t], keys, state=state)
        rows.append(out.weights)
        state = out.state
    torch.testing.assert_close(whole.weights, torch.stack(rows, 1))
    torch.testing.assert_close(whole.state, state)


def test_the_score_adds_w_c_times_the_coverage_inside_the_tanh() -> None:
    """See eq. 11 written out: v^T tanh(W s + U h + w_c c + b)."""
    attn = _attention()
    with torch.no_grad():
        attn.coverage_proj.normal_()
    query, keys, coverage = torch.randn(B, D), torch.randn(B, S, D), torch.rand(B, S)
    out = attn(query, keys, state=coverage)
    hidden = attn.query_proj(query)[:, None] + attn.key_proj(keys) + coverage[..., None] * attn.coverage_proj
    torch.testing.assert_close(out.scores, torch.tanh(hidden) @ attn.v)


def test_with_w_c_zero_it_is_additive_attention() -> None:
    coverage = _attention()
    additive = build("additive", query_dim=D, key_dim=D).eval()
    additive.load_state_dict({k: v for k, v in coverage.state_dict().items() if k != "coverage_proj"})
    query, keys = torch.randn(B, D), torch.randn(B, S, D)
    torch.testing.assert_close(coverage(query, keys, state=torch.rand(B, S)).weights, additive(query, keys).weights)


def test_a_wrong_state_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="coverage state"):
        _attention()(torch.randn(B, D), torch.randn(B, S, D), state=torch.zeros(B, S + 1))


def _scored() -> Scored:
    return Scored(torch.tensor(0.0), torch.tensor(0.0), torch.tensor(1), torch.zeros(1))


def test_the_coverage_loss_by_hand() -> None:
    """Steps attend [1, 0], [1, 0], [0.5, 0.5]: coverage before them 0, [1, 0], [2, 0]; min sums
    0, 1, 0.5; the fourth step is padding. Mean over the three real steps: 0.5."""
    weights = torch.tensor([[[1.0, 0.0], [1.0, 0.0], [0.5, 0.5], [1.0, 0.0]]])  # (1, 4, 2)
    mask = torch.tensor([[True, True, True, False]])
    term = CoverageLoss(weight=2.0)
    assert term(AttentionCoverage(weights, mask), _scored()).item() == pytest.approx(2.0 * 1.5 / 3)
    assert AUX_TERMS["coverage"](type("C", (), {"coverage_weight": 1.0})()).weight == 1.0


def test_attending_each_position_once_costs_nothing() -> None:
    weights = torch.eye(3)[None]  # (1, 3, 3): a new position at each step
    assert CoverageLoss()(AttentionCoverage(weights, torch.ones(1, 3, dtype=torch.bool)), _scored()).item() == 0.0
