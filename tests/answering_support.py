"""Small real builds for the answering tests, written with ``assistant.build.index.write_build``.

``write_pages_build`` turns hand-written documents (a title and a list of page texts) into a
served build: each page is split into paragraph-packed chunks that remember their page. It does
not depend on the ingestion job, so the answering core can be tested on its own; the gold-set
tests use the real ingest (``demo_index`` fixture) instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.build.index import Index
from assistant.types import Chunk, Document, Page
from tests.fakes import serve_build


@dataclass(frozen=True)
class DocSpec:
    doc_id: str
    title: str
    pages: Sequence[str]
    doc_type: str = "briefing"
    year: int | None = 2022
    themes: tuple[str, ...] = ()
    media_type: str = "md"
    url: str = ""
    publisher: str = "Test Publisher"
    labels: Sequence[str] = field(default_factory=tuple)


def _chunks_for(spec: DocSpec, words_per_chunk: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    for page_no, text in enumerate(spec.pages, start=1):
        label = spec.labels[page_no - 1] if spec.labels else str(page_no)
        paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
        current: list[str] = []
        for para in paragraphs + [""]:
            size = sum(len(p.split()) for p in current)
            if current and (not para or size + len(para.split()) > words_per_chunk):
                body = "\n\n".join(current)
                n = len(chunks)
                chunks.append(
                    Chunk(
                        chunk_id=f"{spec.doc_id}#{n}",
                        doc_id=spec.doc_id,
                        n=n,
                        text=body,
                        page_start=page_no,
                        page_end=page_no,
                        page_label_start=label,
                        page_label_end=label,
                        section=(spec.title,),
                        tokens=len(body.split()),
                        digest=hashlib.sha256(body.encode()).hexdigest(),
                        themes=spec.themes,
                    )
                )
                current = []
            if para:
                current.append(para)
    return chunks


def write_pages_build(
    settings, specs: Sequence[DocSpec], embedder, *, words_per_chunk: int = 120, is_demo=False
) -> Index:  # type: ignore[no-untyped-def]
    """Write, swap and open a build of ``specs`` embedded with ``embedder``."""
    documents, chunks, pages = [], [], []
    for spec in specs:
        documents.append(
            Document(
                doc_id=spec.doc_id,
                title=spec.title,
                path=f"library/{spec.doc_id}.{spec.media_type}",
                publisher=spec.publisher,
                year=spec.year,
                doc_type=spec.doc_type,
                url=spec.url,
                themes=spec.themes,
                media_type=spec.media_type,
                page_count=len(spec.pages),
                is_demo=is_demo,
            )
        )
        for i, text in enumerate(spec.pages, start=1):
            label = spec.labels[i - 1] if spec.labels else str(i)
            pages.append(Page(doc_id=spec.doc_id, index=i, label=label, text=text))
        chunks.extend(_chunks_for(spec, words_per_chunk))
    info = serve_build(settings, documents, chunks, pages, embedder, is_demo=is_demo, tokenizer="")
    return Index(settings, info.build_id)


def markdown_specs(paths) -> list[DocSpec]:  # type: ignore[no-untyped-def]
    """Demo-library Markdown files as DocSpecs: front matter dropped, one page per ``##`` section."""
    import yaml

    specs = []
    for path in sorted(paths):
        raw = path.read_text(encoding="utf-8")
        _, front, body = raw.split("---", 2)
        meta = yaml.safe_load(front)
        sections: list[str] = []
        for part in body.split("\n## "):
            part = part.strip()
            if part:
                sections.append(part if part.startswith("#") else "## " + part)
        specs.append(
            DocSpec(
                doc_id=path.stem,
                title=str(meta.get("title", path.stem)),
                pages=sections,
                doc_type=str(meta.get("doc_type", "briefing")),
                year=int(str(meta.get("about_date", "2022"))[:4]),
                themes=tuple(meta.get("themes") or ()),
            )
        )
    return specs
