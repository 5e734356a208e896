"""What a loader hands to the rest of the ingestion job.

A loader reads one file into cleaned pages and a flat list of blocks (headings, paragraphs, list
items, table rows) that remember their page and heading path. Chunking works on blocks; quote
verification and the document viewer work on pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from assistant.types import Page

BlockKind = Literal["heading", "paragraph", "list", "table"]


@dataclass(frozen=True)
class Block:
    text: str
    page_index: int  # physical page, 1-based
    page_label: str  # printed label ("iv", "12"); str(page_index) when none is printed
    heading_path: tuple[str, ...] = ()  # enclosing headings, outermost first
    kind: BlockKind = "paragraph"
    level: int = 0  # heading level for kind == "heading"


@dataclass(frozen=True)
class LoadedDocument:
    path: Path
    media_type: str  # pdf | html | docx | md | txt
    digest: str  # sha256 of the file's bytes
    pages: tuple[Page, ...]  # cleaned text per page (doc_id is filled in later)
    blocks: tuple[Block, ...]
    # metadata found in the file itself: front matter, PDF info dict, first heading, <title>...
    # keys as in assistant.types.Document (title, publisher, date, year, doc_type, area, url,
    # licence, themes) plus anything else (kept in Document.extra as strings).
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()  # e.g. "contents pages dropped: 2-3"
