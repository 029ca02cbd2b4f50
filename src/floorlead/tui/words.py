"""Counts in words, as the screens say them: ``1 note``, ``2 notes``."""

from __future__ import annotations


def plural(n: int, word: str) -> str:
    """``n`` and ``word``, with an ``s`` unless there is exactly one."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
