"""Token-aware chunking: a loaded document's blocks become Chunks the embedder reads in full.

Rules, in order of strength:

1. A chunk never crosses a change of top-level heading (``heading_path[0]``).
2. Sibling subsections are merged only while the chunk is less than half full, so short
   subsections do not become tiny chunks; otherwise a subsection change starts a new chunk.
3. Within a section, chunks hold about ``target`` tiktoken tokens, breaking at the last paragraph
   boundary that keeps the chunk at least 60% full, else at a sentence boundary; a sentence longer
   than ``target`` is cut between words.
4. Consecutive chunks of one section share up to ``overlap`` tokens of whole sentences.
5. HARD: what is embedded (``embed_text``: the heading path, a blank line, the chunk text) never
   exceeds the embedder's own limit, counted with its own tokenizer; a chunk that would is
   shortened (trailing sentences move to the next chunk, or a sentence is cut between words).

Heading blocks are not repeated in chunk text: their words reach the embedder through the heading
prefix and the keyword index through the chunk's section (see ``assistant.build.index``).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from assistant.errors import BuildError
from assistant.text import tokens
from assistant.text.sentences import split_sentences as _split
from assistant.text.units import is_lead_in
from assistant.types import Chunk
from ingest.model import Block

# Bump when embed_text changes: chunk digests change, so stored vectors are not reused.
EMBED_FORMAT = "heading-prefix-v1"
PREFIX_MAX_TOKENS = 32  # tiktoken budget for the heading prefix
PREFIX_SEPARATOR = " › "

SENTENCE, PARAGRAPH, SUBSECTION, SECTION = 0, 1, 2, 3


class TokenLimit(Protocol):
    """The part of the Embedder protocol chunking needs."""

    max_tokens: int

    def count_tokens(self, text: str) -> int: ...


@dataclass(frozen=True)
class _Unit:
    """A sentence (or part of one) with where it came from and how it joins the previous unit."""

    text: str
    tokens: int
    page_index: int
    page_label: str
    path: tuple[str, ...]
    boundary: int  # SENTENCE | PARAGRAPH | SUBSECTION | SECTION, relative to the previous unit


# --- public -------------------------------------------------------------------------------------


def chunk_document(
    doc_id: str,
    blocks: Sequence[Block],
    *,
    target: int,
    overlap: int,
    limit: TokenLimit | None = None,
) -> list[Chunk]:
    """Chunks of one document, numbered from 0, ids ``{doc_id}#{n}``."""
    units = _units(blocks, target)
    spans = _pack(units, target, overlap, limit)
    return [_make_chunk(doc_id, n, span) for n, span in enumerate(spans)]


def embed_text(chunk: Chunk) -> str:
    """What the embedder reads for a chunk: its heading path, a blank line, its text."""
    prefix = heading_prefix(chunk.section)
    return f"{prefix}\n\n{chunk.text}" if prefix else chunk.text


def heading_prefix(section: Sequence[str]) -> str:
    """The heading path, innermost headings kept, within PREFIX_MAX_TOKENS tiktoken tokens."""
    return _prefix(tuple(section))


@functools.lru_cache(maxsize=1024)  # chunking asks again for every chunk of a section
def _prefix(section: tuple[str, ...]) -> str:
    parts = [s.strip() for s in section if s.strip()]
    while parts:
        text = PREFIX_SEPARATOR.join(parts)
        if tokens.count(text) <= PREFIX_MAX_TOKENS:
            return text
        if len(parts) == 1:
            enc = tokens.encoding()
            return enc.decode(enc.encode(text, disallowed_special=())[:PREFIX_MAX_TOKENS]).strip()
        parts = parts[1:]
    return ""


