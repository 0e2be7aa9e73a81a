"""Location-based attention, Luong et al. 2015: weights from the target state alone."""

from __future__ import annotations

from torch import Tensor, nn

from .base import Attention, KeyCache


class LocationAttention(Attention):
    """Location-based attention, Luong et al. 2015, eq. (9).

    a_t = softmax(W_a s_t): the weights depend on the query (decoder state) only, not on the
    keys' content. W_a maps to ``max_source_len`` positions; for a source of S <= max_source_len
    keys the first S scores are taken and masked/renormalised over the real (unpadded) keys.
    A longer source is an error (raise ``max_source_len``).
    """

    formula = "softmax(W s)  (keys' content unused)"
    paper = "Luong et al. 2015, Effective Approaches to Attention-based NMT, eq. 9 (location)"

    def __init__(self, query_dim: int, key_dim: int, value_dim: int | None = None, *,
                 max_source_len: int = 256, normalizer: str = "softmax", dropout: float = 0.0) -> None:
        super().__init__(query_dim, key_dim, value_dim, normalizer=normalizer, dropout=dropout)
        if max_source_len <= 0:
            raise ValueError(f"max_source_len must be a positive integer; got {max_source_len!r}")
        self.max_source_len = max_source_len
        self.position_proj = nn.Linear(query_dim, max_source_len)  # W_a

    def score(self, query: Tensor, cache: KeyCache) -> Tensor:
        sources = cache.keys.shape[1]
        if sources > self.max_source_len:
            raise ValueError(f"{self.label} was built with max_source_len={self.max_source_len} but got "
                             f"a source of {sources} keys; build it with max_source_len >= {sources}")
        return self.position_proj(query)[..., :sources]  # (B, T, S)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", max_source_len={self.max_source_len}"
