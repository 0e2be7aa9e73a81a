"""Mechanisms by name: the only place that maps the names users type to classes.

Filled by explicit imports. ``build("additive", query_dim=256, key_dim=512)`` makes one;
``names()`` lists the canonical names, ``aliases()`` the other spellings.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from .additive import AdditiveAttention
from .base import Attention
from .content import CosineAttention
from .coverage import CoverageAttention
from .dot_product import DotAttention, GeneralAttention, ScaledDotAttention
from .hard import HardAttention
from .local import LocalMonotonicAttention, LocalPredictiveAttention
from .location import LocationAttention
from .location_aware import LocationAwareAttention
from .multihead import MultiHeadAttention
from .ntm_addressing import NTMAddressing

MECHANISMS: dict[str, type[Attention]] = {
    "cosine": CosineAttention,
    "additive": AdditiveAttention,
    "location": LocationAttention,
    "general": GeneralAttention,
    "dot": DotAttention,
    "scaled_dot": ScaledDotAttention,
    "location_aware": LocationAwareAttention,
    "local_m": LocalMonotonicAttention,
    "local_p": LocalPredictiveAttention,
    "hard": HardAttention,
    "multihead": MultiHeadAttention,
    "ntm_addressing": NTMAddressing,
    "coverage": CoverageAttention,
}

ALIASES: dict[str, str] = {
    "content": "cosine", "ntm": "cosine",
    "bahdanau": "additive", "concat": "additive", "mlp": "additive",
    "luong_location": "location",
    "bilinear": "general", "luong_general": "general", "luong": "general",
    "luong_dot": "dot",
    "scaled_dot_product": "scaled_dot", "sdpa": "scaled_dot", "transformer": "scaled_dot",
    "hybrid": "location_aware", "chorowski": "location_aware",
    "local_monotonic": "local_m", "local_predictive": "local_p",
    "stochastic": "hard", "xu": "hard",
    "multi_head": "multihead", "mha": "multihead",
    "ntm_head": "ntm_addressing", "graves": "ntm_addressing",
    "see": "coverage",
}


def register(name: str, mechanism: type[Attention], *, aliases: tuple[str, ...] = ()) -> None:
    """Make ``mechanism`` buildable as ``name`` (and its ``aliases``) from configs and ``build``.
    The shipped mechanisms are listed above; this is for a user's own (docs/ARCHITECTURE.md)."""
    if not (isinstance(mechanism, type) and issubclass(mechanism, Attention)):
        raise TypeError(f"register({name!r}, ...): a mechanism must be a subclass of Attention; got {mechanism!r}")
    MECHANISMS[name] = mechanism
    for alias in aliases:
        ALIASES[alias] = name


def names() -> list[str]:
    """The canonical mechanism names, in the order of the family table."""
    return list(MECHANISMS)


def aliases() -> dict[str, str]:
    """Other accepted spellings, alias -> canonical name."""
    return dict(ALIASES)


def canonical_name(name: str) -> str:
    """The canonical name for ``name`` or one of its aliases (case and '-' forgiven).
    An unknown name raises a ValueError listing every valid one."""
    key = name.strip().lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if key not in MECHANISMS:
        raise ValueError(f"unknown attention mechanism {name!r}; choose one of {', '.join(names())} "
                         f"(aliases: {', '.join(sorted(ALIASES))})")
    return key


def options(name: str) -> list[str]:
    """The keyword options the mechanism ``name`` accepts besides query_dim and key_dim."""
    params = inspect.signature(MECHANISMS[canonical_name(name)].__init__).parameters
    return [p for p in params if p not in ("self", "query_dim", "key_dim")]


def build(name: str, *, query_dim: int, key_dim: int, **kwargs: Any) -> Attention:
    """Make the mechanism ``name`` for queries of size query_dim and keys of size key_dim.

    Extra keyword options go to the mechanism (see ``options(name)``); an option it does not
    take raises a TypeError naming the options it does take.
    """
    canonical = canonical_name(name)
    accepted = options(canonical)
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise TypeError(f"attention {canonical!r} takes no option {', '.join(unknown)}; "
                        f"its options are: {', '.join(accepted)}")
    return MECHANISMS[canonical](query_dim=query_dim, key_dim=key_dim, **kwargs)


@dataclass(frozen=True)
class MechanismInfo:
    name: str
    aliases: tuple[str, ...]
    formula: str
    paper: str
    options: tuple[str, ...]


def describe() -> list[MechanismInfo]:
    """One entry per mechanism: name, aliases, formula, paper and options (for the CLI/docs)."""
    return [MechanismInfo(name, tuple(sorted(a for a, c in ALIASES.items() if c == name)), cls.formula,
                          cls.paper, tuple(options(name)))
            for name, cls in MECHANISMS.items()]
