"""The project's nouns as frozen dataclasses (see the glossary in README.md).

These names are used everywhere: in code, templates, JSON fields and eval reports. Every type has a
``to_dict`` giving its JSON form; the JSON forms are contracts (README: "The Answer JSON").
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

DOC_TYPES: tuple[str, ...] = (
    "national_review",
    "lcspr",
    "rapid_review",
    "serious_case_review",
    "briefing",
    "guidance",
    "news",
    "other",
)

Status = Literal["answered", "partial", "no_evidence", "out_of_scope", "personal_data", "error"]
STATUSES: tuple[Status, ...] = typing.get_args(Status)
ANSWERED: Status = "answered"
PARTIAL: Status = "partial"
NO_EVIDENCE: Status = "no_evidence"
OUT_OF_SCOPE: Status = "out_of_scope"
PERSONAL_DATA: Status = "personal_data"
ERROR: Status = "error"
# Statuses that are refusals whatever ``Answer.refusal`` says (older answers have no ``refusal``).
REFUSAL_STATUSES: frozenset[Status] = frozenset({NO_EVIDENCE, OUT_OF_SCOPE, PERSONAL_DATA, ERROR})
Generator = Literal["extractive", "llm", "none"]


def status_of(value: object) -> Status:
    """A stored or received status as a ``Status``; anything unknown reads as ``error``."""
    return next((s for s in STATUSES if s == value), ERROR)


def _plain(value: Any) -> Any:
    """JSON-friendly copy of a dataclass value (tuples become lists, mappings dicts)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _text(data: Mapping[str, Any], key: str, default: str = "") -> str:
    value = data.get(key)
    return default if value is None else str(value)


def _int(data: Mapping[str, Any], key: str, default: int = 0) -> int:
    value = data.get(key)
    return default if value in (None, "") else int(value)


def _year(data: Mapping[str, Any]) -> int | None:
    value = data.get("year")
    return None if value in (None, "") else int(value)


def _optional_float(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    return None if value is None else float(value)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value or ())


@dataclass(frozen=True)
class Document:
    """One source file of the library with its metadata."""

    doc_id: str
    title: str
    path: str  # source path as given to `rla ingest` (for tracing a citation to its file)
    publisher: str = ""
    date: str = ""  # ISO 8601 (YYYY, YYYY-MM or YYYY-MM-DD) or ""
    year: int | None = None
    doc_type: str = "other"
    area: str = ""  # local safeguarding partnership, where known
    url: str = ""
    licence: str = ""
    themes: tuple[str, ...] = ()  # document-level themes (front matter, manifest, or tagged)
    digest: str = ""  # sha256 of the file bytes
    media_type: str = ""  # pdf | html | docx | md | txt
    page_count: int = 0
    is_demo: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)  # e.g. about_title, about_url

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Document:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["themes"] = tuple(values.get("themes") or ())
        values["extra"] = dict(values.get("extra") or {})
        return cls(**values)


@dataclass(frozen=True)
class Page:
    """A printed page of a document (PDF), or a position where pages do not exist.

    ``index`` is the physical 1-based page number; ``label`` the printed page label ("iv", "12"),
    equal to ``str(index)`` where the document prints none.
    """

    doc_id: str
    index: int
    label: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Chunk:
    """A token-bounded span of one document. ``chunk_id`` is ``f"{doc_id}#{n}"``."""

    chunk_id: str
    doc_id: str
    n: int
    text: str
    page_start: int  # physical page index, 1-based
    page_end: int
    page_label_start: str
    page_label_end: str
    section: tuple[str, ...] = ()  # heading path, outermost first
    tokens: int = 0  # tiktoken tokens
    digest: str = ""  # sha256 of text + embedding-relevant fields
    themes: tuple[str, ...] = ()
    theme_evidence: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Chunk:
        values = dict(data)
        values["section"] = tuple(values.get("section") or ())
        values["themes"] = tuple(values.get("themes") or ())
        values["theme_evidence"] = {
            k: tuple(v) for k, v in (values.get("theme_evidence") or {}).items()
        }
        return cls(**values)


@dataclass(frozen=True)
class Filters:
    """Metadata filters on retrieval. Empty fields do not filter."""

    doc_types: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None

    def is_empty(self) -> bool:
        return self == Filters()

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Filters:
        """Accepts both plural keys (``themes``) and the CLI's singular keys (``theme``)."""
        if not data:
            return cls()
        out: dict[str, Any] = {}
        for plural, singular in (
            ("doc_types", "doc_type"),
            ("themes", "theme"),
            ("areas", "area"),
            ("doc_ids", "doc_id"),
        ):
            raw = data.get(plural, data.get(singular))
            if raw:
                out[plural] = (raw,) if isinstance(raw, str) else tuple(str(v) for v in raw)
        for key in ("year_from", "year_to"):
            if data.get(key) not in (None, ""):
                out[key] = int(data[key])
        return cls(**out)


