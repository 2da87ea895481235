"""Text from outside, made safe to keep: control characters removed where it enters the core (and, by
the same rule in storage.safe_text, where it leaves for a terminal or a spreadsheet)."""

from __future__ import annotations

from storage.safe_text import clean

__all__ = ["clean"]
