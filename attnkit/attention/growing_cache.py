"""A key/value cache for incremental multi-head self-attention, grown in preallocated storage.

Concatenating each new position onto the cache copies the whole cache at every step, and beam
search then copies it once more to reorder the beams. Here the projected keys and values live in
storage with room for more positions, laid out time-major, (C, B, H, Dh), so that the filled
prefix is one contiguous block: appending writes one position, and a beam reorder copies the
filled prefix straight into new storage (``index_select(..., out=)``), once.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .base import KeyCache


class GrowingCache:
    """Projected keys and values of the S positions decoded so far, for one MultiHeadAttention.

    storage: projected keys and values, (C, B, H, Dh) each, C >= S the capacity; their first S
    rows are filled. ``view()`` is the KeyCache attention reads: projected and values
    (B, H, S, Dh) views, and zero-width raw keys (B, S, 0) (attention reads only their length).

    A cache behaves as immutable: ``append`` returns a new cache and leaves this one as it was.
    It writes in place when nothing has been appended past this cache's length yet (the usual
    step-after-step decoding) and copies otherwise (two continuations of one state), and it
    doubles the capacity when full.
    """

    def __init__(self, projected: Tensor, values: Tensor, length: int, frontier: list[int] | None = None) -> None:
        self.projected_storage, self.value_storage, self.length = projected, values, length
        self._frontier = [length] if frontier is None else frontier  # shared: the furthest append

    @classmethod
    def start(cls, projected: Tensor, values: Tensor, capacity: int = 32) -> GrowingCache:
        """A cache holding the first L positions: projected and values (B, H, L, Dh)."""
        return cls._empty(projected, max(capacity, projected.shape[2]), projected.shape[0]).append(projected, values)

    @classmethod
    def _empty(cls, like: Tensor, capacity: int, batch: int) -> GrowingCache:
        """An empty cache with storage for ``capacity`` positions of ``batch`` rows, heads and
        head width as ``like`` (B, H, L, Dh), its dtype and device."""
        heads, head_dim = like.shape[1], like.shape[3]
        storage = like.new_empty((2, capacity, batch, heads, head_dim))
        return cls(storage[0], storage[1], 0)

    @property
    def capacity(self) -> int:
        return self.projected_storage.shape[0]

    def _filled(self) -> tuple[Tensor, Tensor]:
        """The filled prefix as (B, H, S, Dh) views of the storage."""
        return (self.projected_storage[:self.length].permute(1, 2, 0, 3),
                self.value_storage[:self.length].permute(1, 2, 0, 3))

    def append(self, projected: Tensor, values: Tensor) -> GrowingCache:
        """Add L positions: projected and values (B, H, L, Dh). Returns the longer cache."""
        new_length = self.length + projected.shape[2]
        shared = self._frontier[0] == self.length  # nobody has written past our end
        if not shared or new_length > self.capacity:  # copy into fresh storage first
            capacity = max(new_length, 2 * self.capacity if shared else self.capacity)
            fresh = GrowingCache._empty(projected, capacity, projected.shape[0])
            fresh.projected_storage[:self.length] = self.projected_storage[:self.length]
            fresh.value_storage[:self.length] = self.value_storage[:self.length]
            fresh.length = fresh._frontier[0] = self.length
            return fresh.append(projected, values)
        self.projected_storage[self.length:new_length] = projected.permute(2, 0, 1, 3)
        self.value_storage[self.length:new_length] = values.permute(2, 0, 1, 3)
        self._frontier[0] = new_length
        return GrowingCache(self.projected_storage, self.value_storage, new_length, self._frontier)

    def view(self) -> KeyCache:
        """The KeyCache of the filled positions: projected, values (B, H, S, Dh); keys (B, S, 0)."""
        projected, values = self._filled()
        keys = projected.new_empty((projected.shape[0], self.length, 0))
        return KeyCache(keys=keys, values=values, projected=projected)

    def index_select(self, index: Tensor) -> GrowingCache:
        """Pick batch rows (e.g. reorder beams), index (B',): the filled prefix is copied once,
        into new storage of the same capacity."""
        target = GrowingCache._empty(self._filled()[0], self.capacity, index.shape[0])
        filled = slice(0, self.length)
        torch.index_select(self.projected_storage[filled], 1, index, out=target.projected_storage[filled])
        torch.index_select(self.value_storage[filled], 1, index, out=target.value_storage[filled])
        return GrowingCache(target.projected_storage, target.value_storage, self.length)
