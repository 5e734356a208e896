"""Plain text: decoded carefully (never crashes on bad bytes), paragraphs by blank lines."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.cleaning import collapse_spaces, join_hyphenated, normalise_text, unwrap_lines
from ingest.loaders.common import HeadingTracker, sha256_bytes, single_page_document
from ingest.model import LoadedDocument


def decode(data: bytes) -> tuple[str, list[str]]:
    """Text and warnings: UTF-8 (with or without BOM), else cp1252, else latin-1.

    A few stray undecodable bytes in otherwise UTF-8 text are replaced (with a warning) rather
    than reinterpreting the whole file as cp1252.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), ["decoded as UTF-16 (byte order mark)"]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        bad = _count_utf8_errors(data)
        if bad <= 3 and len(data) > 200 and exc.start > 0:
            text = data.decode("utf-8", errors="replace")
            return text, [f"{bad} undecodable byte sequence(s) replaced with U+FFFD"]
    try:
        return data.decode("cp1252"), ["not UTF-8: decoded as Windows-1252 (cp1252)"]
    except UnicodeDecodeError:
        return data.decode("latin-1"), ["not UTF-8: decoded as Latin-1"]


def _count_utf8_errors(data: bytes) -> int:
    return data.decode("utf-8", errors="replace").count("\ufffd")


def load_text(path: Path, data: bytes) -> LoadedDocument:
    text, warnings = decode(data)
    tracker = HeadingTracker()
    blocks = [tracker.block(p) for p in text_paragraphs(text)]
    metadata: dict[str, str] = {}
    first = blocks[0].text if blocks else ""
    if len(blocks) > 1 and len(first) <= 120 and not first.endswith((".", ",", ";", ":")):
        metadata["first_heading"] = first  # a short opening line reads as the title
    return single_page_document(
        path,
        media_type="txt",
        digest=sha256_bytes(data),
        blocks=blocks,
        metadata=metadata,
        warnings=warnings,
    )


def text_paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text.

    Blank lines separate paragraphs. Inside a blank-line-separated stretch, long lines are
    taken as one paragraph each (text saved with one paragraph per line), short lines as a
    hard-wrapped paragraph to unwrap.
    """
    out: list[str] = []
    for stretch in re.split(r"\n\s*\n", normalise_text(text)):
        lines = [line for line in join_hyphenated(stretch).split("\n") if line.strip()]
        if not lines:
            continue
        if sum(len(line) for line in lines) / len(lines) > 100:
            out.extend(collapse_spaces(line) for line in lines)
        else:
            out.extend(unwrap_lines(lines))
    return [p for p in out if p]