@dataclass(frozen=True)
class Passage:
    """A chunk retrieved for a question, with its document, scores and rank (1-based)."""

    chunk: Chunk
    document: Document
    score: float  # fused score used for ranking
    rank: int
    dense_score: float | None = None  # cosine similarity
    keyword_score: float | None = None  # BM25

    def to_dict(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "rank": self.rank,
            "doc_id": c.doc_id,
            "chunk_id": c.chunk_id,
            "title": self.document.title,
            "score": self.score,
            "dense_score": self.dense_score,
            "keyword_score": self.keyword_score,
            "page_start": c.page_label_start,
            "page_end": c.page_label_end,
            "page_index_start": c.page_start,
            "page_index_end": c.page_end,
            "section": list(c.section),
            "themes": list(c.themes),
            "text": c.text,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Passage:
        """The inverse of ``to_dict``: the chunk and document hold what the JSON carries."""
        chunk_id, doc_id = _text(data, "chunk_id"), _text(data, "doc_id")
        n = chunk_id.rsplit("#", 1)[-1]
        chunk = Chunk(
            chunk_id=chunk_id,
            doc_id=doc_id,
            n=int(n) if n.isdigit() else 0,
            text=_text(data, "text"),
            page_start=_int(data, "page_index_start"),
            page_end=_int(data, "page_index_end"),
            page_label_start=_text(data, "page_start"),
            page_label_end=_text(data, "page_end"),
            section=_strings(data.get("section")),
            themes=_strings(data.get("themes")),
        )
        return cls(
            chunk=chunk,
            document=Document(doc_id=doc_id, title=_text(data, "title"), path=""),
            score=float(data.get("score") or 0.0),
            rank=_int(data, "rank"),
            dense_score=_optional_float(data, "dense_score"),
            keyword_score=_optional_float(data, "keyword_score"),
        )


@dataclass(frozen=True)
class Citation:
    """Links an answer sentence to a passage: number, verbatim quote, document, page, url."""

    n: int
    doc_id: str
    chunk_id: str
    title: str
    quote: str  # verbatim (whitespace-normalised) span of the document on the cited pages
    page_start: str  # printed labels
    page_end: str
    page_index_start: int  # physical pages, 1-based
    page_index_end: int
    publisher: str = ""
    year: int | None = None
    section: tuple[str, ...] = ()
    url: str = ""  # the original's url, with #page=N for PDFs
    viewer_url: str = ""  # local viewer route, e.g. /library/<doc_id>?page=3#q1
    verified: bool = False

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Citation:
        return cls(
            n=_int(data, "n"),
            doc_id=_text(data, "doc_id"),
            chunk_id=_text(data, "chunk_id"),
            title=_text(data, "title"),
            quote=_text(data, "quote"),
            page_start=_text(data, "page_start"),
            page_end=_text(data, "page_end"),
            page_index_start=_int(data, "page_index_start"),
            page_index_end=_int(data, "page_index_end"),
            publisher=_text(data, "publisher"),
            year=_year(data),
            section=_strings(data.get("section")),
            url=_text(data, "url"),
            viewer_url=_text(data, "viewer_url"),
            verified=bool(data.get("verified", False)),
        )


@dataclass(frozen=True)
class Searched:
    """The short "what I searched": shown with every answer, and the whole story of a refusal."""

    query: str
    filters: Filters = Filters()
    documents_in_library: int = 0
    documents_matched: tuple[str, ...] = ()  # titles of the documents whose passages came back
    nearest: tuple[str, ...] = ()  # for no_evidence: nearest titles, not used as evidence

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Searched:
        return cls(
            query=_text(data, "query"),
            filters=Filters.from_dict(data.get("filters")),
            documents_in_library=_int(data, "documents_in_library"),
            documents_matched=_strings(data.get("documents_matched")),
            nearest=_strings(data.get("nearest")),
        )


@dataclass(frozen=True)
class Turn:
    """One earlier turn of a conversation (oldest first in a history)."""

    question: str
    answer: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Turn:
        return cls(question=str(data.get("question", "")), answer=str(data.get("answer", "")))


@dataclass(frozen=True)
class LeadUnit:
    """A unit of evidence that answers the question directly, quoted verbatim with its ``[n]``."""

    n: int  # the citation number (``Answer.citations[].n``)
    text: str  # verbatim quote (the same as that citation's quote)

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LeadUnit:
        return cls(n=_int(data, "n"), text=_text(data, "text"))


@dataclass(frozen=True)
class SourceGroup:
    """What one document says in an answer: its citations in order of support."""

    doc_id: str
    title: str
    year: int | None = None
    doc_type: str = "other"
    citations: tuple[int, ...] = ()  # citation numbers, best supported first
    pages: tuple[str, ...] = ()  # printed page labels cited, in reading order, each once

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceGroup:
        return cls(
            doc_id=_text(data, "doc_id"),
            title=_text(data, "title"),
            year=_year(data),
            doc_type=_text(data, "doc_type", "other"),
            citations=tuple(int(n) for n in data.get("citations") or ()),
            pages=_strings(data.get("pages")),
        )


Refusal = Literal[
    "absent_subject",  # the question's subject appears nowhere in the library
    "no_evidence",  # nothing found supports an answer
    "request",  # a request declined (stereotyping wording, profiling, "confirm" a generalisation)
    "off_purpose",  # a task outside the library's purpose (cover letters, recipes, code)
    "legal_advice",
    "tampering",  # attempts to change the assistant's rules
    "personal_data",
    "error",
]
REFUSALS: tuple[Refusal, ...] = typing.get_args(Refusal)


def refusal_for(status: Status) -> Refusal | None:
    """The refusal a refusing status stands for when no step named a more specific one."""
    implied: dict[Status, Refusal] = {
        "no_evidence": "no_evidence",
        "out_of_scope": "off_purpose",
        "personal_data": "personal_data",
        "error": "error",
    }
    return implied.get(status)


def refusal_of(value: object) -> Refusal | None:
    """A stored or received refusal code; None when absent, ``error`` when unknown."""
    if value in (None, ""):
        return None
    return next((r for r in REFUSALS if r == value), "error")


@dataclass(frozen=True)
class Answer:
    """Always returned, never an exception: text + citations + status + passages + metrics.

    ``lead``, ``groups``, ``missing``, ``related`` and ``refusal`` describe the answer's shape:
    the unit(s) that answer directly, the evidence grouped by document, the subjects of the
    question the library does not hold, whether the citations are related material rather than an
    answer (a refusal that offers the nearest evidence), and why an answer was refused.
    """

    status: Status
    text: str
    citations: tuple[Citation, ...] = ()
    passages: tuple[Passage, ...] = ()
    search_query: str = ""
    generator: str = "none"
    searched: Searched | None = None
    notices: tuple[str, ...] = ()  # signposting, fallback notes, demo-library notice
    metrics: Mapping[str, float] = field(default_factory=dict)  # timings in ms, counts
    build_id: str = ""
    lead: tuple[LeadUnit, ...] = ()
    groups: tuple[SourceGroup, ...] = ()
    missing: tuple[str, ...] = ()
    related: bool = False
    refusal: Refusal | None = None  # a Refusal code when the status is a refusal, else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "text": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "search_query": self.search_query,
            "generator": self.generator,
            "searched": self.searched.to_dict() if self.searched else None,
            "notices": list(self.notices),
            "metrics": dict(self.metrics),
            "build_id": self.build_id,
            "lead": [u.to_dict() for u in self.lead],
            "groups": [g.to_dict() for g in self.groups],
            "missing": list(self.missing),
            "related": self.related,
            "refusal": self.refusal,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Answer:
        """The inverse of ``to_dict``, for the edges (stored turns, the JSON API, eval records).

        Answers stored before the shape fields existed (no ``lead``, ``groups``, ``missing``,
        ``related``, ``refusal``) read with those empty: they are *legacy* answers.
        """
        searched = data.get("searched")
        return cls(
            status=status_of(data.get("status")),
            text=_text(data, "text"),
            citations=tuple(Citation.from_dict(c) for c in data.get("citations") or ()),
            passages=tuple(Passage.from_dict(p) for p in data.get("passages") or ()),
            search_query=_text(data, "search_query"),
            generator=_text(data, "generator", "none"),
            searched=Searched.from_dict(searched) if searched else None,
            notices=_strings(data.get("notices")),
            metrics={str(k): float(v) for k, v in (data.get("metrics") or {}).items()},
            build_id=_text(data, "build_id"),
            lead=tuple(LeadUnit.from_dict(u) for u in data.get("lead") or ()),
            groups=tuple(SourceGroup.from_dict(g) for g in data.get("groups") or ()),
            missing=_strings(data.get("missing")),
            related=bool(data.get("related", False)),
            refusal=refusal_of(data.get("refusal")),
        )


@dataclass(frozen=True)
class BuildInfo:
    """What manifest.json says about a build."""

    build_id: str
    created: str
    embedding_model: str
    dimensions: int
    chunk_count: int
    document_count: int
    chromadb_version: str = ""
    chroma_mode: str = "embedded"  # embedded | server
    collection: str = ""
    tokenizer: str = ""
    is_demo: bool = False
    embedding_route: str = ""  # e.g. openvino-int8; "" in builds made before routes existed
    keyword_tokenizer: str = ""  # e.g. snowball-english; "" in builds made before it was recorded
    unit_vectors: str = ""  # encoded | pooled (ADR 0024); "" in builds made before: encoded
    embedding_artefact: str = ""  # the exported model's version (ADR 0023); "" for torch routes

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)  # type: ignore[no-any-return]
