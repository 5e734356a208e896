"""Markdown with optional YAML front matter: front matter -> metadata, ``#`` headings -> paths.

The body is parsed with markdown-it-py (CommonMark + tables) and reduced to plain-text blocks:
inline markup (emphasis, links, code spans) is dropped, the words kept, so block and page text
read as the document does and quotes can be verified against it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ingest.cleaning import collapse_spaces, normalise_text
from ingest.loaders.common import (
    HeadingTracker,
    sha256_bytes,
    single_page_document,
    title_out_of_paths,
)
from ingest.loaders.text import decode
from ingest.model import Block, BlockKind, LoadedDocument

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


def split_front_matter(text: str) -> tuple[dict[str, Any], str, list[str]]:
    """(front matter as plain values, body, warnings). Bad YAML is reported, not raised."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text, []
    body = text[match.end() :]
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        return {}, body, [f"front matter is not valid YAML{where}: ignored"]
    if data is None:
        return {}, body, []
    if not isinstance(data, dict):
        return {}, body, ["front matter is not a mapping of keys to values: ignored"]
    return {str(k): _plain(v) for k, v in data.items()}, body, []


def _plain(value: Any) -> Any:
    """YAML values as JSON-friendly values (dates become ISO strings)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def markdown_blocks(body: str) -> list[Block]:
    """Heading, paragraph, list and table blocks of a Markdown body, with heading paths."""
    tokens = _parser().parse(body)
    tracker = HeadingTracker()
    blocks: list[Block] = []
    list_depth = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif tok.type == "heading_open":
            text = inline_text(tokens[i + 1])
            if text:
                blocks.append(tracker.heading(text, int(tok.tag[1:])))
            i += 3
            continue
        elif tok.type == "paragraph_open":
            text = inline_text(tokens[i + 1])
            kind: BlockKind = "list" if list_depth else "paragraph"
            if text:
                blocks.append(tracker.block(text, kind))
            i += 3
            continue
        elif tok.type == "html_block":
            text = _html_text(tok.content)
            if text:
                blocks.append(tracker.block(text))
        elif tok.type in ("fence", "code_block"):
            text = normalise_text(tok.content).strip()
            if text:
                blocks.append(tracker.block(text))
        elif tok.type == "tr_open":
            cells, i = _table_row(tokens, i)
            if any(cells):
                blocks.append(tracker.block(" | ".join(cells), "table"))
            continue
        i += 1
    return blocks


def _html_text(html: str) -> str:
    """Visible text of a raw HTML block (comments, scripts and styles dropped)."""
    import lxml.etree
    import lxml.html

    html = re.sub(r"<!--.*?-->", " ", html, flags=re.DOTALL)
    if not re.search(r"\w", re.sub(r"<[^>]*>", " ", html)):
        return ""
    try:
        fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return collapse_spaces(re.sub(r"<[^>]*>", " ", html))
    for bad in fragment.xpath(".//script|.//style"):
        bad.drop_tree()
    return collapse_spaces(normalise_text(fragment.text_content()))


def _table_row(tokens: Sequence[Token], i: int) -> tuple[list[str], int]:
    cells: list[str] = []
    i += 1
    while i < len(tokens) and tokens[i].type != "tr_close":
        if tokens[i].type == "inline":
            cells.append(inline_text(tokens[i]))
        i += 1
    return cells, i + 1


def inline_text(token: Token) -> str:
    """Plain text of an inline token: words kept, markup and raw HTML dropped."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return collapse_spaces(normalise_text("".join(parts)))


def load_markdown(path: Path, data: bytes) -> LoadedDocument:
    text, warnings = decode(data)
    front, body, fm_warnings = split_front_matter(normalise_text(text))
    blocks = markdown_blocks(body)
    metadata: dict[str, Any] = dict(front)
    first_heading = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), "")
    if first_heading:
        metadata.setdefault("first_heading", first_heading)
    blocks = title_out_of_paths(blocks)
    return single_page_document(
        path,
        media_type="md",
        digest=sha256_bytes(data),
        blocks=blocks,
        metadata=metadata,
        warnings=[*warnings, *fm_warnings],
    )
