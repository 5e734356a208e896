"""A tiny real build and a FakeAssistant for the web tests (no embedding model needed).

``write_small_build`` writes a real build with ``assistant.build.index.write_build`` (real Chroma, real BM25)
from three short documents — one a real PDF made with fpdf2, so the viewer can render page images —
embedded with the deterministic HashingEmbedder, and serves it. ``FakeAssistant`` has the Assistant
API (ask / ask_stream / search / index / reload_if_swapped) and answers from that build with real
Answer objects whose quotes are verbatim page text, so "open at page" highlighting can be checked.

By default a question is answered from what keyword search finds in the build, in the
evidence-selection shape (lead unit [1], the other citations grouped by document), or
``no_evidence`` when nothing matches. A test that needs another answer says so by queueing it:
``fake.queue(fake.declined("error"))``, ``fake.queue(fake.answer_for(q, status="partial"))``,
``fake.queue(fake.related(q, reason))`` (a refusal offering related material) or
``fake.queue(fake.legacy(q))`` (an answer as stored before the shape fields, ADR 12).
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.build.lifecycle import open_served
from assistant.citations import viewer_url
from assistant.settings import Settings
from assistant.types import (
    Answer,
    BuildInfo,
    Chunk,
    Citation,
    Document,
    Filters,
    LeadUnit,
    Page,
    Passage,
    Refusal,
    Searched,
    SourceGroup,
    Status,
    Turn,
)
from tests.fakes import HashingEmbedder, serve_build

BRIEFING_PAGES = (
    (
        ("What adultification is",),
        "Adultification bias happens when professionals see a child as older, more responsible or "
        "less vulnerable than they are. Reviews found that Black girls in particular were treated "
        "as if they could consent to harm, and their distress was read as hostility.",
    ),
    (
        ("Practice learning",),
        "Practitioners should ask what they would do if the child were white. Supervision should "
        "make room to talk about race and identity, and managers should check that a child's "
        "ethnicity, language and faith are recorded and considered in every assessment.",
    ),
)

REVIEW_PAGES = (
    ("i", "Foreword. This national review looks at how agencies responded to children at risk."),
    (
        "1",
        "Professional curiosity was often missing. Practitioners did not ask families about their "
        "culture or heritage, and assumptions went unchallenged across agencies.",
    ),
    (
        "2",
        "Interpreters were rarely used. Where a parent's first language was not English, children "
        "were sometimes asked to interpret, which silenced them.",
    ),
)

GUIDANCE_PAGES = (
    (
        ("Reviews",),
        "Local partnerships must publish practice reviews and share learning about racism and "
        "discrimination with the national panel within the agreed timescale.",
    ),
)


def _pdf(path: Path, pages: Sequence[tuple[str, str]]) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("helvetica", size=12)
    for label, text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, f"{text}\n\nPage {label}")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def small_library(
    source_dir: Path, *, demo: bool
) -> tuple[list[Document], list[Chunk], list[Page]]:
    pdf_path = source_dir / "national-review-2022.pdf"
    _pdf(pdf_path, REVIEW_PAGES)
    documents = [
        Document(
            doc_id="adultification-briefing",
            title="Briefing: adultification bias in safeguarding",
            path=str(source_dir / "adultification.md"),
            publisher="Demo Safeguarding Partnership",
            year=2023,
            doc_type="briefing",
            url="https://example.org/adultification",
            themes=("adultification", "risk-assessment-bias"),
            media_type="md",
            page_count=2,
            is_demo=demo,
            extra={
                "about_title": "Adultification bias (2022)",
                "about_url": "https://example.org/about",
            },
        ),
        Document(
            doc_id="national-review-2022",
            title="Safeguarding children at risk: a national review",
            path=str(pdf_path),
            publisher="Child Safeguarding Practice Review Panel",
            year=2022,
            doc_type="national_review",
            url="https://example.org/national-review.pdf",
            themes=("professional-curiosity", "language-and-interpreters"),
            digest=_digest(pdf_path),
            media_type="pdf",
            page_count=3,
        ),
        Document(
            doc_id="working-together-2023",
            title="Working together: the review system",
            path=str(source_dir / "gone.md"),
            publisher="Department for Education",
            year=2019,
            doc_type="guidance",
            themes=("partnership-strategy",),
            media_type="md",
            page_count=1,
        ),
    ]
    chunks: list[Chunk] = []
    pages: list[Page] = []
    for doc, items in (
        (documents[0], [(str(i), t, s) for i, (s, t) in enumerate(BRIEFING_PAGES, 1)]),
        (documents[1], [(label, t, ()) for label, t in REVIEW_PAGES]),
        (documents[2], [(str(i), t, s) for i, (s, t) in enumerate(GUIDANCE_PAGES, 1)]),
    ):
        for index, (label, text, section) in enumerate(items, 1):
            pages.append(Page(doc_id=doc.doc_id, index=index, label=label, text=text))
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.doc_id}#{index - 1}",
                    doc_id=doc.doc_id,
                    n=index - 1,
                    text=text,
                    page_start=index,
                    page_end=index,
                    page_label_start=label,
                    page_label_end=label,
                    section=tuple(section),
                    tokens=len(text.split()),
                    themes=doc.themes,
                )
            )
    return documents, chunks, pages


def write_small_build(settings: Settings, *, demo: bool = True) -> BuildInfo:
    """Write and serve the small build under ``settings.data_dir``."""
    documents, chunks, pages = small_library(settings.data_dir / "sources", demo=demo)
    embedder = HashingEmbedder()
    info = serve_build(settings, documents, chunks, pages, embedder, is_demo=demo)
    return info


def _groups(
    citations: Sequence[Citation], in_lead: set[int], passages: Sequence[Passage]
) -> tuple[SourceGroup, ...]:
    """Citations by document, in order of first citation; lead numbers are not listed again."""
    docs = {p.document.doc_id: p.document for p in passages}
    out: dict[str, SourceGroup] = {}
    for c in citations:
        d = docs[c.doc_id]
        g = out.get(c.doc_id) or SourceGroup(c.doc_id, d.title, d.year, d.doc_type)
        numbers = g.citations + (() if c.n in in_lead else (c.n,))
        pages = g.pages + (() if c.page_start in g.pages else (c.page_start,))
        out[c.doc_id] = replace(g, citations=numbers, pages=pages)
    return tuple(out.values())


def _first_sentence(text: str) -> str:
    match = re.match(r".+?[.!?](?=\s|$)", text)
    return match.group(0) if match else text


class FakeAssistant:
    """The Assistant API over a real build, with canned behaviour for the statuses."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.index = open_served(settings)
        self.asked: list[tuple[str, tuple[Turn, ...], Filters]] = []
        self.replies: deque[Answer] = deque()
        self.reloads = 0

    def warm(self) -> None:
        self.warmed = True

    def reload_if_swapped(self) -> bool:
        self.reloads += 1
        return False

    def search(
        self, query: str, filters: Filters | Mapping[str, Any] | None = None, k: int = 10
    ) -> list[Passage]:
        f = filters if isinstance(filters, Filters) else Filters.from_dict(filters)
        hits = self.index.keyword_search(query, k, f)
        return [
            Passage(
                chunk=c, document=self.index.document(c.doc_id), score=s, rank=i, keyword_score=s
            )
            for i, (c, s) in enumerate(hits, 1)
        ]

    def _searched(
        self,
        query: str,
        filters: Filters,
        passages: Sequence[Passage],
        nearest: tuple[str, ...] = (),
    ) -> Searched:
        return Searched(
            query=query,
            filters=filters,
            documents_in_library=len(self.index.documents),
            documents_matched=tuple(dict.fromkeys(p.document.title for p in passages)),
            nearest=nearest,
        )

    def queue(self, *replies: Answer) -> None:
        """The next questions get these answers, in order; then answers from the build again."""
        self.replies.extend(replies)

    def ask(
        self,
        question: str,
        history: Sequence[Turn | Mapping[str, Any]] = (),
        filters: Filters | Mapping[str, Any] | None = None,
        *,
        generator: str | None = None,
    ) -> Answer:
        f = filters if isinstance(filters, Filters) else Filters.from_dict(filters)
        turns = tuple(t if isinstance(t, Turn) else Turn.from_dict(t) for t in history)
        self.asked.append((question, turns, f))
        if self.replies:
            return self.replies.popleft()
        search_query = question if not turns else f"{turns[-1].question} {question}"
        return self.answer_for(search_query, f)

    def answer_for(
        self, query: str, filters: Filters | None = None, *, status: Status = "answered"
    ) -> Answer:
        """What the build holds for ``query`` (keyword search), in the evidence-selection shape;
        ``no_evidence`` with what was searched when nothing matches. ``partial`` names a gap."""
        filters = filters or Filters()
        passages = self.search(query, filters, k=3)
        if not passages:
            return Answer(
                status="no_evidence",
                text="I could not find anything in the library that answers this question.",
                search_query=query,
                searched=self._searched(
                    query, filters, (), nearest=(self.index.documents[0].title,)
                ),
                build_id=self.index.build_id,
            )
        citations = tuple(self._citation(n, p) for n, p in enumerate(passages, 1))
        return self._shaped(status, "", citations, passages, query, filters)

    def declined(self, status: Status) -> Answer:
        """A refusal before any search: ``personal_data``, ``out_of_scope`` or ``error``."""
        text = {
            "personal_data": "Your question seems to include details that could identify a real "
            "person.",
            "out_of_scope": "This service answers questions about learning from safeguarding "
            "reviews.",
        }.get(status, "Sorry, something went wrong.")
        refusal: Refusal = {"personal_data": "personal_data", "out_of_scope": "off_purpose"}.get(
            status, "error"
        )
        return Answer(status=status, text=text, build_id=self.index.build_id, refusal=refusal)

    def related(self, query: str, reason: str) -> Answer:
        """A subject the library does not hold: refused, with related material (not an answer)."""
        passages = self.search(query, k=3)
        assert passages, f"nothing in the small build matches {query!r} to offer as related"
        citations = tuple(self._citation(n, p) for n, p in enumerate(passages, 1))
        return self._shaped(
            "no_evidence", reason, citations, passages, query, Filters(), related=True
        )

    def legacy(self, query: str) -> Answer:
        """An answer as stored before the shape fields existed: its text quotes each citation."""
        answer = self.answer_for(query)
        assert answer.citations, f"nothing in the small build matches {query!r}"
        text = "\n\n".join(f"{c.quote} [{c.n}]" for c in answer.citations)
        return replace(answer, text=text, lead=(), groups=(), missing=())

    def _shaped(
        self,
        status: Status,
        reason: str,
        citations: tuple[Citation, ...],
        passages: Sequence[Passage],
        search_query: str,
        filters: Filters,
        *,
        related: bool = False,
    ) -> Answer:
        """The evidence-selection shape (ADR 12): lead [1], the rest grouped by document."""
        lead = () if related else (LeadUnit(citations[0].n, citations[0].quote),)
        missing = ("how this differs between local areas",) if status == "partial" else ()
        groups = _groups(citations, {u.n for u in lead}, passages)
        lines = [f"{u.text} [{u.n}]" for u in lead] or [reason, "Related material, not an answer:"]
        if missing:
            lines.append(f"The library does not say {missing[0]}.")
        for group in groups:
            lines.append(f"{group.title} ({group.year}, {group.doc_type})")
            lines += [f"{citations[n - 1].quote} [{n}]" for n in group.citations]
        return Answer(
            status=status,
            text="\n\n".join(lines),
            citations=citations,
            passages=tuple(passages),
            search_query=search_query,
            generator="extractive",
            searched=self._searched(search_query, filters, passages),
            notices=("This answer comes from the demo library.",)
            if self.index.info.is_demo
            else (),
            metrics={"total_ms": 1.0},
            build_id=self.index.build_id,
            lead=lead,
            groups=groups,
            missing=missing,
            related=related,
            refusal="absent_subject" if related else None,
        )

    def _citation(self, n: int, passage: Passage) -> Citation:
        c, d = passage.chunk, passage.document
        quote = _first_sentence(c.text)
        return Citation(
            n=n,
            doc_id=c.doc_id,
            chunk_id=c.chunk_id,
            title=d.title,
            quote=quote,
            page_start=c.page_label_start,
            page_end=c.page_label_end,
            page_index_start=c.page_start,
            page_index_end=c.page_end,
            publisher=d.publisher,
            year=d.year,
            section=c.section,
            url=d.url,
            viewer_url=viewer_url(c.doc_id, c.page_start, quote),
            verified=True,
        )

    def ask_stream(
        self, question: str, history: Sequence[Any] = (), filters: Any = None
    ) -> Iterator[tuple[str, object]]:
        answer = self.ask(question, history, filters)
        for word in answer.text.split(" "):
            yield ("token", word + " ")
        yield ("answer", answer)


def web_settings(data_dir: Path, db_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": f"sqlite:///{db_path}",
        "secret_key": "test-secret",
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def csrf_token(client: Any, path: str = "/about") -> str:
    """The CSRF token the page gives this client's session (as a browser would read it)."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_META.search(html)
    assert match, f"no csrf-token meta on {path}"
    return match.group(1)


def make_app(build_dir: Path, db_path: Path, **overrides: Any) -> Any:
    """A real Flask app over the small build, with its own database and a FakeAssistant."""
    from web import create_app

    settings = web_settings(build_dir, db_path, **overrides)
    return create_app(settings, assistant=FakeAssistant(settings))
