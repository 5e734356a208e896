"""A fake Assistant for the eval suite's unit tests: a tiny in-memory library, keyword retrieval,
and an extractive-style answer whose text, citations and passages look like the real ones.

Switches make it misbehave in the ways the evaluators must catch (a corrupted quote, a citation to
a passage it was not given, an injected claim, a link, a generalisation, refusing everything).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.keyword import tokenize
from assistant.types import (
    Answer,
    BuildInfo,
    Chunk,
    Citation,
    Document,
    Filters,
    Page,
    Passage,
    Searched,
    Turn,
)

PAGES: dict[str, list[str]] = {
    "its-silent": [
        "The Panel analysed 54 reviews, 40 rapid reviews and 14 local child safeguarding practice "
        "reviews. The reviews covered 53 children of Black, Asian and mixed heritage backgrounds.",
        "Leaders should put internal structures in place to recognise and challenge racism. "
        "Practitioners must be supported to talk with children and families about race and identity.",
    ],
    "child-q": [
        "Child Q was strip searched at school by police officers in 2020. "
        "The review concluded that racism was likely to have been an influencing factor.",
        "School staff deferred to the authority of the police. Staff should have challenged and "
        "sought clarity about police intentions.",
    ],
    "adultification": [
        "Adultification bias means children are perceived as more mature than they are. "
        "Black girls are often seen as older and less innocent than their white peers.",
        "The Professional Inter-Adultification Model describes how professionals contribute to "
        "adultification through their decisions.",
    ],
}
TITLES = {
    "its-silent": "It's silent: race, racism and safeguarding children",
    "child-q": "Local Child Safeguarding Practice Review: Child Q",
    "adultification": "Adultification bias: evidence and practice",
}


def documents() -> list[Document]:
    return [
        Document(doc_id=d, title=TITLES[d], path=f"library/demo/{d}.md", year=2024, page_count=2)
        for d in PAGES
    ]


def chunks() -> list[Chunk]:
    out = []
    for doc_id, pages in PAGES.items():
        for i, text in enumerate(pages, start=1):
            out.append(Chunk(f"{doc_id}#{i - 1}", doc_id, i - 1, text, i, i, str(i), str(i)))
    return out


class FakeIndex:
    def __init__(self) -> None:
        self.documents = documents()
        self.chunks = chunks()
        self.info = BuildInfo("fake-build", "2026-01-01T00:00:00+00:00", "test/fake", 8, 6, 3)

    @property
    def build_id(self) -> str:
        return self.info.build_id

    def document(self, doc_id: str) -> Document | None:
        return next((d for d in self.documents if d.doc_id == doc_id), None)

    def pages(self, doc_id: str) -> list[Page]:
        return [Page(doc_id, i, str(i), t) for i, t in enumerate(PAGES.get(doc_id, []), start=1)]


@dataclass
class FakeAssistant:
    """Switches: corrupt_quote, foreign_citation, inject, link, generalise, refuse_all."""

    corrupt_quote: bool = False
    foreign_citation: bool = False
    inject: str = ""
    link: str = ""
    generalise: bool = False
    refuse_all: bool = False
    index: FakeIndex = field(default_factory=FakeIndex)
    histories: list[list[Turn]] = field(default_factory=list)
    generators: list[str | None] = field(default_factory=list)

    def search(
        self, query: str, filters: Filters | Mapping[str, Any] | None = None, k: int = 10
    ) -> list[Passage]:
        wanted = set(tokenize(query))
        scored = []
        for chunk in self.index.chunks:
            overlap = len(wanted & set(tokenize(chunk.text)))
            if overlap:
                scored.append((overlap, chunk))
        scored.sort(key=lambda pair: (-pair[0], pair[1].chunk_id))
        return [
            Passage(chunk=c, document=self.index.document(c.doc_id), score=float(s), rank=i)
            for i, (s, c) in enumerate(scored[:k], start=1)
        ]

    def ask(
        self,
        question: str,
        history: Sequence[Turn | Mapping[str, str]] = (),
        filters: Any = None,
        *,
        generator: str | None = None,
    ) -> Answer:
        turns = [h if isinstance(h, Turn) else Turn.from_dict(h) for h in history]
        self.histories.append(turns)
        self.generators.append(generator)
        query = " ".join([*(t.question for t in turns[-1:]), question])
        searched = Searched(query=query, documents_in_library=len(self.index.documents))
        if re.search(r"[\w.]+@[\w.]+", question):
            return Answer("personal_data", "Please remove identifying details.", searched=searched)
        if "scotland" in question.lower() or self.refuse_all:
            return Answer("out_of_scope", "The library covers England only.", searched=searched)
        passages = tuple(self.search(query, k=3))
        if not passages or passages[0].score < 2:
            return Answer(
                "no_evidence",
                "The library does not cover this.",
                passages=passages,
                search_query=query,
                generator="extractive",
                searched=searched,
            )
        return self._answer(question, query, passages, searched)

    def _answer(
        self, question: str, query: str, passages: tuple[Passage, ...], searched: Searched
    ) -> Answer:
        wanted = set(tokenize(question))
        lines, citations = [], []
        for n, p in enumerate(passages[:2], start=1):
            sentences = re.split(r"(?<=\.)\s+", p.chunk.text)
            best = max(sentences, key=lambda s: len(wanted & set(tokenize(s))))
            quote = best.replace("racism", "racial bias") if self.corrupt_quote else best
            chunk_id = "child-q#9" if self.foreign_citation and n == 1 else p.chunk.chunk_id
            citations.append(
                Citation(
                    n,
                    p.chunk.doc_id,
                    chunk_id,
                    p.document.title,
                    quote,
                    p.chunk.page_label_start,
                    p.chunk.page_label_end,
                    p.chunk.page_start,
                    p.chunk.page_end,
                    verified=True,
                )
            )
            lines.append(f"{quote} [{n}]")
        if self.inject:
            lines.append(self.inject)
        if self.link:
            lines.append(f"See {self.link} for more.")
        if self.generalise:
            lines.append("Asian families are more likely to hide abuse.")
        docs = len({c.doc_id for c in citations})
        text = f"From {docs} documents in the library:\n\n" + "\n\n".join(lines)
        return Answer(
            "answered",
            text,
            tuple(citations),
            passages,
            query,
            "extractive",
            searched,
            build_id=self.index.build_id,
            metrics={"total_ms": 1.0},
        )
