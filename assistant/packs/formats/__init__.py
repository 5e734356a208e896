"""Session-pack formats, at the edge: the core (``assistant.packs.session``) never imports these.

``render(pack, "docx" | "pdf" | "md" | "pptx") -> bytes``; each format module is imported only
when it is used, so a missing optional library fails only that format.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from assistant.errors import ConfigurationError
from assistant.packs.session import SessionPack


@dataclass(frozen=True)
class PackFormat:
    name: str
    extension: str
    media_type: str
    module: str


FORMATS: dict[str, PackFormat] = {
    "docx": PackFormat(
        "docx",
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "assistant.packs.formats.to_docx",
    ),
    "pdf": PackFormat("pdf", ".pdf", "application/pdf", "assistant.packs.formats.to_pdf"),
    "md": PackFormat(
        "md", ".md", "text/markdown; charset=utf-8", "assistant.packs.formats.to_markdown"
    ),
    "pptx": PackFormat(
        "pptx",
        ".pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "assistant.packs.formats.to_pptx",
    ),
}


def render(pack: SessionPack, name: str) -> bytes:
    if name not in FORMATS:
        raise ConfigurationError(f"unknown pack format {name!r}: use one of {', '.join(FORMATS)}")
    module = importlib.import_module(FORMATS[name].module)
    data: bytes = module.render(pack)
    return data
