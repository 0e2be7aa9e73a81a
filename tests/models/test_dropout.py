"""The CPU dropout: rate, scale, gradient, seeding, and where it defers to nn.Dropout."""

import pytest
import torch
from torch import nn

from attnkit.models.dropout import LEVELS, MIN_ELEMENTS, Dropout


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5])
def test_drop_rate_and_scale(p):
    torch.manual_seed(0)
    x = torch.full((1000, 1000), 2.0)
    y = Dropout(p).train()(x)
    dropped = round(p * LEVELS)
    kept = y != 0
    # 10^6 draws: the kept fraction is within 5 standard deviations of 1 - p
    assert abs(kept.float().mean().item() - (1 - p)) < 5 * (p * (1 - p) / x.numel()) ** 0.5
    torch.testing.assert_close(y[kept], torch.full_like(y[kept], 2.0 * LEVELS / (LEVELS - dropped)))
    assert abs(y.mean().item() - 2.0) < 0.01  # the expectation is kept


def test_gradient_is_the_mask():
    torch.manual_seed(1)
    x = torch.randn(64, 15, 64, requires_grad=True)
    y = Dropout(0.25).train()(x)
    y.backward(torch.ones_like(y))
    mask = x.grad
    torch.testing.assert_close(y, x.detach() * mask)
    values = torch.unique(mask)
    torch.testing.assert_close(values, torch.tensor([0.0, LEVELS / (LEVELS - round(0.25 * LEVELS))]))


def test_torch_seed_fixes_the_mask():
    x = torch.ones(200, 200)
    masks = []
    for seed in (5, 5, 6):
        torch.manual_seed(seed)
        masks.append(Dropout(0.5).train()(x))
    assert torch.equal(masks[0], masks[1])
    assert not torch.equal(masks[0], masks[2])
    torch.manual_seed(5)
    layer = Dropout(0.5).train()
    assert not torch.equal(layer(x), layer(x))  # consecutive calls draw new masks


def test_bfloat16_input_keeps_its_dtype():
    torch.manual_seed(2)
    x = torch.ones(200, 200, dtype=torch.bfloat16, requires_grad=True)
    y = Dropout(0.1).train()(x)
    assert y.dtype == torch.bfloat16
    y.sum().backward()
    assert x.grad.dtype == torch.bfloat16 and (x.grad != 0).float().mean() > 0.85


def test_small_tensors_take_torchs_path():
    x = torch.ones(MIN_ELEMENTS - 1)
    torch.manual_seed(4)
    ours = Dropout(0.5).train()(x)
    torch.manual_seed(4)
    assert torch.equal(ours, nn.Dropout(0.5).train()(x))
    big = torch.ones(MIN_ELEMENTS)
    torch.manual_seed(4)
    ours = Dropout(0.5).train()(big)
    torch.manual_seed(4)
    assert not torch.equal(ours, nn.Dropout(0.5).train()(big))  # from this size on: our own mask


def test_identity_or_nn_dropout_elsewhere():
    x = torch.randn(300, 300)
    assert torch.equal(Dropout(0.5).eval()(x), x)
    assert torch.equal(Dropout(0.0).train()(x), x)
    assert torch.equal(Dropout(1.0).train()(x), torch.zeros_like(x))
    torch.manual_seed(3)
    inplace = Dropout(0.5, inplace=True).train()(x.clone())
    torch.manual_seed(3)
    assert torch.equal(inplace, nn.Dropout(0.5, inplace=True).train()(x.clone()))  # torch's own path
    assert isinstance(Dropout(0.1), nn.Dropout)
