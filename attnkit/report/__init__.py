"""`attnkit report`: one self-contained HTML page about a trained run (no network, no CDN)."""

from .writer import build_page, write_report

__all__ = ["build_page", "write_report"]
