"""Decoding: greedy and batched beam search, returning tokens and alignments."""

from .search import Hypothesis, beam_search, greedy_search, max_output_length
from .translate import decode_all

__all__ = ["Hypothesis", "beam_search", "decode_all", "greedy_search", "max_output_length"]
