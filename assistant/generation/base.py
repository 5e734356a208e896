"""The answerer seam: extractive (default, offline) and llm (optional) both return a Draft.

A Draft's text carries ``[n]`` markers; ``citations[i].n`` are those numbers. Code, never a model,
builds the citations from the passages it was given; ``assistant.citations`` then verifies every
quote against the cited document's pages and drops what does not check out.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.types import Citation, Passage, Turn


@dataclass(frozen=True)
class Draft:
    text: str
    citations: tuple[Citation, ...]
    generator: str  # "extractive" | "llm"
    notices: tuple[str, ...] = ()  # e.g. "The language model timed out; showing quotes instead."


class Answerer(Protocol):
    name: str

    def answer(
        self, question: str, passages: Sequence[Passage], *, history: Sequence[Turn] = ()
    ) -> Draft: ...

    def stream(
        self, question: str, passages: Sequence[Passage], *, history: Sequence[Turn] = ()
    ) -> Iterator[str | Draft]:
        """Text fragments as they are produced, then the finished Draft as the last item."""
        ...


class StreamingAnswerer:
    """Mixin: ``answer`` is the last item of ``stream`` (one code path for both)."""

    def stream(
        self, question: str, passages: Sequence[Passage], *, history: Sequence[Turn] = ()
    ) -> Iterator[str | Draft]:
        raise NotImplementedError

    def answer(
        self, question: str, passages: Sequence[Passage], *, history: Sequence[Turn] = ()
    ) -> Draft:
        *_, draft = self.stream(question, passages, history=history)
        if not isinstance(draft, Draft):
            raise TypeError(f"{type(self).__name__}.stream did not end with a Draft")
        return draft
