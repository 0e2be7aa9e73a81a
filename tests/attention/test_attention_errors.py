"""The registry and user mistakes: names, aliases, options, shapes, each with a helpful error."""

from __future__ import annotations

import re

import pytest
import torch
from attention_cases import ALL, make

from attnkit.attention import aliases, build, canonical_name, describe, names, options
from attnkit.attention.registry import MECHANISMS

B, S = 3, 6


def test_names_are_the_family_in_table_order() -> None:
    assert names() == ["cosine", "additive", "location", "general", "dot", "scaled_dot",
                       "location_aware", "local_m", "local_p", "hard", "multihead", "ntm_addressing",
                       "coverage"]


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="no_such") as info:
        build("no_such", query_dim=4, key_dim=4)
    assert all(name in str(info.value) for name in names())


@pytest.mark.parametrize(("alias", "canonical"), [
    ("bahdanau", "additive"), ("concat", "additive"), ("mlp", "additive"), ("bilinear", "general"),
    ("luong_dot", "dot"), ("luong_general", "general"), ("sdpa", "scaled_dot"), ("mha", "multihead"),
    ("hybrid", "location_aware"), ("ntm", "cosine"), ("Scaled-Dot", "scaled_dot"), ("MLP", "additive"),
])
def test_aliases_resolve(alias: str, canonical: str) -> None:
    assert canonical_name(alias) == canonical
    assert type(build(alias, query_dim=8, key_dim=8)) is MECHANISMS[canonical]


def test_every_alias_points_at_a_canonical_name() -> None:
    assert set(aliases().values()) <= set(names())
    assert not set(aliases()) & set(names())


def test_describe_gives_formula_and_paper_for_every_mechanism() -> None:
    entries = describe()
    assert [e.name for e in entries] == names()
    assert all(e.formula and e.paper for e in entries)
    assert "bahdanau" in next(e for e in entries if e.name == "additive").aliases


@pytest.mark.parametrize("name", ALL)
def test_unknown_option_is_a_type_error_naming_the_valid_ones(name: str) -> None:
    with pytest.raises(TypeError, match="no_such_option") as info:
        build(name, query_dim=4, key_dim=4, no_such_option=1)
    assert all(option in str(info.value) for option in options(name))
    assert "dropout" in options(name)


@pytest.mark.parametrize("name", ALL)
def test_wrong_query_width_names_expected_and_received_shapes(name: str) -> None:
    attn = make(name)
    with pytest.raises(ValueError, match=re.escape("(B, 16)")) as info:
        attn(torch.randn(B, 5), torch.randn(B, S, 16))
    assert "(3, 5)" in str(info.value)


@pytest.mark.parametrize("name", ALL)
def test_wrong_key_width_names_expected_and_received_shapes(name: str) -> None:
    attn = make(name)
    with pytest.raises(ValueError, match=re.escape("(B, S, 16)")) as info:
        attn(torch.randn(B, 16), torch.randn(B, S, 7))
    assert "(3, 6, 7)" in str(info.value)


@pytest.mark.parametrize("name", ALL)
def test_mismatched_batches_and_values_are_value_errors(name: str) -> None:
    attn = make(name)
    with pytest.raises(ValueError, match="batch"):
        attn(torch.randn(2, 16), torch.randn(B, S, 16))
    with pytest.raises(ValueError, match=re.escape("(3, 5, 16)")):
        attn(torch.randn(B, 16), torch.randn(B, S, 16), torch.randn(B, 5, 16))


@pytest.mark.parametrize("name", ALL)
def test_wrong_mask_shape_names_the_expected_shapes(name: str) -> None:
    attn = make(name)
    with pytest.raises(ValueError, match=re.escape("(3, 6)")):
        attn(torch.randn(B, 16), torch.randn(B, S, 16), mask=torch.ones(B, S + 1, dtype=torch.bool))


def test_location_longer_source_than_max_source_len_is_a_clear_error() -> None:
    attn = build("location", query_dim=4, key_dim=4, max_source_len=5)
    with pytest.raises(ValueError, match="max_source_len=5"):
        attn(torch.randn(1, 4), torch.randn(1, 6, 4))


@pytest.mark.parametrize("name", ["dot", "scaled_dot"])
def test_dot_needs_equal_query_and_key_widths(name: str) -> None:
    with pytest.raises(ValueError, match="query_dim=8, key_dim=4"):
        build(name, query_dim=8, key_dim=4)


@pytest.mark.parametrize(("options_", "match"), [
    ({"normalizer": "softermax"}, "normalizer"),
    ({"dropout": 1.5}, "dropout"),
])
@pytest.mark.parametrize("name", [n for n in ALL if n != "hard"])
def test_bad_shared_options_are_value_errors(name: str, options_: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make(name, **options_)


@pytest.mark.parametrize(("name", "options_", "match"), [
    ("multihead", {"num_heads": 5}, "num_heads"),
    ("local_m", {"window": 0}, "window"),
    ("location_aware", {"kernel_size": 4}, "kernel_size"),
    ("hard", {"temperature": 0.0}, "temperature"),
    ("cosine", {"strength": -1.0}, "strength"),
    ("location", {"max_source_len": 0}, "max_source_len"),
])
def test_bad_mechanism_options_are_value_errors(name: str, options_: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make(name, **options_)


def test_step_state_of_the_wrong_shape_is_refused() -> None:
    keys = torch.randn(B, S, 16)
    with pytest.raises(ValueError, match="prev_weights"):
        make("location_aware")(torch.randn(B, 16), keys, prev_weights=torch.zeros(B, S + 1))
    with pytest.raises(ValueError, match="position"):
        make("local_m")(torch.randn(B, 16), keys, position=torch.zeros(B, 2))
    with pytest.raises(ValueError, match="strength"):
        make("cosine")(torch.randn(B, 16), keys, strength=torch.ones(B, 2))
