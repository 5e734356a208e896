"""The per-file half of an ingest: find files, load, describe, chunk and tag each one.

Nothing here touches a build. Every way a file can fail becomes a DocumentOutcome with a reason;
no exception from one file stops the run.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import IngestError
from assistant.types import Chunk, Document, Page
from ingest.chunking import TokenLimit, chunk_document
from ingest.report import SKIP_REASONS, DocumentOutcome, Status
from ingest.themes import document_themes, tag

if TYPE_CHECKING:
    from assistant.settings import Settings

log = logging.getLogger(__name__)

_JUNK_PREFIXES = (".", "~$", "_")  # hidden files, Office lock files, temp folders like __MACOSX
_JUNK_NAMES = frozenset({"Thumbs.db", "desktop.ini"})


@dataclass(frozen=True)
class Prepared:
    """One document ready to go into a build (vectors aside)."""

    source: str  # the file's path as found from the given paths
    document: Document
    chunks: tuple[Chunk, ...]
    pages: tuple[Page, ...]
    warnings: tuple[str, ...] = ()
    key: str = ""  # preparation key (ingest.unchanged): equal keys, equal Prepared


@dataclass(frozen=True)
class Source:
    """A file to ingest: its path and how it will be named in the report."""

    path: Path
    shown: str


def find_files(
    paths: Sequence[Path], *, exclude: Sequence[Path] = ()
) -> tuple[list[Source], list[DocumentOutcome]]:
    """Files under ``paths`` (folders walked recursively, hidden entries skipped, links out of
    the folder skipped), in a stable order, plus outcomes for given paths that do not exist and
    for skipped links. ``exclude``: e.g. the manifest."""
    found: list[Source] = []
    missing: list[DocumentOutcome] = []
    seen: set[Path] = {Path(p).resolve() for p in exclude}
    for given in paths:
        given = Path(given)
        if not given.exists():
            missing.append(
                DocumentOutcome(str(given), "", "failed", "not_found", "no such file or folder")
            )
            continue
        root = given.resolve() if given.is_dir() else None
        for path in _walk(given) if root is not None else iter([given]):
            key = path.resolve()
            if root is not None and not key.is_relative_to(root):
                missing.append(_outside(path))
                continue
            if key not in seen:
                seen.add(key)
                found.append(Source(path, str(path)))
    return found, missing


def _outside(path: Path) -> DocumentOutcome:
    """A link inside a library folder to a file outside it is never followed (or read)."""
    detail = "a link to a file outside the library folder: not followed"
    return DocumentOutcome(str(path), "", "skipped", "outside_library", detail)


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(_JUNK_PREFIXES))
        for name in sorted(files):
            if name.startswith((".", "~$")) or name in _JUNK_NAMES:
                continue
            yield Path(dirpath) / name


def outcome_for_error(source: Source, exc: Exception, doc_id: str = "") -> DocumentOutcome:
    """The report row for a file that could not be ingested."""
    if isinstance(exc, IngestError):
        status: Status = "skipped" if exc.reason in SKIP_REASONS else "failed"
        return DocumentOutcome(source.shown, doc_id, status, exc.reason, exc.detail[:300])
    log.exception("unexpected error ingesting %s", source.shown)
    detail = f"{type(exc).__name__}: {exc}"[:300]
    return DocumentOutcome(source.shown, doc_id, "failed", "error", detail)


class Preparer:
    """Turns one file into a Prepared document; holds what the run shares (settings, manifest)."""

    def __init__(
        self,
        settings: Settings,
        *,
        limit: TokenLimit,
        manifest: Mapping[str, Any] | None = None,
        demo: bool = False,
    ) -> None:
        self.settings = settings
        self.limit = limit
        self.manifest = manifest or {}
        self.demo = demo

    def prepare(self, source: Source, digest: str) -> Prepared:
        """Load, describe, chunk and tag ``source``; raises IngestError (or anything unexpected)."""
        from ingest.loaders import load
        from ingest.metadata import lookup_manifest, make_doc_id, resolve_document

        loaded = load(source.path, self.settings)
        entry = lookup_manifest(self.manifest, source.path)
        doc_id = make_doc_id(source.path, loaded, entry)
        document = resolve_document(
            loaded, doc_id=doc_id, manifest_entry=entry, source_path=source.shown, is_demo=self.demo
        )
        if digest and document.digest != digest:  # the file changed while we read it
            raise IngestError("changed", "the file changed while it was being read")
        chunks = self._chunks(document, loaded.blocks)
        if not chunks:
            raise IngestError("empty", "no text to index after cleaning")
        pages = tuple(dataclasses.replace(p, doc_id=doc_id) for p in loaded.pages)
        document = _with_themes(document, chunks, len(pages))
        return Prepared(source.shown, document, chunks, pages, tuple(loaded.warnings))

    def _chunks(self, document: Document, blocks: Sequence[Any]) -> tuple[Chunk, ...]:
        chunks = chunk_document(
            document.doc_id,
            blocks,
            target=self.settings.chunk_tokens,
            overlap=self.settings.chunk_overlap,
            limit=self.limit,
        )
        return tuple(_tagged(c) for c in chunks)


def _tagged(chunk: Chunk) -> Chunk:
    found = tag(" › ".join(chunk.section) + "\n" + chunk.text)
    return dataclasses.replace(chunk, themes=found.themes, theme_evidence=dict(found.evidence))


def _with_themes(document: Document, chunks: Sequence[Chunk], pages: int) -> Document:
    """Declared themes stay; a document that declares none gets its frequently tagged ones."""
    extra = dict(document.extra)
    themes = document.themes
    if themes:
        extra["themes_source"] = "declared"
    else:
        themes = document_themes([c.themes for c in chunks])
        extra["themes_source"] = "tagged"
    return dataclasses.replace(
        document, themes=tuple(themes), extra=extra, page_count=document.page_count or pages
    )
