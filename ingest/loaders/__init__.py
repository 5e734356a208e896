"""Loading one file into a :class:`ingest.model.LoadedDocument`.

``load(path, settings)`` picks a loader by the file's first bytes and its suffix, enforces the
size cap, and turns every way a file can be unusable into ``IngestError(reason, detail)`` with
``reason`` one of :data:`REASONS`. It never lets a third-party exception escape.

Reasons: ``unsupported`` (a type we do not read: .doc, .pptx, images, ...), ``too_large`` (over
``Settings.max_file_mb``), ``encrypted`` (needs a password), ``corrupt`` (damaged, truncated, or
not what its name says), ``no_text_layer`` (a scanned PDF: run OCR first), ``empty`` (no pages
or no text), ``zip_bomb`` (a DOCX that would inflate beyond safe limits), ``unreadable`` (the
file system refused). ``decode_error`` is reserved: text is always decoded somehow (UTF-8, then
cp1252, then Latin-1), with a warning.

Every loader gives pages (PDF: one per physical page with its printed label; other formats:
one page, index 1, label "1") and blocks carrying their page and heading path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from assistant.errors import IngestError
from assistant.settings import Settings
from ingest.model import LoadedDocument

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".pdf", ".html", ".htm", ".xhtml", ".docx", ".md", ".markdown", ".txt", ".text"}
)
REASONS: tuple[str, ...] = (
    "unsupported",
    "too_large",
    "encrypted",
    "corrupt",
    "no_text_layer",
    "empty",
    "zip_bomb",
    "decode_error",
    "unreadable",
)
_BY_SUFFIX = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".docx": "docx",
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".text": "txt",
}
_LEGACY = {".doc": "Word 97-2003 .doc", ".rtf": "RTF", ".odt": "OpenDocument text"}


def load(path: Path, settings: Settings) -> LoadedDocument:
    """Read, clean and describe one file; raises IngestError with a reason when it cannot."""
    path = Path(path)
    data = _read(path, settings)
    media_type = sniff(path, data[:2048])
    loader = _loader(media_type)
    try:
        loaded = loader(path, data)
    except IngestError:
        raise
    except Exception as exc:  # a parser failed in a way we did not foresee: report, never crash
        log.exception("loader for %s failed on %s", media_type, path.name)
        raise IngestError("corrupt", f"{type(exc).__name__}: {exc}"[:300]) from exc
    if not any(b.text.strip() for b in loaded.blocks):
        raise IngestError("empty", "no text found in the document")
    return loaded


def _read(path: Path, settings: Settings) -> bytes:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError("unreadable", f"{exc.strerror or exc}") from exc
    if not path.is_file():
        raise IngestError("unsupported", "not a regular file")
    limit = int(settings.max_file_mb * 1024 * 1024)
    if size > limit:
        mb = size / (1024 * 1024)
        raise IngestError("too_large", f"{mb:.1f} MB is over the {settings.max_file_mb:g} MB cap")
    if size == 0:
        raise IngestError("empty", "the file has 0 bytes")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise IngestError("unreadable", f"{exc.strerror or exc}") from exc


def sniff(path: Path, head: bytes) -> str:
    """Media type (pdf | html | docx | md | txt) from the first bytes, then the suffix."""
    suffix = path.suffix.lower()
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if suffix in (".docx", ""):
            return "docx"
        raise IngestError("unsupported", f"a zip archive ({suffix or 'no suffix'}), not a DOCX")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        if suffix == ".docx":  # Office wraps password-protected DOCX in an OLE container
            raise IngestError("encrypted", "password-protected Office document")
        raise IngestError("unsupported", "legacy Office (OLE) file: save it as DOCX or PDF")
    expected = _BY_SUFFIX.get(suffix)
    if expected == "pdf":
        raise IngestError("corrupt", "named .pdf but has no %PDF header")
    if expected == "docx":
        raise IngestError("corrupt", "named .docx but is not a zip package")
    if expected is None and _looks_like_html(head):
        return "html"
    if expected is None:
        what = _LEGACY.get(suffix, f"'{suffix}' files" if suffix else "files without a suffix")
        raise IngestError("unsupported", f"{what} are not supported")
    return expected


def _looks_like_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<!doctype html", b"<html"))


def _loader(media_type: str) -> Callable[[Path, bytes], LoadedDocument]:
    if media_type == "pdf":
        from ingest.loaders.pdf import load_pdf

        return load_pdf
    if media_type == "html":
        from ingest.loaders.html import load_html

        return load_html
    if media_type == "docx":
        from ingest.loaders.docx import load_docx

        return load_docx
    if media_type == "md":
        from ingest.loaders.markdown import load_markdown

        return load_markdown
    from ingest.loaders.text import load_text

    return load_text
