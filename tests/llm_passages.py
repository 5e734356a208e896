"""Hand-built Passages for the guardrail, prompt and LLM tests (no embedder, no index)."""

from __future__ import annotations

from assistant.types import Chunk, Document, Passage


def make_passage(
    rank: int,
    text: str,
    *,
    doc_id: str = "doc",
    title: str = "",
    page: int = 1,
    label: str = "",
    url: str = "",
    media_type: str = "md",
    section: tuple[str, ...] = (),
    publisher: str = "Test Publisher",
    year: int | None = 2022,
) -> Passage:
    chunk = Chunk(
        chunk_id=f"{doc_id}#{rank}",
        doc_id=doc_id,
        n=rank,
        text=text,
        page_start=page,
        page_end=page,
        page_label_start=label or str(page),
        page_label_end=label or str(page),
        section=section,
        tokens=len(text.split()),
    )
    document = Document(
        doc_id=doc_id,
        title=title or doc_id.replace("-", " ").title(),
        path=f"library/{doc_id}.md",
        publisher=publisher,
        year=year,
        url=url,
        media_type=media_type,
    )
    return Passage(chunk=chunk, document=document, score=1.0 / rank, rank=rank)
