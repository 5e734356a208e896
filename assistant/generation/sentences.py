"""Splitting passage text into sentences that can be quoted verbatim.

Each sentence is an exact span of the passage text with three presentational things removed: a
leading list marker ("- ", "* ", "3. "), Markdown emphasis markers (``**``, ``__``) and line breaks
(collapsed to spaces). ``assistant.citations.normalise`` removes the same things when it compares
a quote with its source, so every sentence still verifies against the document's pages.
Headings (lines starting with ``#``) are never quoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "etc",
        "al",
        "cf",
        "vs",
        "v",
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "st",
        "no",
        "nos",
        "para",
        "paras",
        "p",
        "pp",
        "fig",
        "figs",
        "inc",
        "ltd",
        "co",
        "jr",
        "sr",
        "rev",
        "gen",
        "sgt",
        "approx",
        "vol",
        "ch",
        "sec",
        "art",
        "min",
        "max",
        "dept",
        "govt",
    ]
)
MIN_WORDS = 4

_LIST_MARKER = re.compile(r"^\s*(?:[-*+•]\s+|\d{1,3}[.)]\s+)")
_EMPHASIS = re.compile(r"\*\*|__")
_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")


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
        clean = " ".join(_EMPHASIS.sub("", block).split())
        clean = _LIST_MARKER.sub("", clean, count=1) if re.match(r"^\d{1,3}\.\s", clean) else clean
        for piece in split_block(clean):
            if len(piece.split()) >= MIN_WORDS:
                out.append(Sentence(piece, b, len(out)))
    return out


def split_block(block: str) -> list[str]:
    """Sentence boundaries: . ! ? (plus closing quotes/brackets) then space and a capital or digit,
    except after abbreviations and initials ("e.g.", "Dr.", "J.")."""
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(block):
        head = block[start : match.start() + 1]
        if _is_abbreviation(head):
            continue
        end = match.end() - len(match.group(0)) + len(match.group(0).rstrip())
        pieces.append(block[start:end].strip())
        start = match.end()
    tail = block[start:].strip()
    if tail:
        pieces.append(tail)
    return [p for p in pieces if p]


def _is_abbreviation(head: str) -> bool:
    if not head.endswith("."):
        return False
    match = _WORD_BEFORE.search(head)
    if not match:
        return False
    word = match.group(1)
    if len(word) == 1 and word.isupper():  # an initial
        return True
    return word.lower().rstrip(".") in ABBREVIATIONS
