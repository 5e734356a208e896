"""Pieces shared by the loaders: digests, heading paths, single-page documents."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.types import Page
from ingest.cleaning import collapse_spaces
from ingest.model import Block, BlockKind, LoadedDocument


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class HeadingTracker:
    """Keeps the heading path while a loader walks a non-paged document from top to bottom."""

    def __init__(self) -> None:
        self._path: list[tuple[int, str]] = []

    def heading(self, text: str, level: int) -> Block:
        """The heading's own block (its path: the headings enclosing it), entering it."""
        while self._path and self._path[-1][0] >= level:
            self._path.pop()
        parents = self.path()
        self._path.append((level, collapse_spaces(text)))
        return Block(
            text=collapse_spaces(text),
            page_index=1,
            page_label="1",
            heading_path=parents,
            kind="heading",
            level=level,
        )

    def block(self, text: str, kind: BlockKind = "paragraph") -> Block:
        return Block(text=text, page_index=1, page_label="1", heading_path=self.path(), kind=kind)

    def path(self) -> tuple[str, ...]:
        return tuple(title for _, title in self._path)


def title_out_of_paths(blocks: Sequence[Block]) -> list[Block]:
    """Blocks without the document's title in their heading paths, when the only top-level
    heading opens the document (an HTML <h1>, a Markdown "# Title"): a title on every
    chunk's section says nothing."""
    headings = [b for b in blocks if b.kind == "heading"]
    top = [b for b in headings if b.level == 1]
    if len(top) != 1 or headings[0] is not top[0]:
        return list(blocks)
    title = top[0].text
    return [
        replace(b, heading_path=b.heading_path[1:]) if b.heading_path[:1] == (title,) else b
        for b in blocks
    ]


def single_page_document(
    path: Path,
    *,
    media_type: str,
    digest: str,
    blocks: Sequence[Block],
    metadata: Mapping[str, Any],
    warnings: Sequence[str] = (),
) -> LoadedDocument:
    """A document without pages: one Page (index 1, label "1") holding all block texts."""
    kept = tuple(b for b in blocks if b.text.strip())
    text = "\n\n".join(b.text for b in kept)
    page = Page(doc_id="", index=1, label="1", text=text)
    return LoadedDocument(
        path=path,
        media_type=media_type,
        digest=digest,
        pages=(page,),
        blocks=kept,
        metadata=dict(metadata),
        warnings=tuple(warnings),
    )
