"""Unit vectors pooled from the chunk's own forward pass ("late chunking", ADR 0024).

all-MiniLM-L6-v2 turns a text into a vector by averaging its token states. A unit of evidence's
text lies inside its chunk, so instead of running the model again on the unit alone, ingest can
average the chunk's token states over the word pieces of the unit's span(s) and L2-normalise:

    spans = char_spans(chunk.text, unit.text)            # [(start, end), ...] in the chunk text
    rows = token_rows(offsets, shifted(spans, start))    # word pieces overlapping the spans
    vector = pool(states, rows)                          # mean, then unit length

A unit may join spans that are not adjacent (a list's lead-in and its items, with their markers;
a label and its line), so a unit maps to several spans. Units are stored with emphasis markers
removed and whitespace collapsed (``assistant.text.units``); spans are found in the same
normalised view of the chunk and mapped back to its characters. A unit that cannot be found, or
runs past the word pieces the model read (truncation), has no spans: its caller encodes it on its
own instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ENCODED = "encoded"  # each unit's text run through the model on its own (the reference)
POOLED = "pooled"  # each unit's word pieces averaged from its chunk's run
UNIT_VECTOR_KINDS = (ENCODED, POOLED)
LEGACY_KIND = ENCODED  # builds written before the kind was recorded

_EMPHASIS = re.compile(r"\*\*|__")
_WORD = re.compile(r"[^\W_]")
_RUN = re.compile(r"\S+")


@dataclass(frozen=True)
class TokenStates:
    """One run of the model over some texts."""

    vectors: np.ndarray  # [texts x dimensions] float32: each text's own (pooled) unit vector
    states: tuple[np.ndarray, ...]  # per text: [word pieces x dimensions], special tokens included
    offsets: tuple[np.ndarray, ...]  # per text: [word pieces x 2] character offsets, (0, 0) special


def normalised(text: str) -> tuple[str, list[int]]:
    """``text`` with emphasis markers removed and whitespace runs made one space (trimmed), and
    for each character of the result the index of the character of ``text`` it came from."""
    if "**" not in text and "__" not in text:
        return _plain_view(text)
    return _marked_view(text)


def _marked_view(text: str) -> tuple[str, list[int]]:
    """``normalised`` of any text, emphasis markers or not, word by word."""
    out: list[str] = []
    where: list[int] = []
    for word in _RUN.finditer(text):
        start, body = word.start(), word.group()
        plain = "**" not in body and "__" not in body
        kept = [(start, body)] if plain else _between_markers(body, start)
        if not kept:
            continue  # a run of emphasis markers only: nothing to read, no space either
        if out:
            out.append(" ")
            where.append(start - 1)
        for at, piece in kept:
            out.append(piece)
            where.extend(range(at, at + len(piece)))
    return "".join(out), where


def _plain_view(text: str) -> tuple[str, list[int]]:
    """``normalised`` of a text without emphasis markers (most chunks), in fewer steps."""
    where: list[int] = []
    for word in _RUN.finditer(text):
        start, end = word.span()
        if where:
            where.append(start - 1)
        where.extend(range(start, end))
    return " ".join(text.split()), where  # (split() and \S+ part text at the same characters)


def _between_markers(word: str, start: int) -> list[tuple[int, str]]:
    """The pieces of ``word`` (at ``start`` in its text) between emphasis markers."""
    pieces: list[tuple[int, str]] = []
    at = 0
    for marker in _EMPHASIS.finditer(word):
        if marker.start() > at:
            pieces.append((start + at, word[at : marker.start()]))
        at = marker.end()
    if at < len(word):
        pieces.append((start + at, word[at:]))
    return pieces


def char_spans(
    chunk_text: str, unit_text: str, view: tuple[str, list[int]] | None = None
) -> list[tuple[int, int]] | None:
    """The ``[start, end)`` spans of ``chunk_text`` that make up ``unit_text``: one per line of
    the unit (a list's lead-in and each item), each found after the one before. A unit that reads
    on past the chunk's end (its lines from there on are in the next chunk) has the spans of the
    lines this chunk holds. None when a line is not in the chunk otherwise. ``view`` is
    ``normalised(chunk_text)``, when already made."""
    view_text, where = view or normalised(chunk_text)
    spans: list[tuple[int, int]] = []
    cursor = 0
    for line in unit_text.split("\n"):
        piece = " ".join(_EMPHASIS.sub("", line).split())
        if not piece:
            continue
        at = view_text.find(piece, cursor)
        if at < 0 and not spans:
            at = view_text.find(piece)
        if at < 0:
            # a unit that reads on into the next chunk: pooled from the part this chunk holds
            return spans if spans and piece.startswith(view_text[cursor:].strip()) else None
        spans.append((where[at], where[at + len(piece) - 1] + 1))
        cursor = at + len(piece)
    return spans or None


def shifted(spans: Sequence[tuple[int, int]], by: int) -> list[tuple[int, int]]:
    return [(start + by, end + by) for start, end in spans]


def token_rows(
    offsets: np.ndarray, spans: Sequence[tuple[int, int]], text: str = ""
) -> np.ndarray | None:
    """Indices of the word pieces overlapping any span (special tokens never). None when a span
    reaches past the last word piece the model read (the text was truncated before it): with
    ``text`` (what the offsets index), only a letter or digit of the span past it is cut off."""
    return _Pieces(offsets).rows(spans, text)


class _Pieces:
    """One text's word-piece offsets, read once for all the units pooled from it."""

    def __init__(self, offsets: np.ndarray) -> None:
        offsets = np.asarray(offsets).reshape(-1, 2)
        self.starts = np.ascontiguousarray(offsets[:, 0])
        self.ends = np.ascontiguousarray(offsets[:, 1])
        self.real = self.ends > self.starts
        self.read = int(self.ends[self.real].max()) if self.real.any() else None

    def rows(self, spans: Sequence[tuple[int, int]], text: str = "") -> np.ndarray | None:
        read = self.read
        if read is None:
            return None
        if any(end > read and (not text or _WORD.search(text, read, end)) for _, end in spans):
            return None
        hit = np.zeros(len(self.starts), dtype=bool)
        for start, end in spans:
            hit |= self.real & (self.starts < end) & (self.ends > start)
        rows = np.flatnonzero(hit)
        return rows if len(rows) else None


def pool(states: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The mean of ``states`` over ``rows``, at unit length (float32)."""
    mean: np.ndarray = np.asarray(states, dtype=np.float32)[rows].mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else mean


def pooled_units(
    embedded: str,
    chunk_text: str,
    unit_texts: Sequence[str],
    states: np.ndarray,
    offsets: np.ndarray,
) -> list[np.ndarray | None]:
    """Each unit's vector pooled from its chunk's run (``embedded`` is the text the model read,
    which ends with ``chunk_text``), or None for a unit to encode on its own."""
    start = len(embedded) - len(chunk_text)
    if start < 0 or embedded[start:] != chunk_text:
        return [None] * len(unit_texts)
    out: list[np.ndarray | None] = []
    view = normalised(chunk_text)
    pieces = _Pieces(offsets)
    for text in unit_texts:
        spans = char_spans(chunk_text, text, view)
        rows = pieces.rows(shifted(spans, start), embedded) if spans else None
        out.append(pool(states, rows) if rows is not None else None)
    return out
