"""attnkit: attention in sequence models, to use, compare and see."""

__version__ = "0.1.0"
