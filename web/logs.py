"""Logging helpers that never carry user text."""

from __future__ import annotations

import traceback


def describe(exc: BaseException) -> str:
    """An exception as its type and the last frames it passed — not its message, which may quote
    the question (third-party errors often echo their input)."""
    frames = traceback.extract_tb(exc.__traceback__)[-4:]
    where = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in reversed(frames))
    return f"{type(exc).__name__} at {where}" if where else type(exc).__name__
