"""DOCX with python-docx: "Heading N" styles become heading paths, the title comes from the
core properties. The zip package is checked for zip bombs before python-docx opens it."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docx.oxml.ns import qn

from assistant.errors import IngestError
from ingest.cleaning import collapse_spaces, normalise_text
from ingest.loaders.common import HeadingTracker, sha256_bytes, single_page_document
from ingest.model import Block, BlockKind, LoadedDocument

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
    """Blocks in reading order: paragraphs (with tracked insertions, without deletions),
    tables row by row, content controls opened, text boxes after their paragraph."""
    from docx.text.paragraph import Paragraph

    tracker = HeadingTracker()
    blocks: list[Block] = []
    first_heading = ""
    for element in _body_items(document.element.body):
        if element.tag == qn("w:tbl"):
            blocks.extend(_table_rows(element, tracker))
            continue
        paragraph = Paragraph(element, document)
        text = paragraph_text(element)
        if text:
            style = _style_name(paragraph)
            level = _heading_level(paragraph, style)
            if style.lower() == "title":
                first_heading = first_heading or text
                blocks.append(
                    Block(text=text, page_index=1, page_label="1", kind="heading", level=1)
                )
            elif level:
                first_heading = first_heading or text
                blocks.append(tracker.heading(text, level))
            else:
                kind: BlockKind = "list" if _is_list(paragraph, style) else "paragraph"
                blocks.append(tracker.block(text, kind))
        for box in element.iter(qn("w:txbxContent")):
            for inner in box.iter(qn("w:p")):
                if paragraph_text(inner):
                    blocks.append(tracker.block(paragraph_text(inner)))
    return blocks, first_heading


def _body_items(body: Any) -> Iterator[Any]:
    """w:p and w:tbl elements of the body in order, looking inside content controls."""
    for child in body:
        if child.tag in (qn("w:p"), qn("w:tbl")):
            yield child
        elif child.tag == qn("w:sdt"):
            for content in child.iter(qn("w:sdtContent")):
                yield from _body_items(content)
                break


_SKIPPED = frozenset(
    qn(tag) for tag in ("w:del", "w:moveFrom", "w:txbxContent", "w:instrText", "w:delText")
)


def paragraph_text(p: Any) -> str:
    """A paragraph's visible text: tracked insertions in, deletions, hidden runs, field codes
    and text boxes (read separately) out."""
    parts: list[str] = []
    _collect(p, parts)
    return collapse_spaces(normalise_text("".join(parts)))


def _hidden_run(run: Any) -> bool:
    """A run formatted as hidden text (``w:vanish``): never shown, so never ingested."""
    props = run.find(qn("w:rPr"))
    vanish = props.find(qn("w:vanish")) if props is not None else None
    return vanish is not None and vanish.get(qn("w:val"), "true").lower() not in ("0", "false")


def _collect(element: Any, parts: list[str]) -> None:
    for child in element:
        tag = child.tag
        if tag in _SKIPPED or (tag == qn("w:r") and _hidden_run(child)):
            continue
        if tag == qn("w:t"):
            parts.append(child.text or "")
        elif tag in (qn("w:tab"), qn("w:br"), qn("w:cr")):
            parts.append(" ")
        elif tag == qn("w:noBreakHyphen"):
            parts.append("-")
        else:
            _collect(child, parts)


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
    """One block per row, cells joined by " | " (merged cells once, empty cells left out)."""
    out = []
    for row in table.findall(qn("w:tr")):  # nested tables are read as cell text
        cells = []
        for cell in row.findall(qn("w:tc")):
            text = " ".join(t for t in (paragraph_text(p) for p in cell.iter(qn("w:p"))) if t)
            if text:
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
