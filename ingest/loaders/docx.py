"""DOCX with python-docx: "Heading N" styles become heading paths, the title comes from the
core properties. The zip package is checked for zip bombs before python-docx opens it."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from assistant.errors import IngestError
from ingest.cleaning import collapse_spaces, normalise_text
from ingest.loaders.common import HeadingTracker, sha256_bytes, single_page_document
from ingest.model import Block, LoadedDocument

MAX_UNZIPPED_BYTES = 400 * 1024 * 1024  # all members together, inflated
MAX_RATIO = 100  # inflated / compressed, over the package or any large member
RATIO_FLOOR_BYTES = 20 * 1024 * 1024  # ratios only matter once this much would be inflated
MAX_MEMBERS = 10_000
_HEADING = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)


def check_zip(data: bytes) -> None:
    """Raise IngestError(zip_bomb | corrupt) unless the package is safe to inflate."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise IngestError("corrupt", f"not a readable zip package ({exc})") from exc
    if len(members) > MAX_MEMBERS:
        raise IngestError("zip_bomb", f"{len(members)} entries in the package")
    inflated = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), 1)
    if inflated > MAX_UNZIPPED_BYTES:
        raise IngestError("zip_bomb", f"would inflate to {inflated // 2**20} MB")
    if inflated > RATIO_FLOOR_BYTES and inflated / packed > MAX_RATIO:
        raise IngestError("zip_bomb", f"compression ratio {inflated / packed:.0f}:1")
    for m in members:
        if m.file_size > RATIO_FLOOR_BYTES and m.file_size / max(m.compress_size, 1) > MAX_RATIO:
            raise IngestError("zip_bomb", f"{m.filename}: compression ratio over {MAX_RATIO}:1")
    if "word/document.xml" not in {m.filename for m in members}:
        raise IngestError("corrupt", "zip package without word/document.xml: not a Word file")


def load_docx(path: Path, data: bytes) -> LoadedDocument:
    check_zip(data)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise IngestError("corrupt", f"DOCX could not be opened ({exc})") from exc
    except Exception as exc:  # lxml XMLSyntaxError and friends from a damaged part
        raise IngestError("corrupt", f"DOCX could not be parsed ({type(exc).__name__})") from exc
    blocks, first_heading = _blocks(document)
    metadata = _core_properties(document)
    if first_heading:
        metadata["first_heading"] = first_heading
    return single_page_document(
        path, media_type="docx", digest=sha256_bytes(data), blocks=blocks, metadata=metadata
    )


def _blocks(document: Any) -> tuple[list[Block], str]:
    from docx.table import Table

    tracker = HeadingTracker()
    blocks: list[Block] = []
    first_heading = ""
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.extend(_table_rows(item, tracker))
            continue
        text = collapse_spaces(normalise_text(item.text))
        if not text:
            continue
        style = _style_name(item)
        level = _heading_level(item, style)
        if style.lower() == "title":
            first_heading = first_heading or text
            blocks.append(Block(text=text, page_index=1, page_label="1", kind="heading", level=1))
        elif level:
            first_heading = first_heading or text
            blocks.append(tracker.heading(text, level))
        else:
            blocks.append(tracker.block(text, "list" if _is_list(item, style) else "paragraph"))
    return blocks, first_heading


def _style_name(paragraph: Any) -> str:
    try:
        return str(paragraph.style.name or "") if paragraph.style is not None else ""
    except (KeyError, AttributeError, ValueError):
        return ""


def _heading_level(paragraph: Any, style: str) -> int:
    """Heading level from the style ("Heading 2") or a style based on one; 0 if not a heading."""
    m = _HEADING.match(style)
    if m:
        return int(m.group(1))
    try:
        base = paragraph.style.base_style if paragraph.style is not None else None
        for _ in range(5):
            if base is None:
                break
            m = _HEADING.match(base.name or "")
            if m:
                return int(m.group(1))
            base = base.base_style
    except (KeyError, AttributeError, ValueError):
        return 0
    return 0


def _is_list(paragraph: Any, style: str) -> bool:
    if style.lower().startswith("list"):
        return True
    ppr = paragraph._p.pPr
    return ppr is not None and ppr.numPr is not None


def _table_rows(table: Any, tracker: HeadingTracker) -> list[Block]:
    out = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = collapse_spaces(normalise_text(cell.text))
            if text and (not cells or cells[-1] != text):  # merged cells repeat their text
                cells.append(text)
        if cells:
            out.append(tracker.block(" | ".join(cells), "table"))
    return out


def _core_properties(document: Any) -> dict[str, Any]:
    props = document.core_properties
    out: dict[str, Any] = {}
    if collapse_spaces(props.title or ""):
        out["docx_title"] = collapse_spaces(props.title)
    if collapse_spaces(props.author or ""):
        out["docx_author"] = collapse_spaces(props.author)
    for name in ("created", "modified"):
        value = getattr(props, name, None)
        if value is not None:
            out[f"docx_{name}"] = value.date().isoformat()
    return out
