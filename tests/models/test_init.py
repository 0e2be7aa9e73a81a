"""model.init: uniform draws every parameter from U(-r, r), xavier gives matrices Xavier-uniform
and vectors zero; both keep layer norms at gain 1 / shift 0 and padding embeddings at zero."""

import pytest
import torch
from text_pipeline import text_model

from attnkit.models import initialize


def transformer(init: str, init_range: float = 0.1):
    torch.manual_seed(0)
    options = dict(type="transformer", hidden_dim=16, num_heads=2, ff_dim=32, encoder_layers=1, decoder_layers=1,
                   init=init, init_range=init_range)
    return text_model(options, 11, 13)


def test_uniform_bounds_every_parameter_and_zeroes_padding_rows():
    model = transformer("uniform", 0.05)
    for name, parameter in model.named_parameters():
        if "norm" in name:
            continue
        assert parameter.abs().max() <= 0.05, name
        assert parameter.abs().max() > 0.03, name  # drawn, not left at zero
    assert torch.count_nonzero(model.source_embedding.tokens.weight[0]) == 0
    norm = model.encoder[0].attn_block.norm
    assert torch.all(norm.weight == 1) and torch.all(norm.bias == 0)


def test_xavier_draws_matrices_and_zeroes_vectors():
    model = transformer("xavier")
    weight = model.decoder[0].ff[0].weight  # (32, 16)
    bound = (6 / (16 + 32)) ** 0.5
    assert weight.abs().max() <= bound and weight.abs().max() > 0.8 * bound
    assert torch.all(model.decoder[0].ff[0].bias == 0)
    assert torch.all(model.decoder_norm.weight == 1)


def test_default_keeps_each_modules_own_initialisation_and_unknown_schemes_are_refused():
    same = transformer("default")
    torch.manual_seed(0)
    reference = transformer("default")
    redrawn = initialize(transformer("default"), "uniform")
    for a, b in zip(reference.parameters(), same.parameters(), strict=True):
        assert torch.equal(a, b)  # "default" re-draws nothing
    assert not all(torch.equal(a, c) for a, c in zip(reference.parameters(), redrawn.parameters(), strict=True))
    with pytest.raises(ValueError, match="model.init must be one of"):
        initialize(same, "orthogonal")
