"""Files unchanged since the served build: their documents are taken from it, not read again.

A file's **preparation key** is a digest of everything its Prepared document depends on: the
file's bytes (sha256), the path it was found by, its manifest entry, the demo flag, the chunk
settings, the token limit's model, and the code that prepares documents (every ``.py`` file of
the ``ingest`` and ``assistant`` packages, and the versions of the parsing libraries). A build
records each document's key in its ``manifest.json`` (``documents.<doc_id>.prepared_with``, with
the loader's warnings). When the next ingest finds a file whose key equals a served document's,
that document, its chunks and pages are reused as they are: the file is hashed but not parsed.
Change any input, or upgrade the code, and the key differs, so the file is read again.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from assistant.types import Chunk, Document, Page
from ingest.prepare import Prepared, Preparer, Source

KEY_FIELD = "prepared_with"
WARNINGS_FIELD = "warnings"
_CODE_PACKAGES = ("ingest", "assistant")
_PARSERS = ("pypdfium2", "trafilatura", "python-docx", "markdown-it-py", "lxml", "PyYAML")

Earlier = Mapping[str, tuple[Document, Sequence[Chunk], Sequence[Page]]]  # by doc_id


@functools.cache
def code_digest() -> str:
    """sha256 over the preparing code: the packages' source files and the parsers' versions."""
    sha = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for package in _CODE_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            sha.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    for name in _PARSERS:
        try:
            sha.update(f"{name}={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            sha.update(f"{name}=none\0".encode())
    return sha.hexdigest()


def preparation_key(preparer: Preparer, source: Source, digest: str) -> str:
    """The key a Prepared document made from ``source`` (with bytes ``digest``) would carry."""
    from ingest.metadata import lookup_manifest

    settings, limit = preparer.settings, preparer.limit
    parts = {
        "code": code_digest(),
        "file": digest,
        "path": source.shown,
        "manifest": lookup_manifest(preparer.manifest, source.path),
        "demo": preparer.demo,
        "chunks": [settings.chunk_tokens, settings.chunk_overlap],
        "limit": [getattr(limit, "name", type(limit).__name__), limit.max_tokens],
    }
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Unchanged:
    """The served build's documents by preparation key, ready to be reused."""

    by_key: Mapping[str, Prepared]

    @classmethod
    def from_build(cls, sources: Mapping[str, Mapping[str, Any]], earlier: Earlier) -> Unchanged:
        """``sources``: the served manifest's ``documents`` entries; ``earlier``: its documents
        with their chunks and pages."""
        found: dict[str, Prepared] = {}
        for doc_id, record in sources.items():
            key = record.get(KEY_FIELD) if isinstance(record, Mapping) else None
            if not key or doc_id not in earlier:
                continue
            document, chunks, pages = earlier[doc_id]
            warnings = tuple(str(w) for w in record.get(WARNINGS_FIELD) or ())
            found[key] = Prepared(
                document.path, document, tuple(chunks), tuple(pages), warnings, key
            )
        return cls(found)

    def get(self, key: str) -> Prepared | None:
        return self.by_key.get(key)


def source_record(key: str, warnings: Sequence[str]) -> dict[str, Any]:
    """What a build's manifest records for a document beside its digest, path and title."""
    return {KEY_FIELD: key, WARNINGS_FIELD: list(warnings)} if key else {}


def carried_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record of a document carried over from the served build into the next one."""
    return source_record(str(record.get(KEY_FIELD) or ""), record.get(WARNINGS_FIELD) or ())


@dataclass(frozen=True)
class Loading:
    """How files become Prepared documents in this run: read by ``preparer``, or taken from the
    served build when ``unchanged`` holds their preparation key."""

    preparer: Preparer
    unchanged: Unchanged
    exclude: Sequence[Path] = ()
    progress: bool = False

    def prepared(self, source: Source, digest: str) -> Prepared:
        key = preparation_key(self.preparer, source, digest)
        earlier = self.unchanged.get(key)
        if earlier is not None:
            return replace(earlier, source=source.shown)
        return replace(self.preparer.prepare(source, digest), key=key)

    def is_unread(self, item: Prepared) -> bool:
        """Whether ``item`` was taken from the served build rather than read."""
        return self.unchanged.get(item.key) is not None

    @staticmethod
    def unread_note(unread: int) -> list[str]:
        """The report's note on files taken from the served build instead of being read."""
        if not unread:
            return []
        return [f"{unread} file(s) unchanged since the served build were not read again"]
