"""Sentence spans of answer text, keeping each sentence's ``[n]`` markers with it.

Used by the output guardrails (drop one sentence, leave the rest of the text as it was) and by the
LLM answerer (check each sentence's citations, pick the passage sentence that supports it). It is
a careful regex splitter, not a parser: it knows common abbreviations ("e.g.", "Dr.", "p. 12"),
initials, decimal numbers and markers written either side of the full stop ("factor [1]." and
"factor. [1]").
"""

from __future__ import annotations

import re

from assistant.text.sentences import Span, sentence_spans, split_sentences

__all__ = ["MARKER", "Span", "markers", "sentence_spans", "split_sentences"]

MARKER = re.compile(r"\[(\d{1,3})\]")


def markers(sentence: str) -> list[int]:
    """The citation numbers in a sentence, in order, without repeats."""
    seen: list[int] = []
    for match in MARKER.finditer(sentence):
        n = int(match.group(1))
        if n not in seen:
            seen.append(n)
    return seen


def without_markers(sentence: str) -> str:
    """The sentence with its ``[n]`` markers removed and spacing tidied."""
    text = MARKER.sub("", sentence)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return " ".join(text.split())
