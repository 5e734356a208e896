"""Rendered PDF pages for the viewer (pypdfium2), cached as PNG files under the data directory.

A page image is only made from the document's source file when that file still exists *and* still
has the bytes that were ingested (its sha256 equals ``Document.digest``), so the picture always
matches the text and quotes beside it. Digests are remembered per (path, size, mtime).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path

from assistant.types import Document

log = logging.getLogger(__name__)

SCALE = 1.5  # 108 dpi: readable, about 900 px wide for A4


class PageImages:
    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self._lock = threading.Lock()  # pdfium is not thread-safe
        self._digests: dict[tuple[str, int, int], str] = {}

    def source(self, document: Document) -> Path | None:
        """The PDF the document came from, if it is still there unchanged."""
        if document.media_type != "pdf" or not document.path:
            return None
        path = Path(document.path)
        try:
            stat = path.stat()
        except OSError:
            return None
        if not path.is_file():
            return None
        if document.digest and self._digest(path, stat) != document.digest:
            return None
        return path

    def _digest(self, path: Path, stat: os.stat_result) -> str:
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        if key not in self._digests:
            sha = hashlib.sha256()
            with path.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    sha.update(block)
            self._digests[key] = sha.hexdigest()
        return self._digests[key]

    def available(self, document: Document, index: int) -> bool:
        return self.source(document) is not None and 1 <= index <= max(document.page_count, 1)

    def png(self, document: Document, index: int) -> Path | None:
        """Path to the cached PNG of physical page ``index`` (1-based), rendering it if needed."""
        path = self.source(document)
        if path is None:
            return None
        digest = document.digest or hashlib.sha256(str(path).encode()).hexdigest()
        target = self.cache_dir / f"{digest[:24]}-{index}.png"
        if target.is_file():
            return target
        with self._lock:
            if not target.is_file() and not self._render(path, index, target):
                return None
        return target

    def _render(self, path: Path, index: int, target: Path) -> bool:
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(str(path))
            try:
                if not 1 <= index <= len(pdf):
                    return False
                page = pdf[index - 1]
                image = page.render(scale=SCALE).to_pil()
                page.close()
            finally:
                pdf.close()
        except Exception as exc:  # a damaged file: the viewer simply shows no image
            log.warning("could not render page %d of %s: %s", index, path.name, exc)
            return False
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        image.save(tmp, format="PNG", optimize=True)
        os.replace(tmp, target)
        return True
