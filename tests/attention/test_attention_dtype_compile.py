"""bfloat16 on the CPU for every mechanism, and torch.compile on scaled_dot, additive and multihead."""

from __future__ import annotations

import pytest
import torch
from attention_cases import ALL, lengths_mask, make

B, T, S = 3, 4, 6


@pytest.mark.parametrize("name", ALL)
def test_bfloat16_works_for_every_mechanism(name: str) -> None:
    attn = make(name).to(torch.bfloat16).train()
    query = torch.randn(B, T, 16, dtype=torch.bfloat16, requires_grad=True)
    keys = torch.randn(B, S, 16, dtype=torch.bfloat16, requires_grad=True)
    mask = lengths_mask([6, 0, 3], S)
    out = attn(query, keys, mask=mask)
    assert out.context.dtype == torch.bfloat16
    assert torch.isfinite(out.context).all() and torch.isfinite(out.weights).all()
    sums = out.weights.float().sum(-1)
    expected = torch.tensor([1.0, 0.0, 1.0])[:, None].expand(B, T)
    torch.testing.assert_close(sums, expected, atol=2e-2, rtol=0)  # bf16 keeps ~3 digits
    assert torch.all(out.weights[~mask[:, None, :].expand(B, T, S)] == 0)
    out.context.float().square().sum().backward()
    grads = [query.grad, keys.grad] if name != "hard" else [keys.grad]  # hard: sampling, no query grad
    assert all(torch.isfinite(g).all() for g in grads)


COMPILED = ["scaled_dot", "additive", "multihead"]


def _compare_compiled(name: str, backend: str) -> None:
    torch._dynamo.reset()
    attn = make(name).eval()
    compiled = torch.compile(attn, backend=backend, dynamic=False)
    query = torch.randn(B, T, 16, requires_grad=True)
    keys = torch.randn(B, S, 16)
    mask = lengths_mask([6, 0, 3], S)
    for need_weights in (True, False):
        eager = attn(query, keys, mask=mask, need_weights=need_weights)
        got = compiled(query, keys, mask=mask, need_weights=need_weights)
        torch.testing.assert_close(got.context, eager.context, atol=1e-5, rtol=1e-5)
        if need_weights:
            torch.testing.assert_close(got.weights, eager.weights, atol=1e-5, rtol=1e-5)
        eager_grad, = torch.autograd.grad(eager.context.square().sum(), query)
        got_grad, = torch.autograd.grad(got.context.square().sum(), query)
        torch.testing.assert_close(got_grad, eager_grad, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", COMPILED)
def test_torch_compile_traces_and_matches_eager(name: str) -> None:
    """Dynamo capture plus AOT autograd (the "aot_eager" backend): seconds, no C compiler."""
    _compare_compiled(name, "aot_eager")


@pytest.mark.slow
@pytest.mark.parametrize("name", COMPILED)
def test_torch_compile_inductor_matches_eager(name: str) -> None:
    """The default backend generates and compiles C++ (gcc): tens of seconds on a cold cache."""
    _compare_compiled(name, "inductor")
