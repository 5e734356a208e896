"""Splitting passage text into sentences that can be quoted verbatim.

Each sentence is an exact span of the passage text with three presentational things removed: a
leading list marker ("- ", "* ", "3. "), Markdown emphasis markers (``**``, ``__``) and line breaks
(collapsed to spaces). ``assistant.text.normalisation.quote_key`` removes the same things when it compares
a quote with its source, so every sentence still verifies against the document's pages.
Headings (lines starting with ``#``) are never quoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.text.normalisation import unemphasised
from assistant.text.sentences import split_sentences

MIN_WORDS = 4

_LIST_MARKER = re.compile(r"^\s*(?:[-*+•]\s+|\d{1,3}[.)]\s+)")


@dataclass(frozen=True)
class Sentence:
    text: str  # verbatim span (list marker, emphasis and line breaks removed)
    block: int  # block number within the passage, for reading order
    position: int  # sentence number within the passage, for reading order


def blocks(text: str) -> Iterator[str]:
    """Paragraphs and list items of Markdown-ish text, without headings and list markers."""
    current: list[str] = []
    for line in text.splitlines() + [""]:
        stripped = line.strip()
        is_item = bool(_LIST_MARKER.match(line))
        if not stripped or stripped.startswith("#") or is_item or stripped.startswith("|"):
            if current:
                yield " ".join(current)
                current = []
            if is_item:
                current = [_LIST_MARKER.sub("", line, count=1).strip()]
            continue
        current.append(stripped)


def split(text: str) -> list[Sentence]:
    """Quotable sentences of ``text`` (at least MIN_WORDS words each), in reading order."""
    out: list[Sentence] = []
    for b, block in enumerate(blocks(text)):
        clean = " ".join(unemphasised(block).split())
        clean = _LIST_MARKER.sub("", clean, count=1) if re.match(r"^\d{1,3}\.\s", clean) else clean
        for piece in split_block(clean):
            if len(piece.split()) >= MIN_WORDS:
                out.append(Sentence(piece, b, len(out)))
    return out


def split_block(block: str) -> list[str]:
    """Sentences of one block, by the one shared splitter (``assistant.text.sentences``)."""
    return split_sentences(block, lines_break=False)
