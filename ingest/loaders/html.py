"""HTML with trafilatura: the main content (navigation, banners and footers left out), headings
kept as heading paths; title, date and url from the page's metadata. One page."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import lxml.etree as etree
import lxml.html
import trafilatura

from assistant.errors import IngestError
from ingest.cleaning import collapse_spaces, normalise_text
from ingest.loaders.common import (
    HeadingTracker,
    sha256_bytes,
    single_page_document,
    title_out_of_paths,
)
from ingest.loaders.text import decode
from ingest.model import Block, LoadedDocument

log = logging.getLogger(__name__)

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def load_html(path: Path, data: bytes) -> LoadedDocument:
    text, warnings = decode(data)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses str input with a declaration
    text, hidden = drop_hidden(text)
    if hidden:
        warnings.append(f"{hidden} hidden element(s) or comment(s) left out")
    xml = trafilatura.extract(
        text,
        output_format="xml",
        include_formatting=True,
        include_tables=True,
        include_comments=False,
        include_links=False,
        with_metadata=True,
        favor_recall=True,
    )
    if xml:
        root = etree.fromstring(xml.encode("utf-8"))
        blocks = _xml_blocks(root)
        metadata = _metadata(root)
    else:
        warnings.append("no main content recognised: all visible text of the page was kept")
        blocks, metadata = _fallback(text)
    blocks = title_out_of_paths(blocks)
    return single_page_document(
        path,
        media_type="html",
        digest=sha256_bytes(data),
        blocks=blocks,
        metadata=metadata,
        warnings=warnings,
    )


_HIDDEN_STYLE = re.compile(
    r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)|"
    r"font-size\s*:\s*0(?:\.0+)?(?:px|pt|em|rem|%)?\s*(?:!important)?\s*(?:;|$)|"
    r"opacity\s*:\s*0(?:\.0+)?\s*(?:!important)?\s*(?:;|$))",
    re.IGNORECASE,
)


def _is_hidden(element: lxml.html.HtmlElement) -> bool:
    if element.get("hidden") is not None or element.get("aria-hidden", "").lower() == "true":
        return True
    if element.tag == "input" and element.get("type", "").lower() == "hidden":
        return True
    return bool(_HIDDEN_STYLE.search(element.get("style", "")))


def drop_hidden(text: str) -> tuple[str, int]:
    """The page without what a reader never sees: comments, elements marked ``hidden`` or
    ``aria-hidden="true"``, and inline styles that hide (``display:none``, ``visibility:hidden``,
    ``font-size:0``, ``opacity:0``). Hidden text is a channel for instructions aimed at a model,
    so it is not ingested. (Text hidden by a stylesheet class cannot be seen here.)"""
    try:
        tree = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return text, 0
    doomed = [c for c in tree.iter(etree.Comment)]
    doomed += [e for e in tree.iter() if isinstance(e, lxml.html.HtmlElement) and _is_hidden(e)]
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()
    if not doomed:
        return text, 0
    return lxml.html.tostring(tree, encoding="unicode"), len(doomed)


def _clean(text: str | None) -> str:
    return collapse_spaces(normalise_text(text or ""))


def _xml_blocks(root: etree._Element) -> list[Block]:
    tracker = HeadingTracker()
    blocks: list[Block] = []
    main = root.find("main")
    for element in (main if main is not None else root).iter(
        "head", "p", "item", "row", "code", "quote"
    ):
        if element.tag == "head":
            level = _heading_level(element.get("rend", ""))
            text = _clean("".join(element.itertext()))
            if text:
                blocks.append(tracker.heading(text, level))
        elif element.tag == "row":
            cells = [_clean("".join(c.itertext())) for c in element.iter("cell")]
            if any(cells):
                blocks.append(tracker.block(" | ".join(cells), "table"))
        elif _inside(element, ("row", "item")) and element.tag != "item":
            continue  # text of a table cell or list item is taken with its row or item
        elif element.tag == "p" and _inside(element, ("quote",)):
            continue
        else:
            text = _clean("".join(element.itertext()))
            if text:
                blocks.append(tracker.block(text, "list" if element.tag == "item" else "paragraph"))
    return blocks


def _inside(element: etree._Element, tags: tuple[str, ...]) -> bool:
    parent = element.getparent()
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


def _heading_level(rend: str) -> int:
    m = re.match(r"h([1-6])$", rend)
    return int(m.group(1)) if m else 2


def _metadata(root: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    title = _clean(root.get("title"))
    if title:
        out["title"] = title
    date = (root.get("date") or "").strip()
    if _DATE.match(date):
        out["date"] = date
    for key in ("url", "author", "sitename"):
        value = _clean(root.get(key))
        if value:
            out[key] = value
    first = root.find(".//head[@rend='h1']")
    if first is not None and _clean("".join(first.itertext())):
        out["first_heading"] = _clean("".join(first.itertext()))
    return out


def _fallback(text: str) -> tuple[list[Block], dict[str, Any]]:
    """All visible text, block by block, for pages trafilatura finds no article in."""
    try:
        tree = lxml.html.fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise IngestError("corrupt", f"HTML could not be parsed ({exc})") from exc
    for bad in tree.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    tracker = HeadingTracker()
    blocks: list[Block] = []
    for element in tree.iter("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "pre"):
        value = _clean(element.text_content())
        if not value:
            continue
        if element.tag.startswith("h"):
            blocks.append(tracker.heading(value, int(element.tag[1])))
        else:
            blocks.append(tracker.block(value, "list" if element.tag == "li" else "paragraph"))
    title = tree.findtext(".//title")
    return blocks, ({"title": _clean(title)} if title and _clean(title) else {})
