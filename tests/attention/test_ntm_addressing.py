"""The NTM head's addressing steps (Graves et al. 2014 eq. 5-9) and the memory write (eq. 3-4):
hand-worked cases, and the failure modes of public NTMs (NaN from sharpening an all-zero
weighting, from the shift softmax, from an all-zero memory) guarded."""

from __future__ import annotations

import torch

from attnkit.attention import build, circular_shift, erase_and_add, interpolate, sharpen_scores
from attnkit.attention.normalizers import masked_softmax

STAY, FORWARD, BACK = torch.tensor([0.0, 1.0, 0.0]), torch.tensor([0.0, 0.0, 1.0]), torch.tensor([1.0, 0.0, 0.0])


def test_a_shift_forward_moves_the_focus_one_location_on_and_wraps_around() -> None:
    weights = torch.eye(4)  # row i: all weight on location i
    moved = circular_shift(weights, FORWARD.expand(4, 3))
    assert torch.equal(moved, torch.eye(4).roll(1, dims=1))  # i -> i + 1, 3 -> 0
    assert torch.equal(circular_shift(weights, BACK.expand(4, 3)), torch.eye(4).roll(-1, dims=1))
    assert torch.equal(circular_shift(weights, STAY.expand(4, 3)), weights)


def test_a_shift_spreads_weight_by_the_shift_distribution() -> None:
    weights = torch.tensor([[0.0, 1.0, 0.0, 0.0, 0.0]])
    spread = circular_shift(weights, torch.tensor([[0.25, 0.5, 0.25]]))
    assert torch.allclose(spread, torch.tensor([[0.25, 0.5, 0.25, 0.0, 0.0]]))


def test_under_a_mask_the_shift_wraps_over_the_allowed_locations_only() -> None:
    weights = torch.tensor([[0.0, 0.0, 1.0, 0.0, 0.0]])
    mask = torch.tensor([[True, True, True, False, False]])  # three real locations
    assert torch.equal(circular_shift(weights, FORWARD[None], mask), torch.tensor([[1.0, 0.0, 0.0, 0.0, 0.0]]))
    holes = torch.tensor([[True, False, True, False, True]])  # allowed 0, 2, 4: 2 -> 4 -> 0
    assert torch.equal(circular_shift(weights, FORWARD[None], holes), torch.tensor([[0.0, 0.0, 0.0, 0.0, 1.0]]))


def test_interpolation_mixes_content_and_previous_weights_by_the_gate() -> None:
    content, previous = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]])
    assert torch.allclose(interpolate(content, previous, torch.tensor([[0.25]])), torch.tensor([[0.25, 0.75]]))


def test_sharpening_equals_the_power_formula() -> None:
    weights = torch.tensor([[0.1, 0.2, 0.7]])
    gamma = torch.tensor([[3.0]])
    expected = weights ** 3 / (weights ** 3).sum()
    assert torch.allclose(masked_softmax(sharpen_scores(weights, gamma), None), expected, atol=1e-5)


def test_sharpening_an_all_zero_weighting_gives_uniform_weights_and_finite_gradients() -> None:
    """A NaN source of public NTMs: w~ = 0 everywhere makes w^gamma / sum = 0/0 and the gradient
    of gamma meets 0 * log 0."""
    weights = torch.zeros(2, 4, requires_grad=True)
    gamma = torch.tensor([[1.0], [20.0]], requires_grad=True)
    sharp = masked_softmax(sharpen_scores(weights, gamma), None)
    assert torch.allclose(sharp, torch.full((2, 4), 0.25))
    sharp[:, 0].sum().backward()
    assert torch.isfinite(weights.grad).all() and torch.isfinite(gamma.grad).all()


def test_a_head_stays_finite_on_huge_controller_outputs_and_an_all_zero_memory() -> None:
    """The shift softmax and the key strength under extreme controller outputs, and cosine
    similarity against a memory of zeros (an all-zero initialisation), give no NaN."""
    head = build("ntm_addressing", query_dim=6, key_dim=4)
    query = (torch.randn(3, 6) * 1e4).requires_grad_()
    memory = torch.zeros(3, 5, 4, requires_grad=True)
    out = head(query, memory, state=head.initial_state(memory, None))
    assert torch.isfinite(out.weights).all() and torch.allclose(out.weights.sum(-1), torch.ones(3))
    (out.weights.square().sum() + out.context.sum()).backward()
    grads = [query.grad, memory.grad, *(p.grad for p in head.parameters())]
    assert all(torch.isfinite(g).all() for g in grads if g is not None)


def test_the_initial_weighting_is_on_the_first_allowed_location() -> None:
    head = build("ntm_addressing", query_dim=4, key_dim=4)
    mask = torch.tensor([[True, True, True], [False, True, True], [False, False, False]])
    start = head.initial_state(torch.randn(3, 3, 4), mask)
    assert torch.equal(start, torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]))


def test_a_head_that_only_shifts_walks_through_memory_one_location_a_step() -> None:
    """Gate 0 (ignore content), shift +1 with certainty, sharp: the weighting walks 0, 1, 2, ..."""
    head = build("ntm_addressing", query_dim=1, key_dim=2)
    with torch.no_grad():
        head.parameters_proj.weight.zero_()
        bias = torch.zeros(2 + 3 + 3)  # k (2), beta, g, gamma, s (3)
        bias[3] = -50.0  # g = sigmoid(-50) ~ 0
        bias[4] = 5.0  # gamma ~ 6
        bias[5:] = torch.tensor([-50.0, -50.0, 50.0])  # s: all on +1
        head.parameters_proj.bias.copy_(bias)
    memory = torch.randn(1, 5, 2)
    state = head.initial_state(memory, None)
    for step in range(1, 7):
        state = head(torch.zeros(1, 1), memory, state=state).state
        assert int(state.detach().argmax()) == step % 5 and float(state.detach().max()) > 0.99


def test_erase_then_add_rewrites_the_addressed_location_only() -> None:
    memory = torch.ones(1, 3, 2)
    weights = torch.tensor([[[0.0, 1.0, 0.0]]])  # one head on location 1
    new = erase_and_add(memory, weights, torch.ones(1, 1, 2), torch.tensor([[[5.0, 7.0]]]))
    assert torch.equal(new, torch.tensor([[[1.0, 1.0], [5.0, 7.0], [1.0, 1.0]]]))
    assert torch.equal(memory, torch.ones(1, 3, 2))  # the caller's memory is untouched


def test_two_write_heads_erase_by_the_product_and_add_by_the_sum() -> None:
    memory = torch.full((1, 2, 1), 8.0)
    weights = torch.tensor([[[0.5, 0.0], [0.5, 1.0]]])  # (B, H, N)
    erase = torch.tensor([[[1.0], [1.0]]])
    add = torch.tensor([[[2.0], [4.0]]])
    new = erase_and_add(memory, weights, erase, add)
    # location 0: 8 * (1 - .5)(1 - .5) + .5 * 2 + .5 * 4 = 5; location 1: 8 * 1 * 0 + 4 = 4
    assert torch.allclose(new, torch.tensor([[[5.0], [4.0]]]))