def chunk_digest(
    text: str, section: Sequence[str], page_start: int, page_end: int, labels: tuple[str, str]
) -> str:
    """sha256 over everything that decides a chunk's vector and its citation."""
    payload = json.dumps(
        [EMBED_FORMAT, text, list(section), page_start, page_end, list(labels)],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def split_sentences(text: str) -> list[str]:
    """Sentences of one paragraph (whitespace-normalised), by the one shared splitter."""
    return _split(" ".join(text.split()), lines_break=False)


# --- units --------------------------------------------------------------------------------------


def _units(blocks: Sequence[Block], target: int) -> list[_Unit]:
    units: list[_Unit] = []
    previous: tuple[str, ...] | None = None
    for block in blocks:
        if block.kind == "heading" or not block.text.strip():
            continue
        path = tuple(block.heading_path)
        boundary = PARAGRAPH if previous is None else _boundary(previous, path)
        for i, sentence in enumerate(split_sentences(block.text)):
            for j, (piece, size) in enumerate(_cut(sentence, target)):
                units.append(
                    _Unit(
                        text=piece,
                        tokens=size,
                        page_index=block.page_index,
                        page_label=block.page_label,
                        path=path,
                        boundary=boundary if i == 0 and j == 0 else SENTENCE,
                    )
                )
        previous = path
    return units


def _boundary(previous: tuple[str, ...], path: tuple[str, ...]) -> int:
    if previous == path:
        return PARAGRAPH
    if not previous or not path or previous[0] != path[0]:
        return SECTION
    return SUBSECTION


def _cut(text: str, max_tokens: int) -> list[tuple[str, int]]:
    """``text`` itself, or pieces of at most ``max_tokens`` tiktoken tokens cut between words;
    each with its token count."""
    size = tokens.count(text)
    if size <= max_tokens:
        return [(text, size)]
    return [(piece, tokens.count(piece)) for piece in _cut_words(text, max_tokens)]


def _cut_words(text: str, max_tokens: int) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for word in text.split(" "):
        cost = tokens.count(" " + word)
        if current and size + cost > max_tokens:
            pieces.append(" ".join(current))
            current, size = [], 0
        if cost > max_tokens:  # one enormous "word" (a URL, a run of symbols): cut by characters
            pieces.extend(_cut_chars(word, max_tokens))
            continue
        current.append(word)
        size += cost
    if current:
        pieces.append(" ".join(current))
    return pieces


def _cut_chars(word: str, max_tokens: int) -> list[str]:
    step = max(1, max_tokens)  # a token is at least one character
    return [word[i : i + step] for i in range(0, len(word), step)]


# --- packing ------------------------------------------------------------------------------------


def _pack(
    units: list[_Unit], target: int, overlap: int, limit: TokenLimit | None
) -> list[list[_Unit]]:
    spans: list[list[_Unit]] = []
    start = 0
    while start < len(units):
        end = _grow(units, start, target)
        end = _fit(units, start, end, limit)
        if end < len(units) and end - start > 1 and _announces(units[end - 1], units[end]):
            end -= (
                1  # a lead-in ("Spotlight themes", "... as follows:") goes with what it announces
            )
        spans.append(units[start:end])
        start = _next_start(units, start, end, overlap)
    return spans


def _announces(unit: _Unit, after: _Unit) -> bool:
    """``unit`` introduces ``after`` (in the same section): a sentence ending in a colon, or a
    heading-like paragraph of its own."""
    if after.boundary >= SECTION:
        return False
    return unit.text.rstrip().endswith(":") or (
        unit.boundary >= PARAGRAPH and is_lead_in(unit.text)
    )


def _grow(units: list[_Unit], start: int, target: int) -> int:
    """End (exclusive) of the chunk starting at ``start`` under the size and boundary rules."""
    total = units[start].tokens
    end = start + 1
    while end < len(units):
        unit = units[end]
        if unit.boundary == SECTION or (unit.boundary == SUBSECTION and total >= target // 2):
            return end
        if total + 1 + unit.tokens > target:
            return _paragraph_break(units, start, end, target)
        total += 1 + unit.tokens
        end += 1
    return end


def _paragraph_break(units: list[_Unit], start: int, end: int, target: int) -> int:
    """The last paragraph boundary in (start, end) keeping the chunk >= 60% full, else ``end``."""
    fill = [0]
    for unit in units[start:end]:
        fill.append(fill[-1] + unit.tokens + 1)
    for k in range(end - 1, start, -1):
        if units[k].boundary >= PARAGRAPH and fill[k - start] >= 0.6 * target:
            return k
    return end


def _fit(units: list[_Unit], start: int, end: int, limit: TokenLimit | None) -> int:
    """Shrink [start, end) until the embedder reads all of it; cuts a lone unit in place."""
    if limit is None:
        return end
    while not _fits(units[start:end], limit):
        if end - start > 1:
            end -= 1
            continue
        unit = units[start]
        pieces = _halve(unit.text)
        if pieces is None:
            raise BuildError(f"cannot fit {unit.text!r} within {limit.max_tokens} model tokens")
        units[start : start + 1] = [
            replace(unit, text=p, tokens=tokens.count(p), boundary=unit.boundary if i == 0 else 0)
            for i, p in enumerate(pieces)
        ]
        end = start + 1
    return end


def _fits(span: list[_Unit], limit: TokenLimit) -> bool:
    text = _join(span)
    section = _common_path(span)
    prefix = heading_prefix(section)
    embedded = f"{prefix}\n\n{text}" if prefix else text
    return limit.count_tokens(embedded) <= limit.max_tokens


def _halve(text: str) -> list[str] | None:
    words = text.split(" ")
    if len(words) > 1:
        middle = len(words) // 2
        return [" ".join(words[:middle]), " ".join(words[middle:])]
    if len(text) > 1:
        return [text[: len(text) // 2], text[len(text) // 2 :]]
    return None


def _next_start(units: list[_Unit], start: int, end: int, overlap: int) -> int:
    """Where the next chunk starts: ``end``, or earlier to repeat up to ``overlap`` tokens."""
    if end >= len(units) or units[end].boundary >= SUBSECTION or overlap <= 0:
        return end
    k, size = end, 0
    while k - 1 > start and size + units[k - 1].tokens <= overlap:
        k -= 1
        size += units[k].tokens + 1
    return k


# --- chunks -------------------------------------------------------------------------------------


def _join(span: Sequence[_Unit]) -> str:
    parts: list[str] = []
    for i, unit in enumerate(span):
        if i:
            parts.append("\n\n" if unit.boundary >= PARAGRAPH else " ")
        parts.append(unit.text)
    return "".join(parts)


def _common_path(span: Sequence[_Unit]) -> tuple[str, ...]:
    path = span[0].path
    for unit in span[1:]:
        n = 0
        while n < min(len(path), len(unit.path)) and path[n] == unit.path[n]:
            n += 1
        path = path[:n]
    return path


def _make_chunk(doc_id: str, n: int, span: list[_Unit]) -> Chunk:
    text = _join(span)
    section = _common_path(span)
    first = min(span, key=lambda u: u.page_index)
    last = max(span, key=lambda u: u.page_index)
    start, end = first.page_index, last.page_index
    labels = (first.page_label, last.page_label)
    return Chunk(
        chunk_id=f"{doc_id}#{n}",
        doc_id=doc_id,
        n=n,
        text=text,
        page_start=start,
        page_end=end,
        page_label_start=labels[0],
        page_label_end=labels[1],
        section=section,
        tokens=tokens.count(text),
        digest=chunk_digest(text, section, start, end, labels),
    )
