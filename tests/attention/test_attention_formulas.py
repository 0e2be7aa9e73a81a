"""Each score formula on a tiny case whose answer is worked out by hand (parameters set with
torch.no_grad), never numbers printed by a seeded random model."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from attention_cases import make

from attnkit.attention import build
from attnkit.attention.registry import MECHANISMS


def _softmax(scores: list[float]) -> list[float]:
    exps = [math.exp(s) for s in scores]
    return [e / sum(exps) for e in exps]


def _close(actual: torch.Tensor, expected: list | float, atol: float = 1e-6) -> None:
    torch.testing.assert_close(actual, torch.tensor(expected, dtype=actual.dtype), atol=atol, rtol=0)


@pytest.mark.parametrize("name", ["cosine", "additive", "general", "dot", "scaled_dot",
                                  "location_aware", "multihead"])
def test_identical_keys_give_uniform_weights(name: str) -> None:
    attn = make(name).eval()
    keys = torch.randn(2, 1, 16).expand(2, 5, 16)  # five copies of one key
    # location_aware: one step from no previous weights (later steps see the edges of the first).
    query = torch.randn(2, 16) if name == "location_aware" else torch.randn(2, 3, 16)
    _, weights = attn(query, keys)
    _close(weights, torch.full(weights.shape, 0.2).tolist())


def test_dot_scores_are_plain_inner_products() -> None:
    attn = build("dot", query_dim=2, key_dim=2)
    keys = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]])
    values = torch.tensor([[[1.0], [2.0], [3.0]]])
    context, weights = attn(torch.tensor([[1.0, 0.0]]), keys, values)  # scores 1, 0, -1
    expected = _softmax([1.0, 0.0, -1.0])
    _close(weights, [expected])
    _close(context, [[expected[0] * 1 + expected[1] * 2 + expected[2] * 3]])


def test_scaled_dot_divides_by_sqrt_of_key_dim() -> None:
    attn = build("scaled_dot", query_dim=4, key_dim=4)
    keys = torch.eye(4)[None, :2]  # e1, e2
    _, weights = attn(torch.tensor([[2.0, 0.0, 0.0, 0.0]]), keys)  # scores 2/sqrt(4) = 1 and 0
    _close(weights, [[math.e / (math.e + 1), 1 / (math.e + 1)]])


def test_general_with_identity_equals_dot_and_with_twice_identity_doubles_the_scores() -> None:
    general = build("general", query_dim=3, key_dim=3)
    dot = build("dot", query_dim=3, key_dim=3)
    query, keys = torch.randn(2, 4, 3), torch.randn(2, 5, 3)
    with torch.no_grad():
        general.key_proj.weight.copy_(torch.eye(3))
    torch.testing.assert_close(general(query, keys).weights, dot(query, keys).weights)
    with torch.no_grad():
        general.key_proj.weight.copy_(2 * torch.eye(3))
    torch.testing.assert_close(general(query, keys).weights, dot(2 * query, keys).weights)


def test_general_uses_a_rectangular_map_between_query_and_key_spaces() -> None:
    attn = build("general", query_dim=2, key_dim=3)
    with torch.no_grad():  # W h keeps the first two key features
        attn.key_proj.weight.copy_(torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    keys = torch.tensor([[[1.0, 0.0, 9.0], [0.0, 1.0, -9.0]]])
    _, weights = attn(torch.tensor([[1.0, 0.0]]), keys)  # scores 1 and 0
    _close(weights, [[math.e / (math.e + 1), 1 / (math.e + 1)]])


def _hand_set_additive(attn: torch.nn.Module) -> None:
    """W = I, U = I, b = (0.1, 0), v = (1, 0): score(s, h) = tanh(s_1 + h_1 + 0.1)."""
    with torch.no_grad():
        attn.query_proj.weight.copy_(torch.eye(2))
        attn.key_proj.weight.copy_(torch.eye(2))
        attn.key_proj.bias.copy_(torch.tensor([0.1, 0.0]))
        attn.v.copy_(torch.tensor([1.0, 0.0]))


def test_additive_score_is_v_tanh_of_projected_sum() -> None:
    attn = build("additive", query_dim=2, key_dim=2)
    _hand_set_additive(attn)
    query = torch.tensor([[0.3, 7.0]])
    keys = torch.tensor([[[0.2, -1.0], [-0.5, 4.0], [1.0, 0.0]]])
    _, weights = attn(query, keys)
    scores = [math.tanh(0.3 + h + 0.1) for h in (0.2, -0.5, 1.0)]
    _close(weights, [_softmax(scores)])
    _, cached = attn(query, attn.precompute(keys))
    _close(cached, [_softmax(scores)])


def test_hard_attention_in_eval_mode_picks_the_best_additive_score() -> None:
    attn = build("hard", query_dim=2, key_dim=2).eval()
    _hand_set_additive(attn)
    keys = torch.tensor([[[0.2, -1.0], [1.0, 0.0], [-0.5, 4.0]]])  # best: h_1 = 1.0 (index 1)
    values = torch.tensor([[[10.0], [20.0], [30.0]]])
    out = attn(torch.tensor([[0.3, 7.0]]), keys, values)
    _close(out.weights, [[0.0, 1.0, 0.0]])
    _close(out.context, [[20.0]])
    scores = [math.tanh(0.3 + h + 0.1) for h in (0.2, 1.0, -0.5)]
    _close(out.log_prob, [math.log(_softmax(scores)[1])], atol=1e-5)
    entropy = -sum(p * math.log(p) for p in _softmax(scores))
    _close(out.entropy, [entropy], atol=1e-5)


def test_cosine_score_is_strength_times_cosine() -> None:
    keys = torch.tensor([[[1.0, 0.0], [0.0, 3.0], [-2.0, 0.0]]])  # cosines 1, 0, -1 with (5, 0)
    query = torch.tensor([[5.0, 0.0]])
    fixed = build("cosine", query_dim=2, key_dim=2, strength=2.0)
    _close(fixed(query, keys).weights, [_softmax([2.0, 0.0, -2.0])])
    learned = build("cosine", query_dim=2, key_dim=2)  # learned strength starts at 1
    _close(learned(query, keys).weights, [_softmax([1.0, 0.0, -1.0])], atol=1e-4)
    given = learned(query, keys, strength=torch.tensor([3.0])).weights  # given beats learned
    _close(given, [_softmax([3.0, 0.0, -3.0])])


def test_location_weights_come_from_the_query_alone_and_renormalise_under_a_mask() -> None:
    attn = build("location", query_dim=2, key_dim=2, max_source_len=4)
    with torch.no_grad():  # W_a s = (0, ln 2, ln 3, ln 4) for any query
        attn.position_proj.weight.zero_()
        attn.position_proj.bias.copy_(torch.log(torch.tensor([1.0, 2.0, 3.0, 4.0])))
    keys = torch.randn(1, 3, 2)
    _close(attn(torch.randn(1, 2), keys).weights, [[1 / 6, 2 / 6, 3 / 6]])
    mask = torch.tensor([[True, False, True]])
    _close(attn(torch.randn(1, 2), keys, mask=mask).weights, [[1 / 4, 0.0, 3 / 4]])


def test_location_aware_score_sees_the_convolved_previous_weights() -> None:
    attn = build("location_aware", query_dim=2, key_dim=2, attention_dim=1, channels=1, kernel_size=3)
    with torch.no_grad():  # W = 0, U = 0, b = 0, F = (0, 1, 0) (identity), V = 1, v = 1
        attn.query_proj.weight.zero_()
        attn.key_proj.weight.zero_()
        attn.key_proj.bias.zero_()
        attn.location_conv.weight.copy_(torch.tensor([[[0.0, 1.0, 0.0]]]))
        attn.location_proj.weight.fill_(1.0)
        attn.v.fill_(1.0)
    prev = torch.tensor([[1.0, 0.0, 0.0]])  # score_j = tanh(prev_j)
    _, weights = attn(torch.randn(1, 2), torch.randn(1, 3, 2), prev_weights=prev)
    _close(weights, [_softmax([math.tanh(1.0), 0.0, 0.0])])
    with torch.no_grad():  # F = (1, 0, 0): f_j = prev_{j-1}, the weight moves one key right
        attn.location_conv.weight.copy_(torch.tensor([[[1.0, 0.0, 0.0]]]))
    _, weights = attn(torch.randn(1, 2), torch.randn(1, 3, 2), prev_weights=prev)
    _close(weights, [_softmax([0.0, math.tanh(1.0), 0.0])])


def _flat_local(name: str) -> torch.nn.Module:
    """Local attention with a zero general score, so the weights are the Gaussian alone (D = 2,
    sigma = D / 2 = 1: factor exp(-d^2 / 2) at distance d <= 2)."""
    attn = build(name, query_dim=2, key_dim=2, window=2)
    with torch.no_grad():
        attn.key_proj.weight.zero_()
    return attn


def _gaussian(distances: list[float | None]) -> list[float]:
    """Normalised exp(-d^2 / 2); None marks a key outside the window."""
    factors = [0.0 if d is None else math.exp(-d * d / 2) for d in distances]
    return [f / sum(factors) for f in factors]


def test_local_m_gaussian_window_at_known_distances_and_edges() -> None:
    attn = _flat_local("local_m")
    keys = torch.randn(1, 6, 2)
    middle = attn(torch.randn(1, 2), keys, position=torch.tensor([2]))
    _close(middle.weights, [_gaussian([2, 1, 0, 1, 2, None])])
    _close(middle.position, [2.0])
    left = attn(torch.randn(1, 2), keys, position=torch.tensor([0]))
    _close(left.weights, [_gaussian([0, 1, 2, None, None, None])])
    right = attn(torch.randn(1, 2), keys, position=torch.tensor([5]))
    _close(right.weights, [_gaussian([None, None, None, 2, 1, 0])])


def test_local_m_centre_is_clamped_to_the_last_real_key_of_a_padded_source() -> None:
    attn = _flat_local("local_m")
    mask = torch.tensor([[True, True, True, True, False, False]])  # true length 4
    out = attn(torch.randn(1, 2), torch.randn(1, 6, 2), mask=mask, position=torch.tensor([9]))
    _close(out.position, [3.0])
    _close(out.weights, [_gaussian([None, 2, 1, 0, None, None])])


def test_local_m_sequence_query_centres_query_t_on_key_t() -> None:
    attn = _flat_local("local_m")
    out = attn(torch.randn(1, 3, 2), torch.randn(1, 4, 2))
    _close(out.position, [[0.0, 1.0, 2.0]])
    _close(out.weights[0, 1], _gaussian([1, 0, 1, 2]))


def test_local_p_centre_is_true_length_times_sigmoid() -> None:
    attn = _flat_local("local_p")
    with torch.no_grad():  # v_p = 0: sigmoid(0) = 1/2, so p_t = S_len / 2
        attn.position_v.weight.zero_()
    mask = torch.tensor([[True, True, True, True, False, False]])  # S_len = 4, padded to 6
    out = attn(torch.randn(1, 2), torch.randn(1, 6, 2), mask=mask)
    _close(out.position, [2.0])
    _close(out.weights, [_gaussian([2, 1, 0, 1, None, None])])


def test_multihead_with_identity_projections_splits_features_into_heads() -> None:
    attn = build("multihead", query_dim=4, key_dim=4, num_heads=2)
    with torch.no_grad():  # Q = K = V = identity, W_O = identity, no biases: head h sees dims 2h, 2h+1
        attn.in_proj_weight.copy_(torch.cat([torch.eye(4)] * 3))
        attn.in_proj_bias.zero_()
        attn.out_proj.weight.copy_(torch.eye(4))
        attn.out_proj.bias.zero_()
    query = torch.tensor([[math.sqrt(2), 0.0, 0.0, 0.0]])  # head 0: scores (1, 0); head 1: (0, 0)
    keys = torch.tensor([[[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]])
    out = attn(query, keys, average_weights=False)
    p = math.e / (math.e + 1)
    _close(out.weights, [[[p, 1 - p], [0.5, 0.5]]])
    _close(attn(query, keys).weights, [[(p + 0.5) / 2, (1 - p + 0.5) / 2]])
    _close(out.context, [[p, 0.0, 0.5, 0.0]])


def test_cache_blocked_additive_scores_equal_the_one_block_formula() -> None:
    from attnkit.attention.additive import additive_scores, cache_blocked_additive_scores

    query_proj, key_proj, v = torch.randn(5, 3, 4), torch.randn(5, 7, 4), torch.randn(4)
    expected = additive_scores(query_proj, key_proj, v)
    for block in (1, 28, 29, 84, 10_000):  # one query, one batch row, several rows, everything
        torch.testing.assert_close(cache_blocked_additive_scores(query_proj, key_proj, v, block), expected)


ADDITIVE_FAMILY = ["additive", "hard", "location_aware"]


@pytest.mark.parametrize("name", ADDITIVE_FAMILY)
def test_additive_formulas_show_the_bias_the_code_adds(name: str) -> None:
    """key_proj has a bias, so every place that writes the score says so: formula (what
    `attnkit mechanisms` prints), the class docstring and the README's table."""
    cls = MECHANISMS[name]
    assert "+ b)" in cls.formula and "+ b)" in cls.__doc__
    assert build(name, query_dim=2, key_dim=2).key_proj.bias is not None
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith(f"| `{name}`"))
    assert "+ b)" in row
